"""Finding items: text search over texts and metadata, and points inside a box or lasso."""

from __future__ import annotations

import re
import time

import numpy as np

from explorer.core.embedding_set import EmbeddingSet

try:  # the parser behind re, to tell patterns that can backtrack for hours
    from re import _parser as _re_parser
except ImportError:  # Python 3.10
    import sre_parse as _re_parser

#: The longest a regular expression search may take, in seconds, over all items together. The map
#: searches on the GUI thread as the user types, and a project reopens with its saved search.
REGEX_SECONDS = 3.0
_CHECK_EVERY = 512  # values searched between two looks at the clock on the fast path
_REPEATS = {getattr(_re_parser, name) for name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")
            if hasattr(_re_parser, name)}


class SearchTooSlow(ValueError):
    """A regular expression that did not finish within the time limit (see search)."""


def search(emb: EmbeddingSet, pattern: str, regex: bool = False, case_sensitive: bool = False,
           columns: list[str] | None = None, time_limit: float | None = None) -> np.ndarray:
    """Indices of items whose text or metadata contains ``pattern`` (a substring, or a regular
    expression with ``regex``). ``columns`` limits the search (default: text and every text column).
    Raises ValueError with the regex error for a bad expression, and SearchTooSlow (a ValueError)
    for one that has not finished within ``time_limit`` seconds (default REGEX_SECONDS) over all
    columns (catastrophic backtracking, such as ``(a|aa)+$`` on a long run of a)."""
    if not pattern:
        return np.zeros(0, dtype=np.int64)
    names = columns if columns is not None else ["text", *emb.metadata]
    hits = np.zeros(len(emb), dtype=bool)
    if not regex:  # a plain substring cannot backtrack: re, with no clock
        literal = re.compile(re.escape(pattern), 0 if case_sensitive else re.IGNORECASE)
        for name in names:
            unique, inverse = emb.distinct(name)
            hits |= np.fromiter((literal.search(v) is not None for v in unique.tolist()), bool,
                                len(unique))[inverse]
        return np.flatnonzero(hits)
    guarded = may_backtrack(pattern)  # also every pattern re cannot parse
    compiled = _compile(pattern, case_sensitive, guarded)
    time_limit = REGEX_SECONDS if time_limit is None else time_limit
    deadline = time.monotonic() + time_limit

    def timed(value: str) -> bool:  # a timer on every match costs about 4 us: only where needed
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        return compiled.search(value, timeout=left) is not None

    try:
        for name in names:
            unique, inverse = emb.distinct(name)
            values = unique.tolist()
            matched = np.zeros(len(values), dtype=bool)
            for start in range(0, len(values), _CHECK_EVERY):
                chunk = values[start:start + _CHECK_EVERY]
                matched[start:start + len(chunk)] = (
                    [timed(v) for v in chunk] if guarded else [compiled.search(v) is not None for v in chunk])
                if time.monotonic() > deadline:
                    raise TimeoutError
            hits |= matched[inverse]
    except TimeoutError:
        raise SearchTooSlow(f"regular expression too slow: stopped after {time_limit:g} s (repeats inside "
                            "repeats, such as (a|aa)+ or (.*a)+, can take hours; simplify it)") from None
    return np.flatnonzero(hits)


def _compile(pattern: str, case_sensitive: bool, guarded: bool):
    """The pattern compiled by the regex module (re's syntax and more, and a timeout for one match)
    where it needs a timer, else by re, about twice as fast on such patterns; ValueError if bad."""
    if guarded:
        import regex as engine  # noqa: PLC0415 - only regular expression searches need it
    else:
        engine = re
    try:
        return engine.compile(pattern, 0 if case_sensitive else engine.IGNORECASE)
    except engine.error as err:
        raise ValueError(f"bad regular expression: {err}") from None


def may_backtrack(pattern: str) -> bool:
    r"""Whether a regular expression can take exponential or high polynomial time on some text:
    a repeat of something that itself repeats or alternates, a back-reference, or more than one
    unbounded repeat (``.*a.*b``). Such patterns get a timer on every match; the rest, far more
    common (``^the``, ``colou?r``, ``\bcats?\b``, ``ing$``), run without one. A pattern re cannot
    parse (the regex module's own syntax) counts as one that can."""
    try:
        tree = _re_parser.parse(pattern)
    except Exception:  # noqa: BLE001 - any parse failure: be careful
        return True
    unbounded = 0

    def walk(items, in_repeat: bool) -> bool:
        nonlocal unbounded
        for op, av in items:
            if op in _REPEATS:
                low, high, body = av
                if in_repeat:
                    return True
                if high == _re_parser.MAXREPEAT or high > 64:
                    unbounded += 1
                if walk(body, True):
                    return True
            elif op is _re_parser.BRANCH:
                if in_repeat or any(walk(branch, in_repeat) for branch in av[1]):
                    return True
            elif op in (_re_parser.GROUPREF, _re_parser.GROUPREF_EXISTS):
                return True
            elif op is _re_parser.SUBPATTERN:
                if walk(av[-1], in_repeat):
                    return True
            elif op in (_re_parser.ASSERT, _re_parser.ASSERT_NOT):
                if walk(av[1], in_repeat):
                    return True
            elif getattr(_re_parser, "ATOMIC_GROUP", None) is op:
                if walk(av, in_repeat):
                    return True
        return False

    return walk(tree, False) or unbounded > 1


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
