"""Arrow-family tables: a column of vectors in Parquet / Arrow IPC / Feather / save_to_disk folders,
tables of texts in them, and Parquet exports with metadata and vectors."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest

from explorer.actions.importer import ImportOptions, detect, import_job
from explorer.actions.tables import coordinates_table
from explorer.core import run_to_end
from explorer.io.exporters import write_parquet_table
from explorer.io.readers import ReadError, read_table

TEXTS = ["a fine film", "awful", "moving and quiet", "too long", "a delight", "never again"]
LABELS = ["pos", "neg", "pos", "neg", "pos", "neg"]


def _vectors(dim: int = 8) -> np.ndarray:
    return np.random.default_rng(2).normal(size=(len(TEXTS), dim)).astype(np.float32)


def _table(fixed: bool = False, extra_vectors: bool = False) -> pa.Table:
    vectors = _vectors()
    column = (pa.FixedSizeListArray.from_arrays(pa.array(vectors.ravel()), vectors.shape[1]) if fixed
              else pa.array(vectors.tolist(), type=pa.list_(pa.float32())))
    data = {"text": TEXTS, "label": LABELS, "embedding": column}
    if extra_vectors:
        data["other"] = pa.array((vectors[:, :3] * 2).tolist(), type=pa.list_(pa.float64()))
    return pa.table(data)


def _write_stream(table: pa.Table, path) -> None:
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)


def _save_to_disk(table: pa.Table, folder) -> None:
    """What datasets.Dataset.save_to_disk writes: IPC stream files, state.json, dataset_info.json."""
    folder.mkdir()
    halves = [table.slice(0, 3), table.slice(3)]
    names = [f"data-0000{i}-of-00002.arrow" for i in range(2)]
    for half, name in zip(halves, names):
        _write_stream(half, folder / name)
    (folder / "state.json").write_text(json.dumps({"_data_files": [{"filename": n} for n in names],
                                                   "_fingerprint": "x", "_split": None}))
    (folder / "dataset_info.json").write_text(json.dumps({"features": {}}))


def _import(path, **kwargs):
    return run_to_end(import_job(ImportOptions(str(path), first_map="pca", **kwargs)))


@pytest.mark.parametrize("how", ["parquet", "feather", "arrow-file", "arrow-stream", "save_to_disk"])
@pytest.mark.parametrize("fixed", [False, True])
def test_a_column_of_vectors_is_read_as_the_vectors(tmp_path, how, fixed):
    table = _table(fixed)
    path = {"parquet": tmp_path / "t.parquet", "feather": tmp_path / "t.feather",
            "arrow-file": tmp_path / "t.arrow", "arrow-stream": tmp_path / "t.arrow",
            "save_to_disk": tmp_path / "dataset"}[how]
    if how == "parquet":
        pq.write_table(table, path)
    elif how in ("feather", "arrow-file"):
        feather.write_feather(table, path)
    elif how == "arrow-stream":
        _write_stream(table, path)
    else:
        _save_to_disk(table, path)
    found = detect(str(path))
    assert found.kind == "vector-table" and "'embedding'" in found.what, found
    result = _import(path)
    emb = result.project.embeddings
    assert result.embedded == 0 and emb.dim == 8
    np.testing.assert_array_equal(emb.vectors, _vectors())
    assert emb.texts.tolist() == TEXTS and emb.metadata["label"].tolist() == LABELS
    assert result.project.view.color_by == "label"


def test_several_vector_columns_need_vector_column(tmp_path):
    path = tmp_path / "two.parquet"
    pq.write_table(_table(extra_vectors=True), path)
    assert "several columns of vectors (embedding, other" in detect(str(path)).what
    with pytest.raises(ReadError, match="several columns of vectors .*give --vector-column"):
        _import(path)
    emb = _import(path, vector_column="other").project.embeddings
    np.testing.assert_allclose(emb.vectors, _vectors()[:, :3] * 2, rtol=1e-6)
    with pytest.raises(ReadError, match="column 'label' of two.parquet does not hold lists of numbers"):
        _import(path, vector_column="label")


def test_rows_of_another_length_or_missing_are_skipped_and_reported(tmp_path):
    rows = _vectors().tolist()
    rows[1] = rows[1][:5]
    rows[4] = None
    path = tmp_path / "ragged.parquet"
    pq.write_table(pa.table({"text": TEXTS, "embedding": pa.array(rows, type=pa.list_(pa.float32()))}), path)
    result = _import(path)
    assert result.project.embeddings.texts.tolist() == [TEXTS[i] for i in (0, 2, 3, 5)]
    assert result.report.rows_skipped == 2 and "row 2" in result.report.summary()


@pytest.mark.parametrize("how", ["feather", "save_to_disk"])
def test_tables_of_texts_in_arrow_files_are_texts(tmp_path, how):
    table = pa.table({"text": TEXTS, "label": LABELS})
    if how == "feather":
        path = tmp_path / "t.feather"
        feather.write_feather(table, path)
    else:
        path = tmp_path / "texts_dataset"
        _save_to_disk(table, path)
    assert detect(str(path)).kind == "texts"
    read = read_table(path, limit=4)
    assert read.columns["text"].tolist() == TEXTS[:4] and read.total_rows == 6


def test_parquet_export_has_the_metadata_columns_and_the_vectors(tmp_path):
    path = tmp_path / "t.parquet"
    pq.write_table(_table(), path)
    project = _import(path).project
    table = coordinates_table(project)
    columns, meta = table.columns, table.meta
    out = write_parquet_table(tmp_path / "coords.parquet", columns, meta, project.embeddings)
    back = pq.read_table(out)
    assert back.column_names == [*columns, "vector"]
    assert back.column("label").to_pylist() == LABELS and back.schema.field("x").type == pa.float32()
    assert pa.types.is_fixed_size_list(back.schema.field("vector").type)
    np.testing.assert_array_equal(np.array(back.column("vector").to_pylist(), dtype=np.float32), _vectors())
    assert json.loads(back.schema.metadata[b"explorer"])["projection"] == meta["projection"]
    # a subset of rows (a selection) carries its own items' vectors
    subset = {k: np.asarray(v)[[4, 1]] for k, v in columns.items()}
    back = pq.read_table(write_parquet_table(tmp_path / "sel.parquet", subset, {}, project.embeddings))
    np.testing.assert_array_equal(np.array(back.column("vector").to_pylist(), dtype=np.float32),
                                  _vectors()[[4, 1]])
