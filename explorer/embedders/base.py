"""The embedder protocol: an id, the modalities it accepts, its dimension, and ``embed`` which
yields one float32 batch at a time so that callers can report progress and stop between batches."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from explorer.core.cache import cache_dir, default_cache_dir
from explorer.core.progress import Job, Progress

__all__ = ["cache_dir", "default_cache_dir"]  # the rule lives in explorer.core.cache (UMAP uses it too)

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


# ---------------------------------------------------------------------------------------- downloads

ALLOW_DOWNLOAD_ENV = "EXPLORER_ALLOW_DOWNLOAD"
_OFFLINE_VARIABLES = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")


def downloads_allowed() -> bool:
    """Whether a model may be fetched from a model hub: off unless the user allowed it
    (``--allow-download``, the import dialog's setting, or $EXPLORER_ALLOW_DOWNLOAD=1)."""
    return os.environ.get(ALLOW_DOWNLOAD_ENV, "") == "1"


def set_downloads_allowed(allowed: bool) -> None:
    """Allow or forbid model downloads for this process. Forbidding also puts the Hugging Face
    libraries in offline mode, so that nothing they do reaches the network (their own flag is read
    at import; it is updated here if they are already imported)."""
    os.environ[ALLOW_DOWNLOAD_ENV] = "1" if allowed else "0"
    for name in _OFFLINE_VARIABLES:
        if allowed:
            os.environ.pop(name, None)
        else:
            os.environ[name] = "1"
    constants = sys.modules.get("huggingface_hub.constants")
    if constants is not None and hasattr(constants, "HF_HUB_OFFLINE"):
        constants.HF_HUB_OFFLINE = not allowed


def is_hub_name(model_id: str) -> bool:
    """``name`` or ``owner/name`` as the Hugging Face hub spells them; a file name such as
    ``glove.6B.50d.txt`` or a path is not one."""
    if not re.fullmatch(r"[A-Za-z0-9][\w.-]{0,95}(/[A-Za-z0-9][\w.-]{0,95})?", model_id):
        return False
    suffix = Path(model_id).suffix.lower()
    return suffix not in (".txt", ".vec", ".bin", ".gz", ".bz2", ".xz", ".npy", ".npz", ".tsv", ".csv",
                          ".json", ".jsonl", ".parquet", ".arrow", ".feather", ".w2v", ".zip")
