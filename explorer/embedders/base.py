"""The embedder protocol: an id, the modalities it accepts, its dimension, and ``embed`` which
yields one float32 batch at a time so that callers can report progress and stop between batches."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from explorer.core.progress import Job, Progress

#: The models a data set is embedded with unless the user picks one (the importer, the import
#: dialog, the command line), and the text model ConSE places images in.
DEFAULT_TEXT_MODEL = "all-MiniLM-L6-v2"
DEFAULT_IMAGE_MODEL = "efficientnet-lite0"


class EmbedderError(Exception):
    """A model that cannot be loaded or used; the message is meant for the user."""


@runtime_checkable
class Embedder(Protocol):
    id: str
    modalities: tuple[str, ...]

    @property
    def dimension(self) -> int: ...

    def embed(self, items: Sequence[str], batch_size: int = 64) -> Iterator[np.ndarray]: ...


def pick_device(preferred: str | None = None) -> str:
    """The torch device to run on: ``preferred`` or $EXPLORER_DEVICE if given, else a GPU if present."""
    choice = preferred or os.environ.get("EXPLORER_DEVICE")
    if choice:
        return choice
    import torch  # noqa: PLC0415 - heavy, only when a model is really used

    if torch.cuda.is_available():
        return "cuda"
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def embed_all(embedder: Embedder, items: Sequence[str], batch_size: int = 64) -> Job[np.ndarray]:
    """Embed every item; yields Progress per batch, returns the (N, D) float32 matrix."""
    total = len(items)
    parts: list[np.ndarray] = []
    done = 0
    yield Progress(0, total, f"Embedding {total:,} items with {embedder.id}")
    for batch in embedder.embed(items, batch_size=batch_size):
        parts.append(np.asarray(batch, dtype=np.float32))
        done += len(batch)
        yield Progress(done, total, f"Embedded {done:,} of {total:,}")
    if not parts:
        return np.zeros((0, embedder.dimension), dtype=np.float32)
    return np.concatenate(parts)


def default_cache_dir() -> Path:
    """The per-user cache folder of the platform, for Embedding Explorer."""
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "embedding-explorer" / "cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "embedding-explorer"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "embedding-explorer"


def cache_dir() -> Path | None:
    """Where work worth keeping between sessions goes (class embeddings, model exports):
    $EXPLORER_CACHE_DIR if set (set but empty: no disk cache), else ``default_cache_dir()``."""
    chosen = os.environ.get("EXPLORER_CACHE_DIR")
    if chosen is not None:
        return Path(chosen).expanduser() if chosen else None
    return default_cache_dir()
