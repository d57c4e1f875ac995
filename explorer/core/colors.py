"""Colours for the map, computed with numpy so that headless exports match the window."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Tableau 20, strong colours first: readable on white and distinct for the common case of <= 10.
CATEGORICAL = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94",
    "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5",
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


@dataclass
class Coloring:
    """Per-point RGB (uint8, (N, 3)) and what the legend shows."""

    rgb: np.ndarray
    kind: str  # "none", "categorical" or "numeric"
    legend: list[tuple[str, str, int]]  # (label, hex colour, count) for categorical colouring
    value_range: tuple[float, float] | None = None
    codes: np.ndarray | None = None  # category index per point (categorical only)


def is_numeric(values: np.ndarray) -> bool:
    return np.asarray(values).dtype.kind in "iuf"


def viridis(t: np.ndarray) -> np.ndarray:
    t = np.clip(np.nan_to_num(np.asarray(t, dtype=np.float64), nan=0.0), 0.0, 1.0)
    pos = t * (len(_VIRIDIS) - 1)
    low = np.floor(pos).astype(int).clip(0, len(_VIRIDIS) - 2)
    frac = (pos - low)[:, None]
    return (_VIRIDIS[low] * (1 - frac) + _VIRIDIS[low + 1] * frac).round().astype(np.uint8)


def color_points(n: int, values: np.ndarray | None) -> Coloring:
    """Colour N points by a column: numeric columns by viridis, others by category.

    Categories beyond the palette's size share one grey "other" colour; the legend lists the most
    frequent categories first.
    """
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
    order = np.argsort(-counts, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    palette = np.array([hex_to_rgb(c) for c in CATEGORICAL] + [hex_to_rgb(OTHER_COLOR)], dtype=np.uint8)
    point_rank = rank[codes]
    rgb = palette[np.minimum(point_rank, MAX_CATEGORIES)]
    legend = [
        (str(labels[i]), CATEGORICAL[r], int(counts[i]))
        for r, i in enumerate(order[:MAX_CATEGORIES])
    ]
    if len(order) > MAX_CATEGORIES:
        legend.append((f"{len(order) - MAX_CATEGORIES} more", OTHER_COLOR,
                       int(counts[order[MAX_CATEGORIES:]].sum())))
    return Coloring(rgb, "categorical", legend, codes=point_rank)
