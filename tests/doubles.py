"""A deterministic embedder for tests: the same text always gives the same unit vector."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence

import numpy as np


class FakeEmbedder:
    modalities = ("text", "image")

    def __init__(self, dimension: int = 16) -> None:
        self.id = f"fake-{dimension}d"
        self._dimension = dimension

    @property
    def dimension(self) -> int:
        return self._dimension

    def vector(self, item: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.sha256(item.encode("utf-8", "surrogateescape")).digest()[:8], "little")
        v = np.random.default_rng(seed).standard_normal(self._dimension).astype(np.float32)
        return v / np.linalg.norm(v)

    def embed(self, items: Sequence[str], batch_size: int = 64) -> Iterator[np.ndarray]:
        for start in range(0, len(items), batch_size):
            yield np.stack([self.vector(t) for t in items[start:start + batch_size]])
