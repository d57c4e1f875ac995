"""word2vec (text or binary), fastText .vec and GloVe text files, read as gensim reads them."""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

import numpy as np

from explorer.core.progress import Job, Progress, run_to_end
from explorer.io.readers.common import (
    _COMPRESSED,
    _DECOMPRESS_ERRORS,
    _PROGRESS_EVERY,
    _SNIFF_BYTES,
    NOT_UTF8,
    ImportReport,
    ReadError,
    _check_file,
    _check_text_head,
    _is_number,
    _open,
    _str_array,
    _where,
)
from explorer.io.readers.vectors import (
    VectorData,
    _finish_vectors,
)

# Vectors wider than this are refused before any row is allocated (a header promising 10^12).
MAX_DIMENSIONS = 1_000_000

# ---------------------------------------------------------------------------------------- word2vec


class _RowBuffer:
    """A float32 matrix filled row by row, growing by doubling; the expected size is a hint."""

    def __init__(self, dim: int, expected: int) -> None:
        self.data = np.empty((max(1, expected), dim), dtype=np.float32)
        self.count = 0

    def append(self, row: np.ndarray) -> None:
        if self.count == len(self.data):
            bigger = np.empty((2 * len(self.data), self.data.shape[1]), dtype=np.float32)
            bigger[: self.count] = self.data
            self.data = bigger
        self.data[self.count] = row
        self.count += 1

    def result(self) -> np.ndarray:
        return self.data if self.count == len(self.data) else self.data[: self.count].copy()


def read_word2vec(
    path: str | os.PathLike[str], binary: bool | None = None, limit: int | None = None
) -> VectorData:
    """word2vec text or binary, fastText .vec, or GloVe text (no header line) vectors.

    ``binary=None`` decides from the extension (.bin) or the content; ``limit`` reads the first N
    entries, as gensim's ``limit`` does. Gives the same words and float32 vectors as
    ``gensim.models.KeyedVectors.load_word2vec_format`` (with ``no_header=True`` for GloVe).
    """
    return run_to_end(read_word2vec_job(path, binary, limit))


def read_word2vec_job(
    path: str | os.PathLike[str], binary: bool | None = None, limit: int | None = None
) -> Job[VectorData]:
    path = Path(path)
    if limit is not None and limit < 1:
        raise ValueError("limit must be at least 1 word")
    _check_file(path)
    compressed = path.suffix.lower() in _COMPRESSED
    stem_suffix = Path(path.stem).suffix.lower() if compressed else path.suffix.lower()
    handle = _open(path, compressed)
    try:
        first = handle.readline()
        header = _word2vec_header(first)
        if binary is None:
            binary = stem_suffix == ".bin" or (header is not None and _looks_binary(handle, header[1]))
        if binary and header is None:
            raise ReadError(
                f"{path.name} does not start with a 'count dimensions' line, so it is not a "
                "binary word2vec file"
            )
        if not binary:
            _check_text_head(first + handle.read(_SNIFF_BYTES), path)
            handle.seek(len(first))
        report = ImportReport(unit="word")
        size = None if compressed else path.stat().st_size
        reader = _word2vec_binary if binary else _word2vec_text
        words, vectors = yield from reader(handle, path, first, header, limit, report, size)
    except _DECOMPRESS_ERRORS as err:
        raise ReadError(f"cannot read {path.name}: {err}") from err
    finally:
        handle.close()
    if not words:
        raise ReadError(f"{path.name} holds no word vectors. {report.summary()}")
    keys = _str_array(words)
    return _finish_vectors(vectors, keys, {}, report, lambda i: f"word {keys[i]!r}")


def _word2vec_header(line: bytes) -> tuple[int, int] | None:
    parts = line.split()
    if len(parts) == 2 and all(p.isdigit() and len(p) < 20 for p in parts):
        count, dim = int(parts[0]), int(parts[1])
        return count, dim
    return None


def _check_dimensions(dim: int, path: Path, size: int | None, bytes_per_value: int) -> None:
    """Refuse a dimension no row of this file could have, before a row is allocated."""
    if dim > MAX_DIMENSIONS or (size is not None and dim * bytes_per_value > size):
        raise ReadError(f"{path.name} says its vectors have {dim:,} dimensions, more than "
                        + (f"the file could hold ({size:,} bytes)" if size is not None and dim <= MAX_DIMENSIONS
                           else f"this app reads ({MAX_DIMENSIONS:,})"))


