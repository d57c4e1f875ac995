"""The embedding set: one float32 matrix plus per-item columns, held as arrays (gensim-style)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from explorer.core.neighbors import unit_rows

MODALITIES = ("text", "image", "word")


@dataclass(eq=False)
class EmbeddingSet:
    """N items embedded in D dimensions.

    ``vectors`` is (N, D) float32; ``ids``, ``texts`` and each metadata column have N entries.
    ``image_paths`` (relative to the project) is present for image sets only.
    """

    vectors: np.ndarray
    ids: np.ndarray
    texts: np.ndarray
    modality: str = "text"
    model_id: str = ""
    metadata: dict[str, np.ndarray] = field(default_factory=dict)
    image_paths: np.ndarray | None = None
    # Small PNG thumbnails for image sets, as one byte blob plus N + 1 offsets (no object arrays).
    thumbnails: tuple[np.ndarray, np.ndarray] | None = None
    # Other per-item matrices kept with the set, by name: for example the same images placed in a
    # text model's space ("conse/all-MiniLM-L6-v2") so that a typed query can search them.
    extra_vectors: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.vectors = np.ascontiguousarray(self.vectors, dtype=np.float32)
        if self.vectors.ndim != 2:
            raise ValueError(f"vectors must be a 2-D matrix, got shape {self.vectors.shape}")
        n = self.vectors.shape[0]
        self.ids = np.asarray(self.ids).astype(str)
        self.texts = np.asarray(self.texts).astype(str)
        if self.modality not in MODALITIES:
            raise ValueError(f"unknown modality {self.modality!r}; expected one of {MODALITIES}")
        columns = {"ids": self.ids, "texts": self.texts, **self.metadata}
        if self.image_paths is not None:
            self.image_paths = np.asarray(self.image_paths).astype(str)
            columns["image_paths"] = self.image_paths
        for name, column in columns.items():
            if len(column) != n:
                raise ValueError(f"column {name!r} has {len(column)} rows but there are {n} vectors")
        for name, matrix in self.extra_vectors.items():
            if np.ndim(matrix) != 2 or len(matrix) != n:
                raise ValueError(f"extra vectors {name!r} must be an (N, D) matrix with N = {n}")
        if self.thumbnails is not None:
            blob, offsets = self.thumbnails
            if len(offsets) != n + 1 or offsets[-1] != len(blob):
                raise ValueError("thumbnail offsets do not match the items")
        if len(set(self.ids.tolist())) != n:
            raise ValueError("item ids must be unique")

    def __len__(self) -> int:
        return self.vectors.shape[0]

    def thumbnail(self, index: int) -> bytes | None:
        if self.thumbnails is None:
            return None
        blob, offsets = self.thumbnails
        return blob[offsets[index]:offsets[index + 1]].tobytes()

    @staticmethod
    def pack_blobs(items: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
        offsets = np.zeros(len(items) + 1, dtype=np.int64)
        np.cumsum([len(b) for b in items], out=offsets[1:])
        return np.frombuffer(b"".join(items), dtype=np.uint8).copy(), offsets

    @property
    def dim(self) -> int:
        return self.vectors.shape[1]

    @cached_property
    def unit_vectors(self) -> np.ndarray:
        """Rows scaled to unit length (zero rows stay zero); cached like gensim's norms."""
        return unit_rows(self.vectors)

    @cached_property
    def key_to_index(self) -> dict[str, int]:
        """Look-up by text first (words, snippets), then ids, which win where both exist."""
        table = {text: i for i, text in reversed(list(enumerate(self.texts.tolist())))}
        table.update({item_id: i for i, item_id in enumerate(self.ids.tolist())})
        return table

    def distinct(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """A column's distinct values as text and each item's position among them, computed once
        per column (searching each distinct value once is what makes search fast; sorting 1M
        strings is not, so it is not redone on every key press)."""
        values = self.column(name)
        cache = self.__dict__.setdefault("_distinct", {})
        cached = cache.get(name)
        if cached is None or cached[0] is not values:  # a replaced column is computed anew
            unique, inverse = np.unique(values.astype(str), return_inverse=True)
            cached = cache[name] = (values, unique, inverse.ravel())
        return cached[1], cached[2]

    def column(self, name: str) -> np.ndarray:
        if name in self.metadata:
            return self.metadata[name]
        if name == "text":
            return self.texts
        if name == "id":
            return self.ids
        raise KeyError(name)

    @property
    def column_names(self) -> list[str]:
        return list(self.metadata)
