"""Arrow-family tables: Parquet, Arrow IPC (file or stream) / Feather, and Hugging Face
``save_to_disk`` folders (their ``*.arrow`` files in the order ``state.json`` lists them), all read
with pyarrow (no ``datasets`` needed).

A column of lists of numbers (``list<float>``, ``large_list``, ``fixed_size_list``) is a column of
vectors: ``read_vector_table`` takes it as the vectors (``vector_column``, or the only such column),
the other plain columns as metadata. ``write_parquet`` writes an export table (and optionally the
vectors as a ``fixed_size_list<float32>`` column) for the exports of items.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from explorer.core.progress import Job, Progress

ARROW_SUFFIXES = (".arrow", ".feather", ".ipc")
PARQUET_MAGIC = b"PAR1"
ARROW_FILE_MAGIC = b"ARROW1"
FEATHER_V1_MAGIC = b"FEA1"
HF_FILES = ("state.json", "dataset_info.json")


class ArrowReadError(ValueError):
    """A table that cannot be read; one line for the user (the readers turn it into a ReadError)."""


def is_hf_folder(path: Path) -> bool:
    """A ``datasets.Dataset.save_to_disk`` folder: ``state.json`` or ``dataset_info.json`` beside
    ``*.arrow`` files."""
    try:
        return path.is_dir() and any((path / f).exists() for f in HF_FILES) and any(path.glob("*.arrow"))
    except (OSError, ValueError):  # a name too long, a loop of links: the readers say so in one line
        return False


def looks_arrow(head: bytes) -> bool:
    """Arrow IPC file / Feather v2 (``ARROW1``), Feather v1 (``FEA1``), or an IPC stream (a
    continuation marker then a schema message)."""
    return head.startswith((ARROW_FILE_MAGIC, FEATHER_V1_MAGIC)) or head.startswith(b"\xff\xff\xff\xff")


def _hf_files(folder: Path) -> list[Path]:
    state = folder / "state.json"
    if state.exists():
        try:
            names = [entry["filename"] for entry in json.loads(state.read_text(encoding="utf-8"))["_data_files"]]
            return [folder / name for name in names]
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise ArrowReadError(f"{folder.name}/state.json is not a datasets state file ({err})") from None
    return sorted(folder.glob("*.arrow"))


def _read_ipc(path: Path):
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.feather as feather  # noqa: PLC0415

    with open(path, "rb") as handle:
        head = handle.read(8)
    if head.startswith((ARROW_FILE_MAGIC, FEATHER_V1_MAGIC)):
        return feather.read_table(str(path))
    with pa.memory_map(str(path)) as source:  # the streaming format (what save_to_disk writes)
        return pa.ipc.open_stream(source).read_all()


def read_arrow_table(path: str | os.PathLike[str], columns: Sequence[str] | None = None):
    """The whole table of a Parquet file, an Arrow IPC / Feather file or a save_to_disk folder."""
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.parquet as pq  # noqa: PLC0415

    path = Path(path)
    try:
        if path.is_dir():
            if not is_hf_folder(path):
                raise ArrowReadError(f"{path.name} is not a Hugging Face save_to_disk folder")
            parts = [_read_ipc(p) for p in _hf_files(path)]
            if not parts:
                raise ArrowReadError(f"{path.name} holds no .arrow files")
            table = pa.concat_tables(parts)
        else:
            with open(path, "rb") as handle:
                head = handle.read(8)
            table = pq.read_table(path) if head.startswith(PARQUET_MAGIC) else _read_ipc(path)
    except ArrowReadError:
        raise
    except (pa.ArrowException, OSError, ValueError) as err:
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise ArrowReadError(f"{path.name} is not a readable Arrow, Feather or Parquet table ({first})") from None
    if columns is not None:
        table = table.select(list(columns))
    return table


def read_schema(path: Path):
    """The schema only (cheap: a Parquet footer, an IPC header), or None if unreadable."""
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.parquet as pq  # noqa: PLC0415

    try:
        if path.is_dir():
            files = _hf_files(path) if is_hf_folder(path) else []
            return _read_ipc_schema(files[0]) if files else None
        with open(path, "rb") as handle:
            head = handle.read(8)
        if head.startswith(PARQUET_MAGIC):
            return pq.read_schema(path)
        return _read_ipc_schema(path)
    except (pa.ArrowException, OSError, ValueError, ArrowReadError):
        return None


def _read_ipc_schema(path: Path):
    import pyarrow as pa  # noqa: PLC0415

    with open(path, "rb") as handle:
        head = handle.read(8)
    if head.startswith(FEATHER_V1_MAGIC):
        return _read_ipc(path).schema
    with pa.memory_map(str(path)) as source:
        if head.startswith(ARROW_FILE_MAGIC):
            return pa.ipc.open_file(source).schema
        return pa.ipc.open_stream(source).schema


def vector_columns(schema) -> list[str]:
    """Columns whose values are lists of numbers (each row a vector)."""
    import pyarrow as pa  # noqa: PLC0415

    found = []
    for field in schema:
        kind = field.type
        if pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind):
            inner = kind.value_type
            if pa.types.is_floating(inner) or pa.types.is_integer(inner):
                found.append(field.name)
    return found


def pick_vector_column(schema, wanted: str | None, name: str) -> str:
    columns = vector_columns(schema)
    if wanted is not None:
        if wanted not in schema.names:
            raise ArrowReadError(f"no column {wanted!r} in {name}; its columns are: {', '.join(schema.names)}")
        if wanted not in columns:
            raise ArrowReadError(f"column {wanted!r} of {name} does not hold lists of numbers")
        return wanted
    if len(columns) == 1:
        return columns[0]
    if not columns:
        raise ArrowReadError(f"{name} has no column of vectors (lists of numbers)")
    raise ArrowReadError(f"{name} has several columns of vectors ({', '.join(columns)}); give --vector-column")


def vectors_of(column) -> tuple[np.ndarray, np.ndarray]:
    """(N, D) float32 from a list column, and a mask of the rows that are usable (not null, of the
    common length). Fixed-size lists are reshaped without a copy of the values."""
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.compute as pc  # noqa: PLC0415

    column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    n = len(column)
    if pa.types.is_fixed_size_list(column.type):
        dim = column.type.list_size
        valid = np.ones(n, dtype=bool) if column.null_count == 0 else ~np.asarray(column.is_null())
        flat = column.flatten() if column.null_count == 0 else pc.list_flatten(column.fill_null(
            pa.scalar([0] * dim, type=column.type)))
        values = np.asarray(flat.to_numpy(zero_copy_only=False), dtype=np.float32).reshape(n, dim)
        return values, valid
    lengths = np.asarray(pc.list_value_length(column).fill_null(-1).to_numpy(zero_copy_only=False))
    usable = lengths[lengths >= 0]
    if not len(usable):
        raise ArrowReadError("the vector column holds no vectors")
    dim = int(np.bincount(usable).argmax())
    valid = lengths == dim
    if dim == 0:
        raise ArrowReadError("the vector column holds empty lists")
    flat = np.asarray(pc.list_flatten(column.filter(pa.array(valid))).to_numpy(zero_copy_only=False),
                      dtype=np.float32)
    values = np.full((n, dim), np.nan, dtype=np.float32)
    values[valid] = flat.reshape(-1, dim)
    return values, valid


def read_vector_table_job(path: str | os.PathLike[str], vector_column: str | None = None,
                          limit: int | None = None, sample_seed: int | None = None) -> Job:
    """VectorData from a table with a column of vectors (see the module docstring)."""
    from explorer.io.readers import common, tables  # noqa: PLC0415 - they import this module
    from explorer.io.readers import vectors as vector_files

    path = Path(path)
    yield Progress(0, None, f"Reading {path.name}")
    schema = read_schema(path)
    if schema is None:
        raise common.ReadError(f"{path.name} is not a readable Arrow, Feather or Parquet table")
    try:
        chosen = pick_vector_column(schema, vector_column, path.name)
        table = read_arrow_table(path)
    except ArrowReadError as err:
        raise common.ReadError(str(err)) from None
    total = table.num_rows
    if total == 0:
        raise common.ReadError(f"{path.name} has no rows")
    report = common.ImportReport(rows_read=total, unit="row")
    if limit is not None and limit < total:
        rows = (np.arange(limit) if sample_seed is None else
                np.sort(np.random.default_rng(sample_seed).choice(total, limit, replace=False)))
        table = table.take(rows)
        how = f"a random sample (seed {sample_seed}) of" if sample_seed is not None else "the first"
        report.note(f"Kept {how} {limit:,} of {total:,} rows (limit).")
        numbers = rows + 1
    else:
        numbers = np.arange(1, total + 1)
    try:
        vectors, valid = vectors_of(table.column(chosen))
    except ArrowReadError as err:
        raise common.ReadError(f"{path.name}: {err}") from None
    metadata = {}
    for name in table.column_names:
        if name == chosen or name in vector_columns(table.select([name]).schema):
            continue
        kind = table.schema.field(name).type
        import pyarrow as pa  # noqa: PLC0415

        if pa.types.is_nested(kind) or pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
            report.note(f"Column {name!r} ({kind}) was left out: only plain columns become metadata.")
            continue
        metadata[str(name)] = tables._arrow_column(table.column(name))
    bad = {int(i): common._Skip(f"row {numbers[i]}", "vector of another length or missing")
           for i in np.flatnonzero(~valid)}
    keys = vector_files._pick_keys(metadata, len(vectors))
    yield Progress(1, 1, f"Read {len(vectors):,} vectors of {vectors.shape[1]} dimensions from {chosen!r}")
    return vector_files._finish_vectors(vectors, keys, metadata, report, lambda i: f"row {numbers[i]}", bad)


# ---------------------------------------------------------------------------------------- writing


def write_parquet(path: str | os.PathLike[str], columns: Mapping[str, Sequence[Any]],
                  meta: Mapping[str, Any] | None = None, vectors: np.ndarray | None = None) -> Path:
    """An export table as Parquet: its columns as they are typed, ``meta`` in the file's key-value
    metadata (JSON), and with ``vectors`` a ``vector`` column of ``fixed_size_list<float32>``.
    Written under a temporary name and renamed, like the other exports."""
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.parquet as pq  # noqa: PLC0415

    path = Path(path)
    arrays = {}
    for name, values in columns.items():
        array = np.asarray(values)
        if array.dtype.kind in "OU":
            arrays[name] = pa.array([None if v is None else str(v) for v in array.tolist()], type=pa.string())
        else:
            arrays[name] = pa.array(array)
    if vectors is not None:
        matrix = np.ascontiguousarray(vectors, dtype=np.float32)
        arrays["vector"] = pa.FixedSizeListArray.from_arrays(pa.array(matrix.ravel()), matrix.shape[1])
    table = pa.table(arrays)
    if meta:
        table = table.replace_schema_metadata({b"explorer": json.dumps(dict(meta), default=str).encode()})
    temporary = path.with_name(f".{path.name}.saving")
    try:
        pq.write_table(table, temporary)
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()
    return path