def _expected_rows(dim: int, *bounds: float) -> int:
    """A first size for a row buffer: the smallest bound, and never over 64 MiB (it grows)."""
    return int(max(1, min(*bounds, (64 << 20) // (4 * dim))))


def _looks_binary(handle: IO[bytes], dim: int) -> bool:
    """After a header line: is the next entry text ("word 0.1 0.2 ...") or raw float32 bytes?"""
    start = handle.tell()
    sample = handle.read(_SNIFF_BYTES)
    handle.seek(start)
    line = sample.split(b"\n", 1)[0].rstrip()
    if not line:
        return False
    try:
        parts = line.decode("utf-8").rsplit(" ", dim)
    except UnicodeDecodeError:
        return True
    return len(parts) != dim + 1 or not all(_is_number(p) for p in parts[1:])


def _word2vec_text(
    handle: IO[bytes],
    path: Path,
    first: bytes,
    header: tuple[int, int] | None,
    limit: int | None,
    report: ImportReport,
    size: int | None,
) -> Job[tuple[list[str], np.ndarray]]:
    """gensim's _word2vec_read_text: each line ``word v1 ... vD``; duplicates keep the first."""
    if header is not None:
        count, dim = header
        if dim < 1:
            raise ReadError(f"{path.name} says its vectors have {dim} dimensions")
        _check_dimensions(dim, path, size, 2)
        lines: Iterable[bytes] = handle
        number, position = 1, len(first)
    else:
        # GloVe: no header; the first line sets the dimension (gensim's no_header=True)
        count = None
        try:
            dim = len(first.rstrip().decode("utf-8").split(" ")) - 1
        except UnicodeDecodeError:
            dim = len(first.rstrip().split(b" ")) - 1
        if dim < 1:
            raise ReadError(f"{path.name} is not a word-vector file (line 1 holds no numbers)")
        lines = _chain_first(first, handle)
        number, position = 0, 0
    wanted = count if count is not None else math.inf
    if limit is not None:
        wanted = min(wanted, limit)
    bound = (size // (2 * dim)) + 1 if size else 1 << 16
    rows = _RowBuffer(dim, _expected_rows(dim, wanted, bound, 1 << 24))
    words: list[str] = []
    seen: dict[str, int] = {}
    entries = 0
    message = f"Reading {path.name}"
    for raw in lines:
        if entries >= wanted:
            break
        number += 1
        position += len(raw)
        if number % _PROGRESS_EVERY == 0:
            yield Progress(position, size, message)
        stripped = raw.rstrip()
        if not stripped:
            continue
        entries += 1
        report.rows_read += 1
        where = _where("line", number)
        try:
            text = stripped.decode("utf-8")
        except UnicodeDecodeError as err:
            report.skip(where, NOT_UTF8, f"byte 0x{stripped[err.start]:02x} at column {err.start + 1}")
            continue
        parts = text.rsplit(" ", dim)
        if len(parts) != dim + 1 or not parts[0]:
            found = len(text.split(" ")) - 1
            report.skip(where, "wrong number of values", f"expected {dim}, found {found}")
            continue
        word = parts[0]
        if word in seen:
            report.skip(where, "duplicate word", f"{word!r}, first on line {seen[word]}")
            continue
        try:
            vector = np.array(parts[1:], dtype=np.float64).astype(np.float32)
        except ValueError:
            token = next(p for p in parts[1:] if not _is_number(p))
            report.skip(where, "not a number", repr(token[:40]))
            continue
        seen[word] = number
        words.append(word)
        rows.append(vector)
    if count is not None and entries < wanted:
        report.note(f"The header says {count:,} words but the file holds {entries:,} (truncated?).")
    yield Progress(position, size, message)
    return words, rows.result()


def _chain_first(first: bytes, rest: Iterable[bytes]) -> Iterator[bytes]:
    yield first
    yield from rest


def _word2vec_binary(
    handle: IO[bytes],
    path: Path,
    first: bytes,
    header: tuple[int, int] | None,
    limit: int | None,
    report: ImportReport,
    size: int | None,
) -> Job[tuple[list[str], np.ndarray]]:
    """gensim's _word2vec_read_binary: ``word<space>`` then D native float32 values, an optional
    newline before the next word (left over by the C tool), which is stripped."""
    assert header is not None
    count, dim = header
    if dim < 1:
        raise ReadError(f"{path.name} says its vectors have {dim} dimensions")
    _check_dimensions(dim, path, size, 4)
    wanted = count if limit is None else min(count, limit)
    vector_bytes = dim * 4
    bound = (size // (vector_bytes + 2)) + 1 if size else 1 << 16
    rows = _RowBuffer(dim, _expected_rows(dim, wanted, bound))
    words: list[str] = []
    seen: dict[str, int] = {}
    chunk = b""
    start = 0
    position = len(first)
    entries = 0
    ended = False
    message = f"Reading {path.name}"
    while entries < wanted:
        space = chunk.find(b" ", start)
        if space == -1 or len(chunk) - (space + 1) < vector_bytes:
            if ended:
                break
            more = handle.read(1 << 20)
            ended = not more
            position += len(more)
            chunk = chunk[start:] + more
            start = 0
            yield Progress(position, size, message)
            continue
        raw_word = chunk[start:space]
        vector = np.frombuffer(chunk, dtype=np.float32, count=dim, offset=space + 1)
        start = space + 1 + vector_bytes
        entries += 1
        report.rows_read += 1
        where = f"word {entries}"
        try:
            word = raw_word.decode("utf-8").lstrip("\n")
        except UnicodeDecodeError as err:
            report.skip(where, NOT_UTF8, f"byte 0x{raw_word[err.start]:02x}")
            continue
        if not word:
            report.skip(where, "empty word")
            continue
        if word in seen:
            report.skip(where, "duplicate word", f"{word!r}, first at word {seen[word]}")
            continue
        seen[word] = entries
        words.append(word)
        rows.append(vector)
    if entries < wanted:
        report.note(f"The header says {count:,} words but the file holds {entries:,} (truncated?).")
    return words, rows.result()


