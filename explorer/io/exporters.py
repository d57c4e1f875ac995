"""Write tables as CSV or JSON, atomically (explorer.actions.tables says what each result's table
holds), and the TensorFlow Embedding Projector's TSV pair."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

FORMATS = ("csv", "json")


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def table_rows(columns: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    names = list(columns)
    lengths = {len(columns[name]) for name in names}
    if len(lengths) > 1:
        raise ValueError(f"columns differ in length: {sorted(lengths)}")
    count = lengths.pop() if lengths else 0
    lists = [np.asarray(columns[name]).tolist() for name in names]
    return [{name: _plain(values[i]) for name, values in zip(names, lists)} for i in range(count)]


def format_table(columns: Mapping[str, Sequence[Any]], fmt: str, meta: Mapping[str, Any] | None = None) -> str:
    """CSV (header + rows) or JSON ({...meta, "rows": [...]}) text for a column table."""
    rows = table_rows(columns)
    if fmt == "json":
        return json.dumps({**(meta or {}), "rows": rows}, indent=1, ensure_ascii=False) + "\n"
    if fmt != "csv":
        raise ValueError(f"unknown format {fmt!r}; choose csv or json")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    path = Path(path)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".saving", dir=path.parent or ".")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


def format_of(path: str | os.PathLike[str] | None, fmt: str | None = None, default: str | None = None) -> str:
    """The table format: ``fmt`` if given, else the suffix of ``path`` (.csv / .json), else
    ``default`` (when there is no path). ValueError when none of them names csv or json."""
    if not fmt:
        fmt = Path(path).suffix.lower().lstrip(".") if path else default
    if fmt not in FORMATS:
        raise ValueError(f"cannot tell the format of {Path(path).name if path else 'the output'}: "
                         "use .csv or .json")
    return fmt


def write_table(path: str | os.PathLike[str], columns: Mapping[str, Sequence[Any]], fmt: str | None = None,
                meta: Mapping[str, Any] | None = None) -> Path:
    """Write a table; the format follows the suffix (.csv / .json) unless given."""
    return write_text_atomic(path, format_table(columns, format_of(path, fmt), meta))


def write_projector_tsv(project, folder: str | os.PathLike[str]) -> tuple[Path, Path]:
    """The TensorFlow Embedding Projector's pair: vectors.tsv (no header) and metadata.tsv (a header
    row when there is more than one column, as the Projector expects)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    emb = project.embeddings
    vectors = "".join("\t".join(f"{v:.7g}" for v in row) + "\n" for row in emb.vectors.tolist())
    names = ["text", *emb.metadata]
    columns = [emb.texts, *emb.metadata.values()]

    def clean(value: Any) -> str:  # tabs and new lines would break the format
        return str(value).replace("\t", " ").replace("\n", " ").replace("\r", " ")

    lines = ["\t".join(names)] if len(names) > 1 else []
    lines += ["\t".join(clean(column[i]) for column in columns) for i in range(len(emb))]
    vectors_path = write_text_atomic(folder / "vectors.tsv", vectors)
    metadata_path = write_text_atomic(folder / "metadata.tsv", "\n".join(lines) + "\n")
    return vectors_path, metadata_path


def write_parquet_table(path: str | os.PathLike[str], columns: Mapping[str, Sequence[Any]],
                        meta: Mapping[str, Any] | None = None, emb=None) -> Path:
    """An export table as Parquet (explorer.io.readers.arrow.write_parquet); with ``emb``, each row's
    item vector (found by the table's ``id`` column) as a ``vector`` column."""
    from explorer.io.readers.arrow import write_parquet  # noqa: PLC0415 - pyarrow is heavy

    vectors = None
    if emb is not None:
        if "id" not in columns:
            raise ValueError("this table has no item ids, so it cannot carry the items' vectors")
        index = {item: i for i, item in enumerate(emb.ids.tolist())}
        try:
            rows = [index[str(item)] for item in np.asarray(columns["id"]).tolist()]
        except KeyError as err:
            raise ValueError(f"item {err.args[0]!r} is not in the project") from None
        vectors = emb.vectors[rows]
    return write_parquet(path, columns, meta, vectors)
