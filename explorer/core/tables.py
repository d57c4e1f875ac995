"""Projects from and to tables, for notebooks: ``Project.from_table`` and ``project.to_table()``.

A table is a pandas DataFrame, a pyarrow Table, or a mapping of column name to values. The vectors
are a column whose cells are vectors (lists or arrays of numbers; the only such column unless
``vectors=`` names one) or an (N, D) array given as ``vectors=``. The texts come from ``text=`` (or a
column called "text", or the first column of strings); every other plain column becomes metadata;
``labels=`` names the column the map is coloured by. A first map (PCA) is computed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from explorer.core.embedding_set import EmbeddingSet, text_array
from explorer.core.progress import run_to_end
from explorer.core.project import Project, ViewState


def metadata_columns(metadata: Mapping[str, np.ndarray], rows: Any, taken: Any) -> dict[str, np.ndarray]:
    """Each metadata column at ``rows`` (a slice, indices), for a table whose own columns are named
    ``taken``: a column of the user's named like one of those (their own "id", "text", "x") is
    written as "id (data)", never dropped in favour of the table's."""
    taken = set(taken)
    out: dict[str, np.ndarray] = {}
    for name, values in metadata.items():
        key = name
        while key in taken:
            key = f"{key} (data)"
        taken.add(key)
        out[key] = np.asarray(values)[rows]
    return out


def table_columns(data: Any) -> dict[str, Any]:
    """name -> values (numpy arrays, or pyarrow arrays for list columns) of a DataFrame, an Arrow
    table or a mapping."""
    if hasattr(data, "schema") and hasattr(data, "column_names"):  # pyarrow.Table
        out = {}
        for name in data.column_names:
            column = data.column(name)
            kind = str(column.type)
            out[str(name)] = column if kind.startswith(("list", "large_list", "fixed_size_list")) else \
                column.to_numpy(zero_copy_only=False)
        return out
    if hasattr(data, "columns") and hasattr(data, "to_numpy"):  # pandas.DataFrame
        return {str(name): data[name].to_numpy() for name in data.columns}
    if isinstance(data, Mapping):
        return {str(name): values for name, values in data.items()}
    raise TypeError(f"cannot read a table from a {type(data).__name__}; give a pandas DataFrame, a pyarrow "
                    "Table or a dict of columns")


def _as_matrix(values: Any, name: str = "") -> np.ndarray | None:
    """(N, D) float32 from a column of vectors, or None if the column does not hold vectors."""
    if hasattr(values, "type") and hasattr(values, "to_pylist"):  # a pyarrow list column
        values = values.to_pylist()
    array = values
    if not isinstance(values, np.ndarray):
        try:
            array = np.asarray(values)
        except ValueError:  # ragged rows, or gaps (None) among vectors: one object per row
            array = np.empty(len(values), dtype=object)
            for i, value in enumerate(values):
                array[i] = value
    if array.dtype.kind in "iuf" and array.ndim == 2:
        return array.astype(np.float32)
    head = [v for v in array[:50] if v is not None] if array.dtype == object else []
    if head and all(isinstance(v, (list, tuple, np.ndarray)) for v in head):
        missing = next((i for i, v in enumerate(array) if v is None), None)
        if missing is not None:
            raise ValueError(f"column {name!r} holds vectors, but row {missing + 1} has none: drop or fill such rows")
        try:
            return np.stack([np.asarray(v, dtype=np.float32) for v in array])
        except ValueError:
            raise ValueError("the vectors are not all of the same length") from None
    return None


