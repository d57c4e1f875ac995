"""Vectors people already have: NumPy .npy / .npz (with a metadata table), the Embedding Projector's
vectors.tsv + metadata.tsv."""

from __future__ import annotations

import math
import os
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np

from explorer.core.errors import one_line
from explorer.core.progress import Job, Progress, run_to_end
from explorer.io.readers.common import (
    _PROGRESS_EVERY,
    MAX_EXAMPLES,
    NOT_UTF8,
    ImportReport,
    ReadError,
    _check_file,
    _is_number,
    _Lines,
    _plural,
    _Skip,
    _str_array,
    _text_file,
    _typed_column,
    _unique_names,
    _where,
)
from explorer.io.readers.tables import (
    _as_texts,
    read_table,
)

# A .npy / .npz may not declare more bytes than this floor plus a multiple of the file's size
# (a compressed .npz of zeros could otherwise ask for terabytes).
NPY_MEMORY_FLOOR = 256 << 20
NPY_BYTES_PER_FILE_BYTE = 32

# ---------------------------------------------------------------------------------------- vectors


@dataclass
class VectorData:
    """Vectors a user already has: float32 (N, D), one key (word, label or row index) per row,
    aligned metadata columns, and the report of what was dropped."""

    vectors: np.ndarray
    keys: np.ndarray
    metadata: dict[str, np.ndarray]
    report: ImportReport

    def __len__(self) -> int:
        return self.vectors.shape[0]

    @property
    def dim(self) -> int:
        return self.vectors.shape[1]


def clean_vectors(
    vectors: np.ndarray, report: ImportReport, where: Callable[[int], str] | None = None
) -> np.ndarray:
    """A keep mask: rows with NaN or infinite values are dropped (and reported as skipped);
    all-zero rows are kept, with a note, since cosine similarity is undefined for them.

    ``where(i)`` names row i in the report ("index i" by default). ``rows_read`` and
    ``rows_kept`` are left to the caller.
    """
    vectors = np.asarray(vectors)
    if vectors.ndim != 2:
        raise ValueError(f"vectors must be a 2-D matrix, got shape {vectors.shape}")
    name = where or (lambda i: f"index {i}")
    finite = np.isfinite(vectors).all(axis=1)
    bad = np.flatnonzero(~finite)
    for i in bad.tolist():
        report.skip(name(i), "NaN or infinite values")
    zero = np.flatnonzero(finite & ~np.any(vectors, axis=1))
    if len(zero):
        shown = ", ".join(name(i) for i in zero[:MAX_EXAMPLES].tolist())
        more = f" and {len(zero) - MAX_EXAMPLES:,} more" if len(zero) > MAX_EXAMPLES else ""
        report.note(
            f"Kept {len(zero):,} all-zero {_plural('vector', len(zero))}; they have no direction, "
            f"so cosine similarity with them is undefined: {shown}{more}."
        )
    return finite


def _finish_vectors(
    vectors: np.ndarray,
    keys: np.ndarray,
    metadata: dict[str, np.ndarray],
    report: ImportReport,
    where: Callable[[int], str],
    bad_rows: dict[int, _Skip] | None = None,
) -> VectorData:
    """Drop rows that failed to parse (``bad_rows``) or hold NaN/inf, and build VectorData."""
    keep = np.ones(len(vectors), dtype=bool)
    for i, skip in (bad_rows or {}).items():
        report.skip(skip.where, skip.reason, skip.detail)
        keep[i] = False
    good = np.flatnonzero(keep)
    mask = clean_vectors(vectors[good] if bad_rows else vectors, report, lambda i: where(int(good[i])))
    keep[good[~mask]] = False
    if not keep.all():
        vectors, keys = vectors[keep], keys[keep]
        metadata = {k: v[keep] for k, v in metadata.items()}
    report.rows_kept = int(len(vectors))
    if report.rows_kept == 0:
        raise ReadError(f"no usable vectors. {report.summary()}")
    return VectorData(np.ascontiguousarray(vectors, dtype=np.float32), _str_array(keys), metadata, report)


_KEY_COLUMNS = ("word", "text", "token", "label", "name", "title", "key", "id")


def _pick_keys(metadata: dict[str, np.ndarray], n: int) -> np.ndarray:
    """The items' texts from the metadata. A column named "text" (what our own exports write) is
    taken out of ``metadata``: it would otherwise come back as a second copy of the texts."""
    by_lower = {name.lower(): name for name in metadata}
    for candidate in _KEY_COLUMNS:
        if candidate in by_lower:
            keys = _str_array(_as_texts(metadata[by_lower[candidate]]))
            if candidate == "text":
                del metadata[by_lower[candidate]]
            return keys
    for column in metadata.values():
        if column.dtype.kind in "UO":
            return _str_array(column.tolist())
    if metadata:
        return _str_array(_as_texts(next(iter(metadata.values()))))
    return np.arange(n).astype(str)


