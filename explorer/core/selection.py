"""Finding items: text search over texts and metadata, and points inside a box or lasso."""

from __future__ import annotations

import re
import time

import numpy as np
import regex as timed_re  # re's syntax with a timeout: a user's pattern can backtrack for hours

from explorer.core.embedding_set import EmbeddingSet

#: The longest a regular expression search may take, in seconds, over all items together. The map
#: searches on the GUI thread as the user types, and a project reopens with its saved search.
REGEX_SECONDS = 1.0


def search(emb: EmbeddingSet, pattern: str, regex: bool = False, case_sensitive: bool = False,
           columns: list[str] | None = None, time_limit: float = REGEX_SECONDS) -> np.ndarray:
    """Indices of items whose text or metadata contains ``pattern`` (a substring, or a regular
    expression with ``regex``). ``columns`` limits the search (default: text and every text column).
    Raises ValueError with the regex error for a bad expression, and for one that has not finished
    within ``time_limit`` seconds (catastrophic backtracking, such as ``(a|aa)+$`` on a long run of a)."""
    if not pattern:
        return np.zeros(0, dtype=np.int64)
    if regex:
        try:
            compiled = timed_re.compile(pattern, 0 if case_sensitive else timed_re.IGNORECASE)
        except timed_re.error as err:
            raise ValueError(f"bad regular expression: {err}") from None
        deadline = time.monotonic() + time_limit

        def found(value: str) -> bool:
            return compiled.search(value, timeout=max(1e-3, deadline - time.monotonic())) is not None
    else:  # a plain substring cannot backtrack: the faster re module
        literal = re.compile(re.escape(pattern), 0 if case_sensitive else re.IGNORECASE)

        def found(value: str) -> bool:
            return literal.search(value) is not None
    names = columns if columns is not None else ["text", *emb.metadata]
    hits = np.zeros(len(emb), dtype=bool)
    for name in names:
        unique, inverse = emb.distinct(name)
        try:
            matched = np.fromiter(map(found, unique.tolist()), bool, len(unique))
        except TimeoutError:
            raise ValueError(f"regular expression too slow: stopped after {time_limit:g} s (nested repeats "
                             "such as (a|aa)+ can take hours; simplify it)") from None
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
