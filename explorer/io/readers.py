"""Readers for the data people bring: tables of texts, vectors they already have, image folders.

Everything here is pure (numpy, pyarrow, csv, json, Pillow; no Qt) and every reader tells what it
did in an ``ImportReport``: how many rows it read, kept and skipped, with up to five examples of
skipped rows ("line 7: empty text"), so the CLI and the import dialog can show one paragraph.

Decisions, in one place:

* **Encoding.** Text files are read as UTF-8 (a leading byte-order mark is dropped), one line at a
  time, so one bad line does not spoil the file. ``encoding_errors="report"`` (the default) skips
  a row holding bytes that are not UTF-8 and reports it with the offending byte; ``"replace"``
  keeps the row with U+FFFD in place of the bad bytes and says how many rows were touched;
  ``"strict"`` refuses the file at the first bad line. Skipping is the default because a
  half-decoded text would be embedded as if it were right. Files that need every row to line up
  with another file (Projector metadata, metadata beside a .npy) are read with "replace", since
  skipping a row there would shift every label after it. UTF-16 files and binary files are
  refused with a message saying so.
* **Rows that do not parse** (a CSV row with the wrong number of fields, a JSON line that is not
  a JSON object) are skipped and reported; blank lines in CSV/TSV/JSONL are ignored silently. In a
  .txt file every line is an item, blank ones included: ``prepare_texts`` then drops and reports
  them, so "line 7" in the report is line 7 in an editor.
* **Delimiters.** .csv is comma-separated (semicolon when the header has semicolons and no comma,
  as spreadsheets in many locales write), .tsv tab-separated; both use standard CSV quoting, which
  also reads what pandas writes. Compressed ``.gz`` / ``.bz2`` variants of the text formats work.
* **Numbers.** A CSV/TSV/JSONL column is numeric when all its non-empty values are numbers: int64
  when they are all integers and none is missing, float64 (NaN where empty) otherwise. A column of
  integers with leading zeros ("007", postcodes) or longer than 18 digits (ids) stays text.
  Parquet keeps its own types.
* **limit / sample_seed.** ``limit`` keeps the first N rows; with ``sample_seed`` it keeps a
  uniform random sample of N rows (reservoir sampling, so one pass and memory for N rows only), in
  file order. The whole file is still read, so ``total_rows`` is always the true count of rows that
  could be read (``preview_table`` stops early and leaves it ``None``).
* **Text columns** are numpy ``str`` arrays; only when a few very long texts would make a
  fixed-width array waste a lot of memory (over four times the text itself and over 64 MiB) does
  a column become an object array of Python strings (dtype kind "O").
* **Vectors** are float32. Rows with NaN or infinite values are dropped and reported; all-zero
  rows are kept (they are valid points) but reported, since they have no direction for cosine.
  ``.npy``/``.npz`` files are loaded with ``allow_pickle=False``, always.
* **word2vec / GloVe** files give exactly the words and vectors gensim's
  ``KeyedVectors.load_word2vec_format`` gives (same float32 values, first of duplicate words kept,
  ``limit`` counting entries as gensim does), without gensim. Where gensim would stop with an
  exception (a damaged line, a word that is not UTF-8) this reader skips the entry and reports it.
  (With duplicate words gensim also keeps an unused placeholder row at the end, ``None`` in its
  ``index_to_key``; this reader does not.)
* **Images** are checked against ``max_pixels`` from their declared size, before any pixel is
  decoded, so a decompression bomb costs nothing; missing, unreadable and corrupt images become a
  one-line skip reason (``ImageSkipped.reason``).

Long reads are generators in the project's way (``*_job`` functions yield ``Progress`` and return
the result); the plain functions drive them to the end.
"""

from __future__ import annotations

import bz2
import copy
import csv
import gzip
import json
import math
import os
import random
import re
import stat
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np

from explorer.core.errors import one_line
from explorer.core.images import (  # noqa: F401 - images are read in core; re-exported here
    DEFAULT_MAX_PIXELS,
    ImageSkipped,
    load_image,
    make_thumbnail,
)
from explorer.core.progress import Job, Progress, run_to_end

MAX_EXAMPLES = 5
TABLE_SUFFIXES = (".txt", ".csv", ".tsv", ".jsonl", ".ndjson", ".json", ".parquet")
IMAGE_EXTENSIONS = (".bmp", ".gif", ".jpeg", ".jpg", ".png", ".tif", ".tiff", ".webp")
ENCODING_ERRORS = ("report", "replace", "strict")
NOT_UTF8 = "not valid UTF-8"
_COMPRESSED = {".gz": gzip.open, ".bz2": bz2.open}
_PROGRESS_EVERY = 4096
_SNIFF_BYTES = 65536


