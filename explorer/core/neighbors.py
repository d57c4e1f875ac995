"""Exact nearest neighbours in the original embedding space."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

METRICS = ("cosine", "euclidean", "dot")


@dataclass
class Neighbors:
    indices: np.ndarray  # (k,) best first
    scores: np.ndarray  # cosine similarity, dot product, or Euclidean distance (smaller is nearer)
    metric: str


def _top_k(scores: np.ndarray, k: int, largest: bool) -> np.ndarray:
    k = min(k, len(scores))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    keyed = -scores if largest else scores
    part = np.argpartition(keyed, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
    # stable tie-break on index, like a full sort would give
    return part[np.lexsort((part, keyed[part]))]


def nearest(
    vectors: np.ndarray,
    query: np.ndarray,
    k: int = 10,
    metric: str = "cosine",
    exclude: list[int] | np.ndarray | None = None,
    unit_vectors: np.ndarray | None = None,
) -> Neighbors:
    """The k rows of ``vectors`` nearest to ``query`` under ``metric``.

    ``unit_vectors`` may pass precomputed unit-length rows (cosine only) to save the normalisation.
    Rows in ``exclude`` (for example the query item itself) are never returned.
    """
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; choose one of {', '.join(METRICS)}")
    check_k(k)
    query = np.asarray(query, dtype=np.float32).ravel()
    if query.shape[0] != vectors.shape[1]:
        raise ValueError(f"query has {query.shape[0]} dimensions, the vectors {vectors.shape[1]}")
    if metric == "cosine":
        units = unit_vectors if unit_vectors is not None else unit_rows(vectors)
        norm = np.linalg.norm(query)
        scores = units @ (query / norm if norm else query)
        largest = True
    elif metric == "dot":
        scores = vectors @ query
        largest = True
    else:
        diff_sq = np.einsum("ij,ij->i", vectors, vectors) - 2 * (vectors @ query) + query @ query
        scores = np.sqrt(np.maximum(diff_sq, 0))
        largest = False
    scores = scores.astype(np.float32, copy=False)
    if exclude is not None and len(exclude):
        scores = scores.copy()
        scores[np.asarray(exclude, dtype=np.int64)] = -np.inf if largest else np.inf
        k = min(k, len(scores) - len(set(np.asarray(exclude).tolist())))
    order = _top_k(scores, k, largest)
    return Neighbors(order, scores[order], metric)


def check_k(k: object) -> int:
    """``k`` if it is a whole number of neighbours (1 or more), else ValueError saying so."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"the number of neighbours must be a whole number of 1 or more, not {str(k)[:20]}")
    return int(k)


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to length 1; all-zero rows stay zero."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)
