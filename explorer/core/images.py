"""Reading an image file for a model or a thumbnail: EXIF rotation, transparency over white,
decompression bombs refused. Pillow is imported when an image is read, not before."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any

import numpy as np

DEFAULT_MAX_PIXELS = 89_478_485  # Pillow's own default for Image.MAX_IMAGE_PIXELS


class ImageSkipped(ValueError):
    """One image that cannot be used; ``reason`` is the short text for an import report."""

    def __init__(self, path: str | os.PathLike[str], reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path.name}: {reason}")


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
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise ImageSkipped(path, "file not found") from None
    except (OSError, ValueError) as err:  # a loop of links, a name too long
        raise ImageSkipped(path, f"cannot be opened ({err.strerror if isinstance(err, OSError) else err})") from None
    if stat.S_ISDIR(mode):
        raise ImageSkipped(path, "a folder, not an image")
    if not stat.S_ISREG(mode):  # a pipe or a device would block or never end
        raise ImageSkipped(path, "not a regular file")

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