class ReadError(Exception):
    """A file that cannot be read; the message is one line meant for the user (shortened and
    escaped by ``explorer.core.errors.one_line``, whatever the file holds)."""

    def __init__(self, message: object = "", *args: object) -> None:
        super().__init__(one_line(message), *args)


# What a damaged compressed file raises while it is read (a bad CRC, a cut stream, bad data).
_DECOMPRESS_ERRORS: tuple[type[BaseException], ...] = (OSError, EOFError, zlib.error)
# Vectors wider than this are refused before any row is allocated (a header promising 10^12).
MAX_DIMENSIONS = 1_000_000
# A .npy / .npz may not declare more bytes than this floor plus a multiple of the file's size
# (a compressed .npz of zeros could otherwise ask for terabytes).
NPY_MEMORY_FLOOR = 256 << 20
NPY_BYTES_PER_FILE_BYTE = 32


# ---------------------------------------------------------------------------------------- report


@dataclass
class ImportReport:
    """What a reader did: rows read, kept and skipped, with up to five examples of skipped rows.

    ``rows_read`` counts every row met in the file (good or not); ``rows_kept`` the rows handed on;
    ``reasons`` counts skipped rows per reason; ``notes`` holds sentences about things that were
    not skips (a limit applied, rows with replaced characters, all-zero vectors kept).
    """

    rows_read: int = 0
    rows_kept: int = 0
    rows_skipped: int = 0
    examples: list[str] = field(default_factory=list)
    reasons: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    unit: str = "row"

    def skip(self, where: str, reason: str, detail: str = "") -> None:
        self.rows_skipped += 1
        self.reasons[reason] = self.reasons.get(reason, 0) + 1
        if len(self.examples) < MAX_EXAMPLES:
            detail = one_line(detail, 120) if detail else ""  # quoted from the file: kept short
            self.examples.append(one_line(f"{where}: {reason}" + (f" ({detail})" if detail else ""), 200))

    def note(self, text: str) -> None:
        self.notes.append(text)

    def copy(self) -> ImportReport:
        return copy.deepcopy(self)

    def summary(self) -> str:
        """One paragraph for the CLI and the import dialog."""
        units = _plural(self.unit, self.rows_read)
        if self.rows_skipped:
            text = f"Skipped {self.rows_skipped:,} of {self.rows_read:,} {units}"
            if len(self.reasons) > 1:
                counts = sorted(self.reasons.items(), key=lambda item: -item[1])
                text += " (" + ", ".join(f"{n:,} {reason}" for reason, n in counts) + ")"
            text += ": " + "; ".join(self.examples)
            more = self.rows_skipped - len(self.examples)
            text += f"; and {more:,} more." if more > 0 else "."
            if any(NOT_UTF8 in reason for reason in self.reasons):
                text += " If the file is in another encoding, save it as UTF-8 and import it again."
        else:
            text = f"Read {self.rows_read:,} {units}; none skipped."
        return " ".join([text, *self.notes])


def _plural(unit: str, count: int) -> str:
    return unit if count == 1 else unit + "s"


def _where(unit: str, start: int, end: int | None = None) -> str:
    if end is not None and end > start:
        return f"{unit}s {start}-{end}"
    return f"{unit} {start}"


@dataclass(frozen=True)
class _Skip:
    where: str
    reason: str
    detail: str = ""


# ---------------------------------------------------------------------------------------- tables


@dataclass
class TableData:
    """Columns of a table file, aligned, plus where each row came from and what was skipped.

    ``total_rows`` is the number of good rows in the file before ``limit`` (None for a preview
    that stopped early); ``rows`` gives, per kept row, the line (text files) or row number
    (Parquet, JSON arrays), counting from 1, that ``row_unit`` names.
    """

    columns: dict[str, np.ndarray]
    total_rows: int | None
    report: ImportReport
    rows: np.ndarray
    row_unit: str = "line"
    path: Path | None = None

    @property
    def column_names(self) -> list[str]:
        return list(self.columns)

    def __len__(self) -> int:
        return len(self.rows)

    def where(self, index: int) -> str:
        return f"{self.row_unit} {int(self.rows[index])}"


def read_table(
    path: str | os.PathLike[str],
    limit: int | None = None,
    sample_seed: int | None = None,
    encoding_errors: str = "report",
) -> TableData:
    """Read a .txt (one item per line, column "text"), .csv, .tsv, .jsonl or .parquet file."""
    return run_to_end(read_table_job(path, limit, sample_seed, encoding_errors))


