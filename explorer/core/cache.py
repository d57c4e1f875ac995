"""The per-user cache folder: work worth keeping between sessions (class embeddings, model exports,
numba's compiled UMAP code)."""

from __future__ import annotations

import os
import sys
from pathlib import Path


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
