"""What every reader shares: the errors, the import report, opening (compressed) text files
line by line, and typing columns of cells."""

from __future__ import annotations

import copy
import lzma
import math
import os
import re
import stat
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import numpy as np

from explorer.core.embedding_set import text_array
from explorer.core.errors import one_line
from explorer.io import formats

MAX_EXAMPLES = 5
TABLE_SUFFIXES = formats.TABLE_SUFFIXES
ENCODING_ERRORS = ("report", "replace", "strict")
NOT_UTF8 = "not valid UTF-8"
_COMPRESSED = formats.COMPRESSED
_PROGRESS_EVERY = 4096
_SNIFF_BYTES = 65536


class ReadError(Exception):
    """A file that cannot be read; the message is one line meant for the user (shortened and
    escaped by ``explorer.core.errors.one_line``, whatever the file holds)."""

    def __init__(self, message: object = "", *args: object) -> None:
        super().__init__(one_line(message), *args)


# What a damaged compressed file raises while it is read (a bad CRC, a cut stream, bad data).
_DECOMPRESS_ERRORS: tuple[type[BaseException], ...] = (OSError, EOFError, zlib.error, lzma.LZMAError)


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
    """Texts as an object array of Python strings (never fixed-width; see the module notes)."""
    return text_array(list(values))



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


