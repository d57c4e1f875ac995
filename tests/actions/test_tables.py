"""Export tables never drop a user's column: one named like the table's own ("id", "text", "x")
is kept as "NAME (data)"."""

from __future__ import annotations

import numpy as np

from explorer.actions import tables
from explorer.core import EmbeddingSet, Project, Projection


def project_with_clashing_columns() -> Project:
    n = 5
    metadata = {"id": np.array([f"r{i}" for i in range(n)], dtype=object),
                "text": np.array([f"raw {i}" for i in range(n)], dtype=object),
                "x": np.arange(n) * 10, "y": np.arange(n) * -1.5, "label": np.array(list("ababa"), dtype=object)}
    emb = EmbeddingSet(np.eye(n, dtype=np.float32), [f"i{i}" for i in range(n)], [f"t{i}" for i in range(n)],
                       metadata=metadata)
    coords = np.column_stack([np.arange(n), np.arange(n) + 0.5]).astype(np.float32)
    return Project(emb, {"PCA": Projection("PCA", "pca", coords)})


def test_coordinates_and_selection_keep_the_users_id_text_x_y():
    project = project_with_clashing_columns()
    table = tables.coordinates_table(project)
    assert list(table.columns) == ["id", "text", "x", "y", "id (data)", "text (data)", "x (data)", "y (data)", "label"]
    assert list(table.columns["id"]) == [f"i{i}" for i in range(5)]
    assert list(table.columns["id (data)"]) == [f"r{i}" for i in range(5)]
    assert list(table.columns["x (data)"]) == [0, 10, 20, 30, 40] and list(table.columns["x"]) == [0, 1, 2, 3, 4]
    selection = tables.selection_table(project, [3, 1])
    assert list(selection.columns["id (data)"]) == ["r3", "r1"]
    assert list(selection.columns["text (data)"]) == ["raw 3", "raw 1"]


def test_the_notebook_table_keeps_them_too():
    arrow = project_with_clashing_columns().to_table(vectors=False)
    assert arrow.column("id (data)").to_pylist() == [f"r{i}" for i in range(5)]
    assert arrow.column("text (data)").to_pylist() == [f"raw {i}" for i in range(5)]
    assert arrow.column("x").to_pylist() == [0, 10, 20, 30, 40]  # the map's are "PCA x": no clash
    assert arrow.column("PCA x").to_pylist() == [0, 1, 2, 3, 4]
