"""Finding items: text search over texts and metadata, and points inside a box or lasso."""

from __future__ import annotations

import re

import numpy as np

from explorer.core.embedding_set import EmbeddingSet


def search(emb: EmbeddingSet, pattern: str, regex: bool = False, case_sensitive: bool = False,
           columns: list[str] | None = None) -> np.ndarray:
    """Indices of items whose text or metadata contains ``pattern`` (a substring, or a regular
    expression with ``regex``). ``columns`` limits the search (default: text and every text column).
    Raises ValueError with the regex error for a bad expression."""
    if not pattern:
        return np.zeros(0, dtype=np.int64)
    flags = 0 if case_sensitive else re.IGNORECASE
    try:
        compiled = re.compile(pattern if regex else re.escape(pattern), flags)
    except re.error as err:
        raise ValueError(f"bad regular expression: {err}") from None
    names = columns if columns is not None else ["text", *emb.metadata]
    hits = np.zeros(len(emb), dtype=bool)
    for name in names:
        unique, inverse = emb.distinct(name)
        matched = np.fromiter((compiled.search(v) is not None for v in unique.tolist()), bool, len(unique))
        hits |= matched[inverse]
    return np.flatnonzero(hits)


def points_in_polygon(xy: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Indices of points inside a closed polygon (even-odd rule), vectorised over the points."""
    polygon = np.asarray(polygon, dtype=np.float64)
    if len(polygon) < 3 or not len(xy):
        return np.zeros(0, dtype=np.int64)
    x, y = xy[:, 0].astype(np.float64), xy[:, 1].astype(np.float64)
    lo, hi = polygon.min(axis=0), polygon.max(axis=0)
    candidates = np.flatnonzero((x >= lo[0]) & (x <= hi[0]) & (y >= lo[1]) & (y <= hi[1]))
    x, y = x[candidates], y[candidates]
    inside = np.zeros(len(candidates), dtype=bool)
    x1, y1 = polygon[:, 0], polygon[:, 1]
    x2, y2 = np.roll(x1, -1), np.roll(y1, -1)
    for ax, ay, bx, by in zip(x1, y1, x2, y2):
        crosses = (ay > y) != (by > y)
        if not crosses.any():
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
            at_x = ax + (y - ay) * (bx - ax) / (by - ay)
        inside ^= crosses & (x < at_x)
    return candidates[inside]


def points_in_box(xy: np.ndarray, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    (lo_x, hi_x), (lo_y, hi_y) = sorted((x0, x1)), sorted((y0, y1))
    return np.flatnonzero((xy[:, 0] >= lo_x) & (xy[:, 0] <= hi_x) & (xy[:, 1] >= lo_y) & (xy[:, 1] <= hi_y))
