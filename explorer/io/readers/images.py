"""Images to embed: a folder (subfolders as labels) or a table of paths; opening them safely and
making thumbnails."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from explorer.io import formats
from explorer.io.readers.common import (
    ImageSkipped,
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
DEFAULT_MAX_PIXELS = 89_478_485  # Pillow's own default for Image.MAX_IMAGE_PIXELS


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
    for current, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        relative = Path(current).relative_to(root)
        for name in files:
            if name.startswith("."):
                continue
            if os.path.splitext(name)[1].lower() in IMAGE_EXTENSIONS:
                found.append((relative / name).as_posix())
            else:
                others += 1
    if not found:
        raise ReadError(f"no images ({', '.join(IMAGE_EXTENSIONS)}) in {root}")
    found.sort()
    labels = [p.split("/", 1)[0] if "/" in p else "" for p in found]
    report = ImportReport(rows_read=len(found), rows_kept=len(found), unit="image")
    if others:
        report.note(f"Left out {others:,} {_plural('file', others)} that are not images.")
    return ImageTable(root, _str_array(found), {"label": _str_array(labels)}, report)


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
        if not (root / candidate).exists() and os.sep == "/" and "\\" in text:
            candidate = Path(text.replace("\\", "/"))  # a table written on Windows
        full = root / candidate
        if not full.exists():
            report.skip(table.where(i), "image not found", text)
            continue
        if not full.is_file():
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


def load_image(
    path: str | os.PathLike[str], max_pixels: int = DEFAULT_MAX_PIXELS, max_side: int | None = None
) -> Any:
    """An RGB ``PIL.Image.Image`` (EXIF rotation applied, transparency over white).

    Refuses images whose declared size exceeds ``max_pixels`` before decoding any pixel
    (decompression bombs); with ``max_side`` the result is shrunk to fit that square (JPEGs are
    then decoded at reduced scale, which is much faster). Raises ImageSkipped with a short reason
    for missing, unreadable, corrupt and oversized files.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError  # noqa: PLC0415

    path = Path(path)

    def too_large(width: int, height: int) -> ImageSkipped:
        return ImageSkipped(
            path,
            f"image too large ({width:,} x {height:,} pixels, limit {max_pixels:,}): "
            "possibly a decompression bomb",
        )

    try:
        # Pillow itself warns above Image.MAX_IMAGE_PIXELS and refuses above twice that; the
        # warning is left alone (silencing it would change global state, and workers run in threads)
        with Image.open(path) as image:
            width, height = image.size
            if width * height > max_pixels:
                raise too_large(width, height)
            if max_side and image.format == "JPEG":
                image.draft("RGB", (max_side, max_side))
            image.load()
            rgb = _to_rgb(ImageOps.exif_transpose(image))
    except ImageSkipped:
        raise
    except FileNotFoundError:
        raise ImageSkipped(path, "file not found") from None
    except IsADirectoryError:
        raise ImageSkipped(path, "a folder, not an image") from None
    except PermissionError:
        raise ImageSkipped(path, "permission denied") from None
    except Image.DecompressionBombError as err:
        size = re.search(r"\((\d+) pixels\)", str(err))
        pixels = f"{int(size.group(1)):,} pixels" if size else "too many pixels"
        raise ImageSkipped(path, f"image too large ({pixels}): possibly a decompression bomb") from None
    except UnidentifiedImageError:
        raise ImageSkipped(path, "not an image file Pillow can read") from None
    except Exception as err:  # noqa: BLE001 - decoders of untrusted files raise many kinds
        raise ImageSkipped(path, f"corrupt or truncated image ({err})") from None
    if max_side:
        rgb.thumbnail((max_side, max_side))
    return rgb


def _to_rgb(image: Any) -> Any:
    from PIL import Image  # noqa: PLC0415

    if image.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        values = np.asarray(image, dtype=np.float64)
        if values.size and values.max() > 255:
            values = values / 257.0
        image = Image.fromarray(np.clip(values, 0, 255).astype(np.uint8), "L")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def make_thumbnail(image: Any, size: int = 64) -> bytes:
    """PNG bytes of ``image`` shrunk to fit a ``size`` x ``size`` square (aspect kept)."""
    import io  # noqa: PLC0415

    if size < 1:
        raise ValueError("thumbnail size must be at least 1 pixel")
    small = image.copy()
    small.thumbnail((size, size))
    if small.mode not in ("1", "L", "LA", "P", "RGB", "RGBA"):
        small = _to_rgb(small)
    buffer = io.BytesIO()
    small.save(buffer, format="PNG")
    return buffer.getvalue()