def read_vectors_npy(
    path: str | os.PathLike[str], metadata_path: str | os.PathLike[str] | None = None
) -> VectorData:
    """Vectors from a .npy file, or a .npz file (its array named "vectors" or "embeddings", else
    its first one; other 1-D arrays of the same length become metadata), with an optional
    metadata table (any ``read_table`` format) holding one row per vector.
    """
    path = Path(path)
    _check_file(path)
    extra: dict[str, np.ndarray] = {}
    try:
        with open(path, "rb") as handle:
            magic = handle.read(6)
        if magic.startswith(b"PK"):
            _check_npy_sizes(path, npz=True)
            array, extra = _load_npz(path)
        elif magic == b"\x93NUMPY":
            _check_npy_sizes(path, npz=False)
            array = np.load(path, allow_pickle=False)
        else:
            raise ReadError(f"{path.name} is not a NumPy .npy or .npz file")
    except ReadError:
        raise
    except (zlib.error, NotImplementedError, RuntimeError) as err:  # damaged or encrypted .npz members
        raise ReadError(f"cannot read {path.name}: {err}") from None
    except ValueError as err:
        if "allow_pickle" in str(err) or "Object arrays" in str(err):
            raise ReadError(
                f"{path.name} holds Python objects, which are never loaded (unpickling is unsafe); "
                "save a numeric array instead"
            ) from None
        raise ReadError(f"{path.name} is damaged or truncated ({err})") from None
    except (OSError, EOFError, zipfile.BadZipFile) as err:
        raise ReadError(f"cannot read {path.name}: {err}") from None
    vectors = _check_matrix(array, path.name)
    n = len(vectors)
    report = ImportReport(rows_read=n, unit="vector")
    metadata = dict(extra)
    if metadata_path is not None:
        table = read_table(metadata_path, encoding_errors="replace")
        if len(table) != n:
            skipped = f" ({table.report.summary()})" if table.report.rows_skipped else ""
            raise ReadError(
                f"{path.name} has {n:,} vectors but {Path(metadata_path).name} has "
                f"{len(table):,} rows; they must match one to one{skipped}"
            )
        report.notes.extend(table.report.notes)
        metadata.update(table.columns)
    return _finish_vectors(vectors, _pick_keys(metadata, n), metadata, report, lambda i: f"index {i}")


def _npy_header(handle: IO[bytes]) -> tuple[tuple[int, ...], np.dtype, int]:
    """Shape, dtype and data size in bytes that a .npy header declares (the handle is left after it)."""
    version = np.lib.format.read_magic(handle)
    read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
    shape, _, dtype = read_header(handle, max_header_size=1 << 16)
    return shape, dtype, math.prod(shape) * dtype.itemsize


def _check_npy_sizes(path: Path, npz: bool) -> None:
    """Refuse, before any array is allocated, a .npy whose header promises more data than the file
    holds, and a .npz whose arrays would inflate beyond what a file of its size can sensibly hold."""
    size = path.stat().st_size
    budget = NPY_MEMORY_FLOOR + NPY_BYTES_PER_FILE_BYTE * size
    try:
        if not npz:
            with open(path, "rb") as handle:
                shape, dtype, nbytes = _npy_header(handle)
                if not dtype.hasobject and handle.tell() + nbytes > size:
                    raise ReadError(f"{path.name} is damaged or truncated: it declares shape {one_line(shape, 60)} "
                                    f"({nbytes:,} bytes) but holds {size:,} bytes")
            return
        total = 0
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                total += info.file_size
                if total > budget:
                    raise ReadError(f"{path.name} would inflate to over {total:,} bytes, more than a file "
                                    f"of {size:,} bytes can sensibly hold")
                if not info.filename.endswith(".npy"):
                    continue
                with archive.open(info) as member:
                    shape, dtype, nbytes = _npy_header(member)
                    if not dtype.hasobject and nbytes > info.file_size:
                        raise ReadError(f"{path.name} is damaged or truncated: {one_line(info.filename, 60)} declares "
                                        f"shape {one_line(shape, 60)} but holds {info.file_size:,} bytes")
    except ReadError:
        raise
    except Exception as err:  # noqa: BLE001 - numpy parses the header with ast: any error is damage
        raise ReadError(f"{path.name} has a damaged array header ({type(err).__name__}: {err})") from None


def _load_npz(path: Path) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    with np.load(path, allow_pickle=False) as archive:
        # members that are not .npy files (a note, a pickle) are not arrays: left out
        names = [name for name in archive.files if f"{name}.npy" in archive.zip.namelist()]
        if not names:
            raise ReadError(f"{path.name} holds no arrays")
        chosen = next((n for n in ("vectors", "embeddings") if n in names), names[0])
        array = archive[chosen]
        extra = {}
        if array.ndim == 2:
            for name in names:
                if name == chosen:
                    continue
                try:
                    other = archive[name]
                except ValueError:
                    continue  # an object array: never loaded
                if other.ndim == 1 and len(other) == len(array) and other.dtype.kind in "biufU":
                    extra[name] = other.astype(str) if other.dtype.kind == "U" else other
    return array, extra


