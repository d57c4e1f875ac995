"""Images to embed: a folder (subfolders as labels) or a table of paths. Opening them safely and
making thumbnails is explorer.core.images (``load_image``, ``make_thumbnail``), re-exported here."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from explorer.core.images import (  # noqa: F401 - images are read in core; re-exported here
    DEFAULT_MAX_PIXELS,
    ImageSkipped,
    load_image,
    make_thumbnail,
)
from explorer.io import formats
from explorer.io.readers.common import (
    ImportReport,
    ReadError,
    _plural,
    _str_array,
)
from explorer.io.readers.tables import (
    _as_texts,
    _pick_column,
    read_table,
)

IMAGE_EXTENSIONS = formats.IMAGE_SUFFIXES


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