def preview_table(path: str | os.PathLike[str], rows: int = 20) -> TableData:
    """The first ``rows`` good rows only, cheaply, for an import dialog (``total_rows`` is None,
    except for Parquet, whose footer knows it)."""
    if rows < 1:
        raise ValueError("a preview needs at least one row")
    return run_to_end(_table_job(Path(path), None, None, "report", stop_after=rows))


def read_table_job(
    path: str | os.PathLike[str],
    limit: int | None = None,
    sample_seed: int | None = None,
    encoding_errors: str = "report",
) -> Job[TableData]:
    """``read_table`` as a job: yields Progress(bytes read, file size) and returns TableData."""
    if limit is not None and limit < 1:
        raise ValueError("limit must be at least 1 row")
    if encoding_errors not in ENCODING_ERRORS:
        raise ValueError(f"encoding_errors must be one of {ENCODING_ERRORS}, not {encoding_errors!r}")
    return _table_job(Path(path), limit, sample_seed, encoding_errors, stop_after=None)


def _table_job(
    path: Path, limit: int | None, seed: int | None, errors: str, stop_after: int | None
) -> Job[TableData]:
    kind, compressed = _table_kind(path)
    _check_file(path)
    if kind == ".parquet":
        return (yield from _read_parquet(path, limit, seed, stop_after))
    head = _head(path, compressed)
    _check_text_head(head, path)
    report = ImportReport()
    if kind == ".txt":
        source: _Source = _TxtSource(path, compressed, errors, report)
    elif kind in (".csv", ".tsv"):
        delimiter = "\t" if kind == ".tsv" else _csv_delimiter(head)
        source = _CsvSource(path, compressed, errors, report, delimiter)
    elif kind == ".json" and head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"["):
        source = _JsonArraySource(path, compressed)
    else:
        source = _JsonLinesSource(path, compressed, errors, report)
    with source:
        return (yield from _collect(source, path, limit, seed, stop_after, report))


def _table_kind(path: Path) -> tuple[str, bool]:
    suffixes = [s.lower() for s in path.suffixes]
    compressed = bool(suffixes) and suffixes[-1] in _COMPRESSED
    kind = suffixes[-2] if compressed and len(suffixes) > 1 else (suffixes[-1] if suffixes else "")
    if kind not in TABLE_SUFFIXES or (compressed and kind == ".parquet"):
        raise ReadError(
            f"cannot read {path.name}: use one of {', '.join(TABLE_SUFFIXES)} "
            "(the text formats may also be .gz or .bz2)"
        )
    return kind, compressed