def _check_matrix(array: np.ndarray, name: str) -> np.ndarray:
    if array.dtype.kind not in "biuf":
        raise ReadError(f"{name} holds {array.dtype} values, not numbers")
    if array.ndim != 2:
        what = "a single vector" if array.ndim == 1 else f"a {array.ndim}-D array"
        raise ReadError(
            f"{name} is {what} (shape {array.shape}); expected a 2-D matrix with one row per item"
        )
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise ReadError(f"{name} holds no vectors (shape {array.shape})")
    with np.errstate(over="ignore", invalid="ignore"):
        return np.asarray(array, dtype=np.float32)


# ------------------------------------------------------------------------------- projector tsv


def read_projector_tsv(
    vectors_tsv: str | os.PathLike[str], metadata_tsv: str | os.PathLike[str] | None = None
) -> VectorData:
    """The TensorFlow Embedding Projector's pair of files, read as the Projector reads them.

    vectors.tsv: one vector per line, tab-separated numbers, no header (blank lines ignored; a
    first field that is not a number is a label). metadata.tsv: one column without a header, or
    several columns with a header row (a first line with a tab in it); blank lines ignored.
    """
    return run_to_end(read_projector_tsv_job(vectors_tsv, metadata_tsv))


def read_projector_tsv_job(
    vectors_tsv: str | os.PathLike[str], metadata_tsv: str | os.PathLike[str] | None = None
) -> Job[VectorData]:
    path = Path(vectors_tsv)
    _, compressed = _text_file(path)
    report = ImportReport(unit="vector")
    lines = _Lines(path, compressed, "replace")
    rows: list[np.ndarray] = []
    labels: list[str | None] = []
    numbers: list[int] = []
    bad: dict[int, _Skip] = {}
    dim: int | None = None
    message = f"Reading {path.name}"
    try:
        for text in lines:
            if lines.number % _PROGRESS_EVERY == 0:
                yield Progress(lines.position, lines.size, message)
            fields = text.strip().split("\t")
            if fields == [""]:
                continue
            where = _where("line", lines.number)
            label = None
            if not _is_number(fields[0]) or (dim is not None and len(fields) == dim + 1):
                label, fields = fields[0], fields[1:]
            if dim is None:
                dim = len(fields)
                if dim == 0:
                    raise ReadError(f"{where} of {path.name} has no numbers")
            vector, problem = _parse_numbers(fields, dim)
            if lines.number in lines.bad:
                problem = _Skip(where, NOT_UTF8, lines.bad[lines.number])
            elif problem is not None:
                problem = _Skip(where, *problem)
            if problem is not None:
                bad[len(rows)] = problem
            rows.append(vector)
            labels.append(label)
            numbers.append(lines.number)
    finally:
        lines.close()
    if not rows:
        raise ReadError(f"{path.name} is empty")
    yield Progress(lines.position, lines.size, message)
    vectors = np.stack(rows)
    report.rows_read = len(vectors)
    metadata: dict[str, np.ndarray] = {}
    if any(label is not None for label in labels):
        metadata["label"] = _str_array(labels)
    if metadata_tsv is not None:
        metadata_path = Path(metadata_tsv)
        columns, count, hint = _read_projector_metadata(metadata_path, report)
        if count != len(vectors):
            raise ReadError(
                f"{path.name} has {len(vectors):,} vectors but {metadata_path.name} has "
                f"{count:,} metadata rows; they must match one to one{hint}"
            )
        metadata.update(columns)
    keys = _pick_keys(metadata, len(vectors))
    return _finish_vectors(vectors, keys, metadata, report, lambda i: f"line {numbers[i]}", bad)



def _parse_numbers(fields: list[str], dim: int) -> tuple[np.ndarray, tuple[str, str] | None]:
    if len(fields) != dim:
        return np.full(dim, np.nan, np.float32), (
            "wrong number of values",
            f"expected {dim}, found {len(fields)}",
        )
    try:
        return np.array(fields, dtype=np.float64).astype(np.float32), None
    except ValueError:
        token = next(f for f in fields if not _is_number(f))
        return np.full(dim, np.nan, np.float32), ("not a number", repr(token[:40]))


def _read_projector_metadata(
    path: Path, report: ImportReport
) -> tuple[dict[str, np.ndarray], int, str]:
    _, compressed = _text_file(path)
    lines = _Lines(path, compressed, "replace")
    names: list[str] | None = None
    cells: list[list[str]] = []
    first = ""
    try:
        for text in lines:
            line = text.rstrip("\r\n")
            if not line.strip():
                continue
            if names is None:
                first = line
                if "\t" in line:
                    names = _unique_names(line.split("\t"), report)
                    continue
                names = ["label"]
            values = line.split("\t")
            cells.append(values + [""] * (len(names) - len(values)))
    finally:
        lines.close()
    if lines.bad:
        report.note(
            f"{len(lines.bad):,} metadata {_plural('line', len(lines.bad))} had bytes that are not "
            "UTF-8; they were replaced by \N{REPLACEMENT CHARACTER}."
        )
    assert names is not None
    columns = {
        name: _typed_column([row[c] for row in cells]) for c, name in enumerate(names)
    }
    hint = ""
    if len(names) == 1:
        hint = (
            f" (a one-column metadata file has no header line in the Projector format; "
            f"is the first line {first[:40]!r} a header?)"
        )
    return columns, len(cells), hint


