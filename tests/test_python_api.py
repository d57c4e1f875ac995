"""From Python: Project.from_table / project.to_table and explorer.show on a table."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

import explorer
from explorer.core.project import Project

TEXTS = [f"item {i}" for i in range(12)]
LABELS = ["a", "b", "c"] * 4


def _vectors() -> np.ndarray:
    return np.random.default_rng(4).normal(size=(12, 6)).astype(np.float32)


def test_from_a_dict_of_columns_with_a_vector_column_and_back_to_a_table():
    project = Project.from_table({"text": TEXTS, "label": LABELS, "score": np.arange(12.0),
                                  "embedding": list(_vectors())}, labels="label")
    emb = project.embeddings
    np.testing.assert_array_equal(emb.vectors, _vectors())
    assert emb.texts.tolist() == TEXTS and emb.metadata["score"].dtype == np.float64
    assert project.view.color_by == "label" and project.view.projection == "PCA"
    table = project.to_table()
    assert table.column_names == ["id", "text", "label", "score", "PCA x", "PCA y", "vector"]
    np.testing.assert_array_equal(np.array(table.column("vector").to_pylist(), dtype=np.float32), _vectors())
    assert table.column("label").to_pylist() == LABELS


def test_from_an_arrow_table_and_from_an_array():
    arrow = pa.table({"word": TEXTS, "vec": pa.array(_vectors().tolist(), pa.list_(pa.float32()))})
    project = Project.from_table(arrow, text="word")
    np.testing.assert_array_equal(project.embeddings.vectors, _vectors())
    project = Project.from_table({"text": TEXTS}, vectors=_vectors() * 2)
    np.testing.assert_array_equal(project.embeddings.vectors, _vectors() * 2)
    with pytest.raises(ValueError, match="no column 'nope'"):
        Project.from_table({"text": TEXTS}, vectors=_vectors(), labels="nope")
    with pytest.raises(ValueError, match="one row per table row"):
        Project.from_table({"text": TEXTS}, vectors=_vectors()[:5])


def test_a_missing_vector_is_named_and_an_id_column_names_the_items():
    vectors = list(_vectors())
    vectors[4] = None
    with pytest.raises(ValueError, match="column 'embedding' holds vectors, but row 5 has none"):
        Project.from_table({"text": TEXTS, "embedding": vectors})
    ids = [f"r{i}" for i in range(12)]
    project = Project.from_table({"id": ids, "text": TEXTS, "embedding": list(_vectors())})
    assert project.embeddings.ids.tolist() == ids and "id" not in project.embeddings.metadata
    assert project.to_table(vectors=False).column("id").to_pylist() == ids


def test_from_a_pandas_dataframe():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"text": TEXTS, "label": LABELS, "embedding": list(_vectors())})
    project = Project.from_table(frame, labels="label")
    np.testing.assert_array_equal(project.embeddings.vectors, _vectors())
    assert project.embeddings.metadata["label"].tolist() == LABELS


def test_show_opens_the_window_on_a_table(qtbot):
    window = explorer.show({"text": TEXTS, "label": LABELS, "embedding": list(_vectors())}, labels="label",
                           block=False)
    qtbot.addWidget(window)
    assert window.isVisible()
    project = window.state.project
    assert len(project.embeddings) == 12 and project.view.color_by == "label"
    window.state.set_dirty(False)
    window.close()
