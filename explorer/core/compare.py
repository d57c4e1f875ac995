"""Compare two embeddings of the same items: do they agree on who is near whom?

- **kNN agreement** per item: the Jaccard index of its k nearest in set A and in set B (cosine,
  itself left out), |A ∩ B| / |A ∪ B|, from 0 (no neighbour shared) to 1 (the same k).
  Items are ranked from the most to the least disagreement; the mean is the global figure.
- **Linear CKA** (Kornblith et al. 2019, centred kernel alignment with linear kernels) of the two
  matrices as stored: ``||Yc^T Xc||_F^2 / (||Xc^T Xc||_F ||Yc^T Yc||_F)`` with column-centred
  ``Xc``, ``Yc``; 1 when one is a rotation and scaling of the other. Computed from D x D products
  accumulated in float64 over blocks of rows, so memory does not grow with N.

The neighbours come from :func:`explorer.core.quality.knn_graph` (exact for small sets, the
approximate index for large ones), so the two sets may have different dimensions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from explorer.core.progress import Job, Progress
from explorer.core.quality import as_vectors, check_k, knn_graph, scaled_job

CKA_BLOCK_ROWS = 65_536


@dataclass
class CompareResult:
    jaccard: np.ndarray  # (N,) per item
    mean_jaccard: float
    cka: float
    order: np.ndarray  # item rows from the most to the least disagreement (lowest Jaccard first)
    k: int
    search_a: str
    search_b: str


def jaccard_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Jaccard index of the rows of two (N, k) neighbour-id matrices, each row holding distinct ids."""
    if a.shape[0] != b.shape[0]:
        raise ValueError("both neighbour lists need one row per item")
    k_a, k_b = a.shape[1], b.shape[1]
    both = np.sort(np.hstack([a, b]), axis=1)
    shared = (both[:, 1:] == both[:, :-1]).sum(axis=1)
    union = k_a + k_b - shared
    return np.divide(shared, union, out=np.ones(len(a)), where=union > 0)


def linear_cka(x: np.ndarray, y: np.ndarray, block_rows: int = CKA_BLOCK_ROWS) -> float:
    """Linear CKA of two (N, D1) and (N, D2) matrices describing the same N items."""
    x = as_vectors(x, "the first set")
    y = as_vectors(y, "the second set")
    _same_items(x, y)
    n = len(x)
    sum_x = np.zeros(x.shape[1])
    sum_y = np.zeros(y.shape[1])
    xx = np.zeros((x.shape[1], x.shape[1]))
    yy = np.zeros((y.shape[1], y.shape[1]))
    yx = np.zeros((y.shape[1], x.shape[1]))
    for start in range(0, n, block_rows):
        bx = x[start:start + block_rows].astype(np.float64)
        by = y[start:start + block_rows].astype(np.float64)
        sum_x += bx.sum(axis=0)
        sum_y += by.sum(axis=0)
        xx += bx.T @ bx
        yy += by.T @ by
        yx += by.T @ bx
    mean_x, mean_y = sum_x / n, sum_y / n
    # centring: Xc^T Xc = X^T X - n mean_x mean_x^T, and likewise for the cross product
    xx -= n * np.outer(mean_x, mean_x)
    yy -= n * np.outer(mean_y, mean_y)
    yx -= n * np.outer(mean_y, mean_x)
    denominator = np.linalg.norm(xx) * np.linalg.norm(yy)
    if denominator <= 0:
        raise ValueError("linear CKA is undefined when a set has the same vector for every item")
    return float(np.sum(yx * yx) / denominator)


def _same_items(a: np.ndarray, b: np.ndarray) -> None:
    if len(a) != len(b):
        raise ValueError(f"the two sets must hold the same items: one has {len(a):,} rows, "
                         f"the other {len(b):,}")


def compare(a: np.ndarray, b: np.ndarray, k: int = 10, index_a: Any = None, index_b: Any = None,
            exact: bool | None = None) -> Job[CompareResult]:
    """Per-item kNN agreement (Jaccard of the top k, cosine, itself left out) and linear CKA of two
    embeddings of the same items, row i of ``a`` and of ``b`` being the same item (a job)."""
    a = as_vectors(a, "the first set")
    b = as_vectors(b, "the second set")
    _same_items(a, b)
    k = check_k(k, len(a))
    job_a = knn_graph(a, k, "cosine", index=index_a, exact=exact)
    job_b = knn_graph(b, k, "cosine", index=index_b, exact=exact)
    return _compare(a, b, k, job_a, job_b)


def _compare(a, b, k, job_a, job_b) -> Job[CompareResult]:
    graph_a = yield from scaled_job(job_a, 0.0, 0.47)
    graph_b = yield from scaled_job(job_b, 0.47, 0.47)
    yield Progress(0.95, 1.0, "Comparing the neighbours; linear CKA")
    jaccard = jaccard_rows(graph_a.indices, graph_b.indices)
    order = np.lexsort((np.arange(len(jaccard)), jaccard))
    cka = linear_cka(a, b)
    return CompareResult(jaccard, float(jaccard.mean()), cka, order, k, graph_a.search,
                         graph_b.search)
