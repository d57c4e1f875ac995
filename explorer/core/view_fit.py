"""Fitting a map's points into a view that has a box (the legend) floating in its top-right corner.

The points are shown as large as the view allows (one scale for x and y: the map keeps its aspect)
without any point under the box. Where the data's shape leaves the corner empty (a tall map in a wide
view, a round cloud whose top-right is bare) the box costs no room at all; where it does not, the map
shrinks just enough, and it is centred as well as the box allows.

Coordinates: ``xy`` in data units (y up); the view and the box in pixels (y down), the box as
``(left, top, right, bottom)``. The box is treated as reaching the view's top and right edges, so
nothing slips between it and the frame.
"""

from __future__ import annotations

import numpy as np

PLACEMENT_STEPS = 64  # horizontal positions tried when centring around the box


def fit_points(xy: np.ndarray) -> np.ndarray:
    """The few points that decide a fit: the four extremes and the top-right staircase (the points
    that no other point is both right of and above). ``fit_view`` of these equals ``fit_view`` of all."""
    xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    finite = np.isfinite(xy).all(axis=1)
    if not finite.all():
        xy = xy[finite]
    if not len(xy):
        return xy
    extremes = xy[[int(np.argmin(xy[:, 0])), int(np.argmax(xy[:, 0])), int(np.argmin(xy[:, 1])),
                   int(np.argmax(xy[:, 1]))]]
    # Cheap pruning before the sort: a point that lies on the staircase in some direction (the
    # largest x + t * y) dominates every point left of and below it, which can go.
    if len(xy) > 4096:
        sx, sy = np.ptp(extremes, axis=0) + 1e-12
        pivots = xy[[int(np.argmax(xy[:, 0] * (1 / sx) + xy[:, 1] * (t / sy)))
                     for t in (0.1, 0.3, 0.6, 1.0, 1.7, 3.3, 10.0)]]
        dominated = np.zeros(len(xy), dtype=bool)
        for px, py in pivots:
            dominated |= (xy[:, 0] <= px) & (xy[:, 1] <= py)
        xy = np.vstack([xy[~dominated], pivots])
    order = np.lexsort((-xy[:, 1], -xy[:, 0]))  # right to left, the highest first at equal x
    y = xy[order, 1]
    best_before = np.concatenate([[-np.inf], np.maximum.accumulate(y)[:-1]])
    front = order[y > best_before]
    return np.unique(np.vstack([xy[front], extremes]), axis=0)


def fit_view(xy: np.ndarray, width: float, height: float, box: tuple[float, float, float, float] | None = None,
             margin: float = 12.0) -> tuple[float, float, float, float] | None:
    """The data range ``(x0, x1, y0, y1)`` that shows every point of ``xy`` in a ``width`` x ``height``
    pixel view at the largest scale with none within ``box`` (pixels, top-right corner), ``margin``
    pixels from the frame. ``None`` when there is no finite point or no room."""
    xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    xy = xy[np.isfinite(xy).all(axis=1)]
    width, height = float(width), float(height)
    if not len(xy) or width <= 2 or height <= 2:
        return None
    margin = min(float(margin), width / 4, height / 4)
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    span = hi - lo
    largest = float(span.max()) or 1.0
    span = np.maximum(span, largest * 1e-3)
    lo, hi = (lo + hi) / 2 - span / 2, (lo + hi) / 2 + span / 2
    dw, dh = float(span[0]), float(span[1])
    scale = min((width - 2 * margin) / dw, (height - 2 * margin) / dh)
    a = xy[:, 0] - lo[0]  # right of the data's left edge
    c = xy[:, 1] - lo[1]  # above the data's bottom edge
    if box is not None:
        room_x = box[0] - margin  # from the data's left edge to the box, with the data at the bottom left
        room_y = height - margin - box[3]  # from the data's bottom edge up to the box
        if room_x > 0 or room_y > 0:
            # placed at the bottom left (the farthest from the box), point i is under the box for every
            # scale above max(room_x / a_i, room_y / c_i)
            blocks = np.maximum(_threshold(room_x, a), _threshold(room_y, c))
            scale = min(scale, float(blocks.min()) if len(blocks) else scale)
    fw, fh = dw * scale, dh * scale
    left, top = _placement(a * scale, (hi[1] - xy[:, 1]) * scale, fw, fh, width, height, box, margin)
    x0 = lo[0] - left / scale
    y1 = hi[1] + top / scale
    return x0, x0 + width / scale, y1 - height / scale, y1


def _threshold(room: float, extent: np.ndarray) -> np.ndarray:
    """The scale above which ``extent * scale > room`` (0 when always, inf when never)."""
    out = np.full(len(extent), np.inf)
    positive = extent > 0
    out[positive] = np.maximum(room, 0.0) / extent[positive]
    if room < 0:
        out[~positive] = 0.0
    return out


def _placement(u: np.ndarray, v: np.ndarray, fw: float, fh: float, width: float, height: float,
               box, margin: float) -> tuple[float, float]:
    """Where the data's top-left corner goes (pixels): centred if the box allows, else the nearest
    position that keeps every point (u right of the left edge, v below the top edge) out of it."""
    left_lo, left_hi = margin, max(margin, width - margin - fw)
    top_lo, top_hi = margin, max(margin, height - margin - fh)
    centre = ((width - fw) / 2, (height - fh) / 2)
    centre = (min(max(centre[0], left_lo), left_hi), min(max(centre[1], top_lo), top_hi))
    if box is None:
        return centre
    bx, by = box[0], box[3]
    # a point is under the box when left + u > bx and top + v < by: for a given left, the top must be at
    # least the largest (by - v) among the points that reach past bx
    reach = u + left_hi > bx
    u, need = u[reach], by - v[reach]
    order = np.argsort(-u)
    u, need = u[order], np.maximum.accumulate(need[order]) if len(need) else need
    best, best_cost = (left_lo, top_hi), np.inf
    for left in np.unique(np.concatenate([np.linspace(left_lo, left_hi, PLACEMENT_STEPS), [centre[0]]])):
        past = int(np.searchsorted(-u, -(bx - left), side="left"))  # how many points reach past bx
        lowest = max(top_lo, float(need[past - 1])) if past else top_lo
        if lowest > top_hi + 1e-6:
            continue
        top = min(max(centre[1], lowest), top_hi)
        cost = (left - centre[0]) ** 2 + (top - centre[1]) ** 2
        if cost < best_cost:
            best, best_cost = (float(left), float(top)), cost
    return best
