"""Fitting the map around the legend (core.view_fit), checked against a brute-force search."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.core.view_fit import fit_points, fit_view

W, H = 900.0, 560.0
BOX = (640.0, 0.0, 900.0, 360.0)  # a legend in the top-right corner (left, top, right, bottom), pixels
MARGIN = 12.0


def to_pixels(xy, fitted, width=W, height=H):
    x0, x1, y0, y1 = fitted
    scale_x, scale_y = width / (x1 - x0), height / (y1 - y0)
    return np.column_stack([(xy[:, 0] - x0) * scale_x, (y1 - xy[:, 1]) * scale_y]), scale_x, scale_y


def under_box(px, box=BOX):
    # the box reaches the top and right edges (nothing slips between it and the frame)
    return (px[:, 0] > box[0] + 1e-6) & (px[:, 1] < box[3] - 1e-6)


def brute_force_scale(xy, box=BOX, width=W, height=H, margin=MARGIN, steps=50):
    """The largest scale (of 300 tried, from the plain fit down) at which some placement on a grid of
    positions keeps every point out of the box."""
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    span = hi - lo
    top_scale = min((width - 2 * margin) / span[0], (height - 2 * margin) / span[1])
    for scale in np.linspace(top_scale, top_scale / 10, 300):
        u, v = (xy[:, 0] - lo[0]) * scale, (hi[1] - xy[:, 1]) * scale
        tops = np.linspace(margin, max(margin, height - margin - span[1] * scale), steps)
        for left in np.linspace(margin, max(margin, width - margin - span[0] * scale), steps):
            right_of = left + u > box[0] + 1e-6
            above = tops[:, None] + v[None, :] < box[3] - 1e-6
            if not (right_of[None, :] & above).any(axis=1).all():
                return scale
    return 0.0


SHAPES = {
    "tall": lambda rng: rng.normal(size=(400, 2)) * [1.0, 2.0],
    "wide": lambda rng: rng.normal(size=(400, 2)) * [3.0, 1.0],
    "round": lambda rng: rng.normal(size=(400, 2)),
    "square corners": lambda rng: rng.uniform(-1, 1, size=(400, 2)),
    "outlier top right": lambda rng: np.vstack([rng.normal(size=(300, 2)), [[6.0, 6.0]]]),
}


@pytest.mark.parametrize("shape", SHAPES)
def test_every_point_shown_none_under_the_box_at_the_largest_scale(shape):
    xy = SHAPES[shape](np.random.default_rng(3))
    fitted = fit_view(xy, W, H, BOX, MARGIN)
    px, scale_x, scale_y = to_pixels(xy, fitted)
    assert scale_x == pytest.approx(scale_y)  # the map keeps its aspect
    assert (px >= MARGIN - 1e-6).all() and (px[:, 0] <= W - MARGIN + 1e-6).all()
    assert (px[:, 1] <= H - MARGIN + 1e-6).all()
    assert not under_box(px).any()
    # no placement at a larger scale avoids the box, and ours is not needlessly small: the brute
    # force finds at most ours, and (on its grids) nearly as much
    assert scale_x * 0.97 <= brute_force_scale(xy) <= scale_x * 1.0001


def test_a_tall_map_loses_nothing_to_the_box():
    xy = SHAPES["tall"](np.random.default_rng(1))
    with_box, without = fit_view(xy, W, H, BOX, MARGIN), fit_view(xy, W, H, None, MARGIN)
    assert (with_box[1] - with_box[0]) == pytest.approx(without[1] - without[0])  # the same scale
    px, _, _ = to_pixels(xy, with_box)
    span = px.max(axis=0) - px.min(axis=0)
    assert span[1] == pytest.approx(H - 2 * MARGIN)  # the limiting side is filled


def test_without_a_box_the_data_is_centred_and_fills_the_limiting_side():
    xy = SHAPES["wide"](np.random.default_rng(2))
    px, _, _ = to_pixels(xy, fit_view(xy, W, H, None, MARGIN))
    lo, hi = px.min(axis=0), px.max(axis=0)
    assert hi[0] - lo[0] == pytest.approx(W - 2 * MARGIN)
    assert lo[1] == pytest.approx(H - hi[1])  # centred vertically


def test_the_deciding_points_give_the_same_fit():
    xy = np.random.default_rng(4).normal(size=(5000, 2)) * [1.5, 1.0]
    few = fit_points(xy)
    assert len(few) < 100
    assert np.allclose(fit_view(few, W, H, BOX, MARGIN), fit_view(xy, W, H, BOX, MARGIN))
    # every point is dominated (left of and below) by one of the staircase, or is on it
    for x, y in xy[:300]:
        assert ((few[:, 0] >= x) & (few[:, 1] >= y)).any()


def test_degenerate_input():
    assert fit_view(np.zeros((0, 2)), W, H) is None
    assert fit_view(np.array([[np.nan, 1.0]]), W, H) is None
    assert fit_view(np.array([[1.0, 2.0]]), 0, H) is None
    x0, x1, y0, y1 = fit_view(np.array([[1.0, 2.0], [1.0, 2.0]]), W, H, BOX)
    assert x0 < 1.0 < x1 and y0 < 2.0 < y1
