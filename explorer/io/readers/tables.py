"""Tables of items: .txt (a line each), .csv / .tsv, JSON lines or arrays, Parquet, Arrow / Feather
and save_to_disk folders (through explorer.io.readers.arrow); the texts to embed from them."""

from __future__ import annotations

import csv
import json
import math
import os
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from explorer.core.progress import Job, Progress, run_to_end
from explorer.io.readers import arrow as arrow_tables
from explorer.io.readers.common import (
    _COMPRESSED,
    _DECOMPRESS_ERRORS,
    _PROGRESS_EVERY,
    ENCODING_ERRORS,
    NOT_UTF8,
    TABLE_SUFFIXES,
    ImportReport,
    ReadError,
    _check_file,
    _check_text_head,
    _csv_delimiter,
    _head,
    _Lines,
    _open,
    _plural,
    _Skip,
    _str_array,
    _typed_column,
    _unique_names,
    _where,
)

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
    if arrow_tables.is_hf_folder(path):
        return (yield from _read_arrow(path, limit, seed, stop_after))
    kind, compressed = _table_kind(path)
    _check_file(path)
    if kind == ".parquet":
        return (yield from _read_parquet(path, limit, seed, stop_after))
    if kind in arrow_tables.ARROW_SUFFIXES:
        return (yield from _read_arrow(path, limit, seed, stop_after))
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
    if kind not in TABLE_SUFFIXES or (compressed and kind in (".parquet", *arrow_tables.ARROW_SUFFIXES)):
        raise ReadError(
            f"cannot read {path.name}: use one of {', '.join(TABLE_SUFFIXES)} "
            "(the text formats may also be .gz, .bz2 or .xz)"
        )
    return kind, compressed



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
        want, report, picked = _rows_to_read(path, total, limit, stop_after, seed)
        if picked is not None:
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
    return (yield from _arrow_table_data(path, table, total, numbers, limit, seed, report))


def _read_arrow(
    path: Path, limit: int | None, seed: int | None, stop_after: int | None
) -> Job[TableData]:
    """An Arrow IPC / Feather file or a save_to_disk folder, as a table (explorer.io.readers.arrow)."""
    import pyarrow as pa  # noqa: PLC0415

    yield Progress(0, None, f"Reading {path.name}")
    try:
        table = arrow_tables.read_arrow_table(path)
    except arrow_tables.ArrowReadError as err:
        raise ReadError(str(err)) from None
    total = table.num_rows
    want, report, picked = _rows_to_read(path, total, limit, stop_after, seed)
    if picked is not None:
        table = table.take(pa.array(picked, type=pa.int64()))
        numbers = np.asarray(picked, dtype=np.int64) + 1
    else:
        table = table.slice(0, want)
        numbers = np.arange(1, want + 1, dtype=np.int64)
    return (yield from _arrow_table_data(path, table, total, numbers, limit, seed, report))


def _rows_to_read(path: Path, total: int, limit: int | None, stop_after: int | None,
                  seed: int | None) -> tuple[int, ImportReport, list[int] | None]:
    """For an Arrow or Parquet table of ``total`` rows: how many to read, the report that counts
    them, and with a seeded limit the rows of the random sample (0-based, sorted)."""
    if total == 0:
        raise ReadError(f"{path.name} has no rows")
    want = min(x for x in (limit, stop_after, total) if x is not None)
    report = ImportReport(rows_read=total if stop_after is None else want)
    sampled = limit is not None and seed is not None and limit < total
    return want, report, sorted(random.Random(seed).sample(range(total), limit)) if sampled else None


def _arrow_table_data(path: Path, table: Any, total: int, numbers: np.ndarray, limit: int | None,
                      seed: int | None, report: ImportReport) -> Job[TableData]:
    columns = {}
    for name, column in zip(table.column_names, table.columns):
        if re.fullmatch(r"__index_level_\d+__", name):
            continue  # pandas' stored index
        columns[str(name)] = _arrow_column(column)
    if limit is not None and limit < total:
        how = f"a random sample (seed {seed}) of" if seed is not None else "the first"
        report.note(f"Kept {how} {limit:,} of {total:,} rows (limit).")
    report.rows_kept = len(numbers)
    yield Progress(1, 1, f"Reading {path.name}")
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