def own_ids(metadata: dict[str, np.ndarray], count: int,
            label_column: str | None = None) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The items' ids: the data's own "id" column when it names every item once (exports and
    look-ups then use the user's ids; the column becomes the ids rather than metadata, unless the
    map is coloured by it), else i0, i1, ..."""
    own = metadata.get("id")
    if own is not None and len(own) == count and label_column != "id":
        values = [str(v).strip() for v in np.asarray(own).tolist()]
        if all(values) and len(set(values)) == count:
            return np.array(values), {name: v for name, v in metadata.items() if name != "id"}
    return np.array([f"i{i}" for i in range(count)]), metadata


def project_from_table(data: Any, text: str | None = None, vectors: Any = None, labels: str | None = None,
                       title: str = "", model_id: str = "", modality: str = "text",
                       first_map: str = "pca") -> Project:
    """A project from a table of vectors (see the module docstring); raises ValueError / TypeError."""
    from explorer.core.projections import project as compute_projection  # noqa: PLC0415

    columns = table_columns(data)
    vector_name = None
    if isinstance(vectors, str):
        if vectors not in columns:
            raise ValueError(f"no column {vectors!r}; the table has {', '.join(columns)}")
        vector_name, matrix = vectors, _as_matrix(columns[vectors], vectors)
        if matrix is None:
            raise ValueError(f"column {vectors!r} does not hold vectors (lists of numbers)")
    elif vectors is not None:
        matrix = np.asarray(vectors, dtype=np.float32)
    else:
        found = {name: m for name, m in ((n, _as_matrix(v, n)) for n, v in columns.items()) if m is not None}
        if len(found) != 1:
            what = f"several columns of vectors ({', '.join(found)})" if found else "no column of vectors"
            raise ValueError(f"the table has {what}: give vectors= (a column name or an (N, D) array)")
        vector_name, matrix = next(iter(found.items()))
    if matrix.ndim != 2 or (columns and len(matrix) != len(next(iter(columns.values())))):
        raise ValueError(f"the vectors must be an (N, D) matrix with one row per table row, not {matrix.shape}")
    metadata: dict[str, np.ndarray] = {}
    for name, values in columns.items():
        if name == vector_name or hasattr(values, "to_pylist") or _as_matrix(values) is not None:
            continue
        array = np.asarray(values)
        metadata[name] = array if array.dtype.kind in "biuf" else text_array(array)
    if text is not None and text not in metadata:
        raise ValueError(f"no column {text!r}; the table has {', '.join(columns)}")
    if labels is not None and labels not in metadata:
        raise ValueError(f"no column {labels!r}; the table has {', '.join(columns)}")
    text = text or ("text" if "text" in metadata else next(
        (n for n, v in metadata.items() if v.dtype == object), None))
    texts = metadata.pop(text) if text is not None else text_array([str(i) for i in range(len(matrix))])
    ids, metadata = own_ids(metadata, len(matrix), labels)
    emb = EmbeddingSet(matrix, ids, texts, modality=modality, model_id=model_id, metadata=metadata)
    project = Project(emb, {}, ViewState(color_by=labels), title=title)
    projection = run_to_end(compute_projection(emb.vectors, first_map, name=first_map.upper()))
    project.add_projection(projection)
    project.view.projection = projection.name
    return project


def project_to_table(project: Project, vectors: bool = True):
    """A pyarrow Table: id, text, every metadata column, x and y of each projection (``NAME x``,
    ``NAME y``) and, with ``vectors``, a ``vector`` column of fixed-size float32 lists."""
    import pyarrow as pa  # noqa: PLC0415

    emb = project.embeddings
    data: dict[str, Any] = {"id": pa.array(emb.ids.tolist(), pa.string()),
                            "text": pa.array(emb.texts.tolist(), pa.string())}
    for name, values in metadata_columns(emb.metadata, slice(None), data).items():
        data[name] = pa.array(values.tolist(), pa.string()) if values.dtype.kind in "OU" else pa.array(values)
    for name, projection in project.projections.items():
        data[f"{name} x"] = pa.array(projection.coords[:, 0])
        data[f"{name} y"] = pa.array(projection.coords[:, 1])
    if vectors:
        data["vector"] = pa.FixedSizeListArray.from_arrays(pa.array(emb.vectors.ravel()), emb.dim)
    return pa.table(data)
