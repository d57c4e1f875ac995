"""Colours for the map, computed with numpy so that headless exports match the window."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

# Colour-blind safe first: Okabe and Ito's palette (without black), then Paul Tol's "muted" and
# "light" schemes; readable on white, and the first seven stay distinct under the common forms of
# colour blindness.
CATEGORICAL = [
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442",
    "#332288", "#CC6677", "#117733", "#DDCC77", "#88CCEE", "#882255", "#44AA99", "#999933",
    "#AA4499", "#77AADD", "#EE8866", "#BBCC33", "#FFAABB",
]
OTHER_COLOR = "#b0b0b0"
DEFAULT_COLOR = "#3a6ea5"
# viridis at 9 stops, interpolated linearly
_VIRIDIS = np.array([
    [68, 1, 84], [71, 44, 122], [59, 81, 139], [44, 113, 142], [33, 144, 141],
    [39, 173, 129], [92, 200, 99], [170, 220, 50], [253, 231, 37],
], dtype=np.float64)
MAX_CATEGORIES = len(CATEGORICAL)


def hex_to_rgb(color: str) -> tuple[int, int, int]:
    color = color.lstrip("#")
    return int(color[0:2], 16), int(color[2:4], 16), int(color[4:6], 16)


ORDERS = ("natural", "count")
_CHUNKS = re.compile(r"(\d+(?:\.\d+)?)")


def natural_key(text: str) -> tuple:
    """Sort key putting numbers in numeric order and text in alphabetical order, numbers first:
    "2" < "10" < "item 2" < "item 10" < "Zebra"."""
    parts = _CHUNKS.split(str(text).strip().casefold())
    return tuple((0, float(p), "") if i % 2 else (1, 0.0, p) for i, p in enumerate(parts) if p)


@dataclass
class Coloring:
    """Per-point RGB (uint8, (N, 3)) and what the legend shows."""

    rgb: np.ndarray
    kind: str  # "none", "categorical" or "numeric"
    legend: list[tuple[str, str, int]]  # (label, hex colour, count) for categorical colouring
    value_range: tuple[float, float] | None = None
    codes: np.ndarray | None = None  # colour index per point (categorical only; MAX_CATEGORIES: other)
    others: list[tuple[str, int]] | None = None  # (label, count) of the categories grouped as "other"


def is_numeric(values: np.ndarray) -> bool:
    return np.asarray(values).dtype.kind in "iuf"


def viridis(t: np.ndarray) -> np.ndarray:
    t = np.clip(np.nan_to_num(np.asarray(t, dtype=np.float64), nan=0.0), 0.0, 1.0)
    pos = t * (len(_VIRIDIS) - 1)
    low = np.floor(pos).astype(int).clip(0, len(_VIRIDIS) - 2)
    frac = (pos - low)[:, None]
    return (_VIRIDIS[low] * (1 - frac) + _VIRIDIS[low + 1] * frac).round().astype(np.uint8)


def color_points(n: int, values: np.ndarray | None, order: str = "natural",
                 featured: list[str] | tuple[str, ...] = ()) -> Coloring:
    """Colour N points by a column: numeric columns by viridis, others by category.

    The MAX_CATEGORIES most frequent categories get a colour (``featured`` ones first, so the user
    can pick any), the rest share one grey "other". Colours follow the categories' natural order,
    so they do not change when the legend is sorted differently; the legend lists the coloured
    categories in ``order`` ("natural": 0-9 then alphabetical, or "count": most frequent first),
    then "other".
    """
    if order not in ORDERS:
        raise ValueError(f"legend order must be one of {', '.join(ORDERS)}, got {order!r}")
    if values is None:
        rgb = np.tile(np.array(hex_to_rgb(DEFAULT_COLOR), dtype=np.uint8), (n, 1))
        return Coloring(rgb, "none", [])
    values = np.asarray(values)
    if is_numeric(values):
        finite = values[np.isfinite(values)] if values.dtype.kind == "f" else values
        lo, hi = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)
        t = (values.astype(np.float64) - lo) / (hi - lo if hi > lo else 1.0)
        return Coloring(viridis(t), "numeric", [], (lo, hi))
    labels, codes, counts = np.unique(values.astype(str), return_inverse=True, return_counts=True)
    codes = codes.ravel()
    by_count = np.argsort(-counts, kind="stable")
    wanted = [i for i in (np.flatnonzero(labels == f) for f in featured) if len(i)]
    chosen: list[int] = []
    for i in [int(w[0]) for w in wanted] + by_count.tolist():
        if i not in chosen:
            chosen.append(i)
        if len(chosen) == MAX_CATEGORIES:
            break
    natural = sorted(chosen, key=lambda i: natural_key(labels[i]))
    color_of = np.full(len(labels), MAX_CATEGORIES, dtype=np.int64)
    color_of[natural] = np.arange(len(natural))
    palette = np.array([hex_to_rgb(c) for c in CATEGORICAL] + [hex_to_rgb(OTHER_COLOR)], dtype=np.uint8)
    point_color = color_of[codes]
    shown = natural if order == "natural" else sorted(chosen, key=lambda i: (-counts[i], natural_key(labels[i])))
    legend = [(str(labels[i]), CATEGORICAL[color_of[i]], int(counts[i])) for i in shown]
    rest = sorted(set(range(len(labels))) - set(chosen), key=lambda i: (-counts[i], natural_key(labels[i])))
    others = [(str(labels[i]), int(counts[i])) for i in rest]
    if rest:
        legend.append((f"{len(rest)} more", OTHER_COLOR, int(counts[rest].sum())))
    return Coloring(palette[point_color], "categorical", legend, codes=point_color, others=others)