def _check_file(path: Path) -> None:
    """A regular file with something in it; a folder, a pipe, a device, a loop of links or a name
    too long is one ReadError line (a pipe would otherwise block the reader for ever)."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise ReadError(f"{path} does not exist") from None
    except (OSError, ValueError) as err:
        raise ReadError(f"cannot read {path}: {err.strerror if isinstance(err, OSError) else err}") from None
    if stat.S_ISDIR(info.st_mode):
        raise ReadError(f"{path} is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise ReadError(f"{path.name} is not a regular file (a pipe or a device)")
    if info.st_size == 0:
        raise ReadError(f"{path.name} is empty")


def _open(path: Path, compressed: bool) -> IO[bytes]:
    try:
        if compressed:
            return _COMPRESSED[path.suffix.lower()](path, "rb")
        return open(path, "rb")  # noqa: SIM115 - handed back to the caller
    except OSError as err:
        raise ReadError(f"cannot read {path}: {err.strerror or err}") from err


def _head(path: Path, compressed: bool) -> bytes:
    try:
        with _open(path, compressed) as handle:
            return handle.read(_SNIFF_BYTES)
    except _DECOMPRESS_ERRORS as err:
        raise ReadError(f"cannot read {path.name}: {err}") from err


def _check_text_head(head: bytes, path: Path) -> None:
    if not head.strip() and len(head) < _SNIFF_BYTES:
        raise ReadError(f"{path.name} is empty")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ReadError(f"{path.name} is UTF-16 text; save it as UTF-8 and import it again")
    if head.startswith(b"PK\x03\x04"):
        raise ReadError(f"{path.name} is a zip archive or a spreadsheet, not text; export it as CSV")
    if b"\x00" in head:
        raise ReadError(f"{path.name} looks like a binary file, not text")


def _csv_delimiter(head: bytes) -> str:
    first = head.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0]
    return ";" if b"," not in first and b";" in first else ","


class _Lines:
    """The decoded lines of a text file (endings kept) with their numbers; lines that are not
    UTF-8 are decoded with U+FFFD and remembered in ``bad`` (line number -> detail)."""

    def __init__(self, path: Path, compressed: bool, errors: str) -> None:
        self.path = path
        self.errors = errors
        self.handle = _open(path, compressed)
        self.size = None if compressed else path.stat().st_size
        self.position = 0
        self.number = 0
        self.bad: dict[int, str] = {}

    def _raw_lines(self) -> Iterator[bytes]:
        try:
            yield from self.handle
        except _DECOMPRESS_ERRORS as err:  # a damaged .gz / .bz2 part-way through
            raise ReadError(f"cannot read {self.path.name} past line {self.number:,}: {err}") from None

    def __iter__(self) -> Iterator[str]:
        for raw in self._raw_lines():
            self.number += 1
            self.position += len(raw)
            if self.number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as err:
                detail = f"byte 0x{raw[err.start]:02x} at column {err.start + 1}"
                if self.errors == "strict":
                    raise ReadError(
                        f"line {self.number} of {self.path.name} is {NOT_UTF8} ({detail})"
                    ) from None
                self.bad[self.number] = detail
                yield raw.decode("utf-8", "replace")

    def bad_between(self, start: int, end: int) -> str | None:
        if not self.bad:
            return None
        for number in range(start, end + 1):
            if number in self.bad:
                return self.bad[number]
        return None

    def close(self) -> None:
        self.handle.close()


class _Source:
    """A text table format: ``names`` (may grow while reading, for JSON), an iterator of
    (row number, cells) pairs and _Skip items, and how far into the file it is."""

    unit = "line"
    has_header = False

    def __init__(self) -> None:
        self.names: list[str] = []
        self.lines: _Lines | None = None
        self.replaced = 0

    def __enter__(self) -> _Source:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.lines is not None:
            self.lines.close()

    @property
    def position(self) -> int:
        return self.lines.position if self.lines else 0

    @property
    def size(self) -> int | None:
        return self.lines.size if self.lines else None

    def __iter__(self) -> Iterator[tuple[int, list[str | None]] | _Skip]:
        raise NotImplementedError

    def _utf8_problem(self, start: int, end: int) -> str | None:
        """Detail of the first undecodable line in start..end when the row must be skipped."""
        assert self.lines is not None
        detail = self.lines.bad_between(start, end)
        if detail is not None and self.lines.errors == "replace":
            self.replaced += 1
            return None
        return detail


class _TxtSource(_Source):
    def __init__(self, path: Path, compressed: bool, errors: str, report: ImportReport) -> None:
        super().__init__()
        self.names = ["text"]
        self.lines = _Lines(path, compressed, errors)

    def __iter__(self) -> Iterator[tuple[int, list[str | None]] | _Skip]:
        assert self.lines is not None
        for text in self.lines:
            number = self.lines.number
            problem = self._utf8_problem(number, number)
            if problem is not None:
                yield _Skip(_where("line", number), NOT_UTF8, problem)
                continue
            yield number, [text.rstrip("\r\n")]


class _CsvSource(_Source):
    has_header = True

    def __init__(
        self, path: Path, compressed: bool, errors: str, report: ImportReport, delimiter: str
    ) -> None:
        super().__init__()
        self.report = report
        self.delimiter = delimiter
        self.lines = _Lines(path, compressed, errors)
        csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))

    def __iter__(self) -> Iterator[tuple[int, list[str | None]] | _Skip]:
        assert self.lines is not None
        reader = csv.reader(self.lines, delimiter=self.delimiter)
        previous_end = 0
        header: list[str] | None = None
        while True:
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as err:
                start, previous_end = previous_end + 1, reader.line_num
                yield _Skip(_where("line", start, previous_end), "unreadable CSV", str(err))
                continue
            start, end = previous_end + 1, reader.line_num
            previous_end = end
            if not record or (len(record) == 1 and not record[0].strip() and len(self.names) != 1):
                continue  # a blank line
            if header is None:
                header = record
                if self.lines.bad_between(start, end):
                    self.report.note("The header line has bytes that are not UTF-8; they were replaced.")
                self.names = _unique_names(record, self.report)
                continue
            problem = self._utf8_problem(start, end)
            where = _where("line", start, end)
            if problem is not None:
                yield _Skip(where, NOT_UTF8, problem)
            elif len(record) != len(self.names):
                detail = f"expected {len(self.names)}, found {len(record)}"
                if end > start:
                    detail += "; a quote left open?"
                yield _Skip(where, "wrong number of fields", detail)
            else:
                yield start, list(record)


class _JsonLinesSource(_Source):
    def __init__(self, path: Path, compressed: bool, errors: str, report: ImportReport) -> None:
        super().__init__()
        self.lines = _Lines(path, compressed, errors)
        self.index: dict[str, int] = {}

    def __iter__(self) -> Iterator[tuple[int, list[str | None]] | _Skip]:
        assert self.lines is not None
        for text in self.lines:
            number = self.lines.number
            if not text.strip():
                continue
            problem = self._utf8_problem(number, number)
            if problem is not None:
                yield _Skip(_where("line", number), NOT_UTF8, problem)
                continue
            try:
                item = json.loads(text)
            except json.JSONDecodeError as err:
                yield _Skip(_where("line", number), "not valid JSON", f"{err.msg} at column {err.colno}")
                continue
            except (RecursionError, ValueError) as err:  # nested thousands deep, a 5,000-digit number
                yield _Skip(_where("line", number), "not valid JSON", type(err).__name__)
                continue
            if not isinstance(item, dict):
                yield _Skip(_where("line", number), "not a JSON object", _json_kind(item))
                continue
            yield number, self.cells(item)

    def cells(self, item: dict[str, Any]) -> list[str | None]:
        row: list[str | None] = [None] * len(self.names)
        for key, value in item.items():
            key = str(key)
            column = self.index.get(key)
            if column is None:
                column = self.index[key] = len(self.names)
                self.names.append(key)
                row.append(None)
            row[column] = _json_cell(value)
        return row


class _JsonArraySource(_JsonLinesSource):
    """A .json file holding one array of objects (what ``pandas.to_json(orient="records")`` writes)."""

    unit = "item"

    def __init__(self, path: Path, compressed: bool) -> None:
        _Source.__init__(self)
        self.index = {}
        self.path = path
        self.compressed = compressed
        self._position = 0
        self._size = None if compressed else path.stat().st_size

    @property
    def position(self) -> int:
        return self._position

    @property
    def size(self) -> int | None:
        return self._size

    def __iter__(self) -> Iterator[tuple[int, list[str | None]] | _Skip]:
        try:
            with _open(self.path, self.compressed) as handle:
                raw = handle.read()
        except _DECOMPRESS_ERRORS as err:
            raise ReadError(f"cannot read {self.path.name}: {err}") from None
        self._position = len(raw)
        try:
            items = json.loads(raw.decode("utf-8-sig"))
        except UnicodeDecodeError as err:
            line = raw[: err.start].count(b"\n") + 1
            raise ReadError(f"{self.path.name} is {NOT_UTF8} (line {line})") from None
        except json.JSONDecodeError as err:
            raise ReadError(
                f"{self.path.name} is not valid JSON ({err.msg} at line {err.lineno}, column {err.colno})"
            ) from None
        except (RecursionError, ValueError) as err:
            raise ReadError(f"{self.path.name} is not JSON this app can read ({type(err).__name__})") from None
        if not isinstance(items, list):
            raise ReadError(f"{self.path.name} must hold a JSON array of objects, or one object per line")
        for number, item in enumerate(items, start=1):
            if isinstance(item, dict):
                yield number, self.cells(item)
            else:
                yield _Skip(_where("item", number), "not a JSON object", _json_kind(item))


def _json_kind(value: Any) -> str:
    kinds = {list: "an array", str: "a string", bool: "true/false", type(None): "null"}
    return "found " + kinds.get(type(value), "a number")


def _json_cell(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _unique_names(raw: Iterable[str], report: ImportReport) -> list[str]:
    names: list[str] = []
    changed = []
    for i, original in enumerate(raw):
        base = original.strip() or f"column_{i + 1}"
        name, k = base, 2
        while name in names:
            name, k = f"{base}_{k}", k + 1
        if name != original.strip():
            changed.append(f"{original.strip() or '(empty)'} -> {name}")
        names.append(name)
    if changed:
        report.note("Renamed empty or repeated column names: " + ", ".join(changed) + ".")
    return names


def _collect(
    source: _Source,
    path: Path,
    limit: int | None,
    seed: int | None,
    stop_after: int | None,
    report: ImportReport,
) -> Job[TableData]:
    """Read a source to the end, keeping all rows, the first ``limit``, or a seeded sample."""
    kept_rows: list[list[str | None]] = []
    kept_where: list[int] = []
    rng = random.Random(seed) if limit is not None and seed is not None else None
    good = 0
    steps = 0
    message = f"Reading {path.name}"
    yield Progress(0, source.size, message)
    for item in source:
        steps += 1
        if steps % _PROGRESS_EVERY == 0:
            yield Progress(source.position, source.size, message)
        report.rows_read += 1
        if isinstance(item, _Skip):
            report.skip(item.where, item.reason, item.detail)
            continue
        number, cells = item
        if limit is None or good < limit:
            kept_rows.append(cells)
            kept_where.append(number)
        elif rng is not None:
            slot = rng.randrange(good + 1)
            if slot < limit:
                kept_rows[slot] = cells
                kept_where[slot] = number
        good += 1
        if stop_after is not None and good >= stop_after:
            break
    else:
        stop_after = None  # read to the end: the total is known
    yield Progress(source.position, source.size, message)
    report.unit = "row" if source.unit == "line" else source.unit
    if good == 0:
        if report.rows_read == 0:
            only = " (only a header line)" if source.has_header and source.names else ""
            raise ReadError(f"{path.name} has no rows{only}")
        raise ReadError(f"no rows could be read from {path.name}. {report.summary()}")
    if rng is not None:
        order = np.argsort(np.asarray(kept_where), kind="stable")
        kept_rows = [kept_rows[i] for i in order]
        kept_where = [kept_where[i] for i in order]
    if source.replaced:
        report.note(
            f"{source.replaced:,} {_plural('row', source.replaced)} had bytes that are not UTF-8; "
            "they were replaced by \N{REPLACEMENT CHARACTER}."
        )
    if limit is not None and good > limit:
        how = f"a random sample (seed {seed}) of" if rng is not None else "the first"
        report.note(f"Kept {how} {limit:,} of {good:,} rows (limit).")
    numeric = not isinstance(source, _TxtSource)
    columns = {}
    width = max(len(row) for row in kept_rows)
    for c, name in enumerate(source.names[:width]):
        cells = [row[c] if c < len(row) else None for row in kept_rows]
        columns[name] = _typed_column(cells) if numeric else _str_array(cells)
    report.rows_kept = len(kept_rows)
    return TableData(
        columns=columns,
        total_rows=None if stop_after is not None else good,
        report=report,
        rows=np.asarray(kept_where, dtype=np.int64),
        row_unit=source.unit,
        path=path,
    )


_INT = re.compile(r"[+-]?\d+")
_FLOAT = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_SPECIAL = {"nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"}


def _typed_column(cells: list[str | None]) -> np.ndarray:
    """int64 / float64 when every non-empty cell is a number, else str (see the module notes)."""
    stripped = [c.strip() if c is not None else "" for c in cells]
    all_int = True
    any_number = False
    any_empty = False
    for value in stripped:
        if not value:
            any_empty = True
        elif _INT.fullmatch(value):
            digits = value.lstrip("+-")
            if len(digits) > 18 or (len(digits) > 1 and digits[0] == "0"):
                return _str_array(cells)
            any_number = True
        elif _FLOAT.fullmatch(value):
            all_int, any_number = False, True
        elif value.lower() in _SPECIAL:
            all_int = False
        else:
            return _str_array(cells)
    if not any_number:
        return _str_array(cells)
    if all_int and not any_empty:
        return np.array([int(v) for v in stripped], dtype=np.int64)
    return np.array([float(v) if v else math.nan for v in stripped], dtype=np.float64)


def _str_array(values: Iterable[str | None]) -> np.ndarray:
    texts = ["" if v is None else str(v) for v in values]
    if not texts:
        return np.array([], dtype=str)
    longest = max(map(len, texts))
    if longest * len(texts) <= max(4 * sum(map(len, texts)), 1 << 24):
        return np.array(texts, dtype=str)
    array = np.empty(len(texts), dtype=object)
    array[:] = texts
    return array


# ---------------------------------------------------------------------------------------- parquet


def _read_parquet(
    path: Path, limit: int | None, seed: int | None, stop_after: int | None
) -> Job[TableData]:
    import pyarrow as pa  # noqa: PLC0415 - pyarrow is heavy; only Parquet needs it
    import pyarrow.parquet as pq  # noqa: PLC0415

    message = f"Reading {path.name}"
    yield Progress(0, None, message)
    try:
        parquet = pq.ParquetFile(path)
        total = parquet.metadata.num_rows
        if total == 0:
            raise ReadError(f"{path.name} has no rows")
        want = min(x for x in (limit, stop_after, total) if x is not None)
        report = ImportReport(rows_read=total if stop_after is None else want)
        if limit is not None and seed is not None and limit < total:
            picked = sorted(random.Random(seed).sample(range(total), limit))
            table = parquet.read().take(pa.array(picked, type=pa.int64()))
            numbers = np.asarray(picked, dtype=np.int64) + 1
        elif want < total:
            batches, count = [], 0
            for batch in parquet.iter_batches(batch_size=min(want, 65536)):
                batches.append(batch)
                count += batch.num_rows
                yield Progress(count, want, message)
                if count >= want:
                    break
            table = pa.Table.from_batches(batches).slice(0, want)
            numbers = np.arange(1, want + 1, dtype=np.int64)
        else:
            table = parquet.read()
            numbers = np.arange(1, total + 1, dtype=np.int64)
    except ReadError:
        raise
    except (pa.ArrowException, OSError, ValueError) as err:
        raise ReadError(f"{path.name} is not a readable Parquet file ({err})") from err
    columns = {}
    for name, column in zip(table.column_names, table.columns):
        if re.fullmatch(r"__index_level_\d+__", name):
            continue  # pandas' stored index
        columns[str(name)] = _arrow_column(column)
    if limit is not None and limit < total:
        how = f"a random sample (seed {seed}) of" if seed is not None else "the first"
        report.note(f"Kept {how} {limit:,} of {total:,} rows (limit).")
    report.rows_kept = len(numbers)
    yield Progress(1, 1, message)
    return TableData(columns, total, report, numbers, "row", path)


def _arrow_column(column: Any) -> np.ndarray:
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.compute as pc  # noqa: PLC0415

    kind = column.type
    if pa.types.is_dictionary(kind):
        column = column.cast(kind.value_type)
        kind = column.type
    if pa.types.is_integer(kind) and column.null_count == 0:
        values = column.to_numpy()
        if values.dtype == np.uint64 and len(values) and values.max() > np.iinfo(np.int64).max:
            return values.astype(np.float64)
        return values.astype(np.int64)
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        return np.asarray(pc.cast(column, pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)
    if pa.types.is_boolean(kind):
        return _str_array(None if v is None else ("true" if v else "false") for v in column.to_pylist())
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return _str_array(column.to_pylist())
    return _str_array(None if v is None else str(v) for v in column.to_pylist())


# ---------------------------------------------------------------------------------------- texts


@dataclass
class TextData:
    """Texts ready to embed, with the other columns aligned and the line each came from."""

    texts: np.ndarray
    metadata: dict[str, np.ndarray]
    rows: np.ndarray
    report: ImportReport

    def __len__(self) -> int:
        return len(self.texts)


def prepare_texts(table: TableData, text_column: str | None, dedupe: bool = False) -> TextData:
    """Pick the text column, drop empty / whitespace-only texts and, with ``dedupe``, texts seen
    before (exact match; the first is kept). Every dropped row is reported.

    ``text_column=None`` picks "text" when there is one, else the only text column.
    """
    name = _pick_column(table, text_column, "text")
    texts = _as_texts(table.columns[name])
    report = table.report.copy()
    keep: list[int] = []
    first_seen: dict[str, str] = {}
    for i, text in enumerate(texts):
        if not text.strip():
            report.skip(table.where(i), "empty text")
            continue
        if dedupe:
            first = first_seen.get(text)
            if first is not None:
                report.skip(table.where(i), "duplicate text", f"same as {first}")
                continue
            first_seen[text] = table.where(i)
        keep.append(i)
    if not keep:
        raise ReadError(f"no texts left in column {name!r} of {_name(table.path)}. {report.summary()}")
    index = np.asarray(keep, dtype=np.intp)
    report.rows_kept = len(index)
    return TextData(
        texts=_str_array(texts[i] for i in keep),
        metadata={k: v[index] for k, v in table.columns.items() if k != name},
        rows=table.rows[index],
        report=report,
    )


def _name(path: Path | None) -> str:
    return path.name if path is not None else "the table"


def _pick_column(table: TableData, wanted: str | None, usual: str) -> str:
    available = ", ".join(table.column_names) or "(none)"
    if wanted is not None:
        if wanted not in table.columns:
            raise ReadError(f"no column {wanted!r} in {_name(table.path)}; its columns are: {available}")
        return wanted
    if usual in table.columns:
        return usual
    texts = [k for k, v in table.columns.items() if v.dtype.kind in "UO"]
    if len(texts) == 1:
        return texts[0]
    raise ReadError(f"say which column of {_name(table.path)} holds the {usual}s; its columns are: {available}")


def _as_texts(column: np.ndarray) -> list[str]:
    if column.dtype.kind == "f":
        return ["" if math.isnan(v) else (str(int(v)) if v.is_integer() else repr(v)) for v in column.tolist()]
    return [str(v) for v in column.tolist()]


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
    by_lower = {name.lower(): name for name in metadata}
    for candidate in _KEY_COLUMNS:
        if candidate in by_lower:
            return _str_array(_as_texts(metadata[by_lower[candidate]]))
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
                    raise ReadError(f"{path.name} declares shape {one_line(shape, 60)} ({nbytes:,} bytes) but "
                                    f"holds {size:,} bytes: truncated or damaged")
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
                        raise ReadError(f"{info.filename} in {path.name} declares shape {one_line(shape, 60)} "
                                        f"but holds {info.file_size:,} bytes: truncated or damaged")
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


def _text_file(path: Path) -> tuple[str, bool]:
    _check_file(path)
    compressed = path.suffix.lower() in _COMPRESSED
    _check_text_head(_head(path, compressed), path)
    return path.suffix.lower(), compressed


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


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


# ---------------------------------------------------------------------------------------- images


@dataclass
class ImageTable:
    """Images to embed: ``paths`` relative to ``root`` (POSIX separators; absolute where a table
    gave absolute paths), metadata columns aligned (``label`` for a folder of subfolders)."""

    root: Path
    paths: np.ndarray
    metadata: dict[str, np.ndarray]
    report: ImportReport

    def __len__(self) -> int:
        return len(self.paths)

    def full_path(self, index: int) -> Path:
        return self.root / str(self.paths[index])


def list_image_folder(folder: str | os.PathLike[str]) -> ImageTable:
    """Every image under ``folder`` (recursive, sorted, hidden files and folders left out); the
    first-level subfolder an image is in becomes its ``label`` ("" for images in ``folder`` itself)."""
    root = Path(folder)
    if not root.exists():
        raise ReadError(f"{root} does not exist")
    if not root.is_dir():
        raise ReadError(f"{root} is not a folder")
    found: list[str] = []
    others = 0
    special: list[str] = []
    for current, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        relative = Path(current).relative_to(root)
        for name in files:
            if name.startswith("."):
                continue
            if os.path.splitext(name)[1].lower() in IMAGE_EXTENSIONS:
                if not _is_regular_file(Path(current, name)):  # a pipe named x.png would hang a reader
                    special.append((relative / name).as_posix())
                    continue
                # a name that is not UTF-8 is kept as Python gives it (surrogateescape): the file
                # is found again by it, and the project stores it losslessly
                found.append((relative / name).as_posix())
            else:
                others += 1
    if not found:
        raise ReadError(f"no images ({', '.join(IMAGE_EXTENSIONS)}) in {root}")
    found.sort()
    labels = [display_text(p.split("/", 1)[0]) if "/" in p else "" for p in found]
    report = ImportReport(rows_read=len(found) + len(special), rows_kept=len(found), unit="image")
    for name in special:
        report.skip(display_text(name), "not a regular file")
    if others:
        report.note(f"Left out {others:,} {_plural('file', others)} that are not images.")
    return ImageTable(root, _str_array(found), {"label": _str_array(labels)}, report)


def display_text(name: str) -> str:
    """A file name as text to show or export: bytes that were not UTF-8 (lone surrogates from
    ``surrogateescape``) become U+FFFD. The path itself is kept as it was, to find the file."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace") \
        if any("\udc80" <= c <= "\udcff" for c in name) else name.encode("utf-8", "replace").decode("utf-8")


def _is_regular_file(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def read_image_table(
    table_path: str | os.PathLike[str],
    path_column: str,
    *,
    limit: int | None = None,
    sample_seed: int | None = None,
) -> ImageTable:
    """A table (any ``read_table`` format) with a column of image paths; relative paths are
    resolved against the table's folder. Rows whose image does not exist are skipped and reported."""
    table_path = Path(table_path)
    table = read_table(table_path, limit=limit, sample_seed=sample_seed)
    name = _pick_column(table, path_column, "path")
    root = table_path.parent
    report = table.report.copy()
    report.unit = "image"
    keep: list[int] = []
    paths: list[str] = []
    for i, raw in enumerate(_as_texts(table.columns[name])):
        text = raw.strip()
        if not text:
            report.skip(table.where(i), "no image path")
            continue
        candidate = Path(text)
        try:
            if not (root / candidate).exists() and os.sep == "/" and "\\" in text:
                candidate = Path(text.replace("\\", "/"))  # a table written on Windows
            full = root / candidate
            exists, regular = full.exists(), _is_regular_file(full)
        except (OSError, ValueError) as err:  # a name too long, a NUL byte
            report.skip(table.where(i), "unusable path", err.strerror if isinstance(err, OSError) else str(err))
            continue
        if not exists:
            report.skip(table.where(i), "image not found", text)
            continue
        if not regular:
            report.skip(table.where(i), "not a file", text)
            continue
        keep.append(i)
        paths.append(candidate.as_posix())
    if not keep:
        raise ReadError(f"none of the images in {table_path.name} could be found. {report.summary()}")
    index = np.asarray(keep, dtype=np.intp)
    report.rows_kept = len(keep)
    metadata = {k: v[index] for k, v in table.columns.items() if k != name}
    return ImageTable(root, _str_array(paths), metadata, report)
