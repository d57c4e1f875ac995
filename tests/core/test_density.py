"""Density grid and highest-density levels, against numpy's histogram2d and brute force."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.core.density import bandwidth_bins, density_grid, gaussian_blur, mass_levels


def test_unblurred_grid_equals_histogram2d():
    rng = np.random.default_rng(0)
    xy = rng.normal(size=(5000, 2))
    bounds = (-3.0, -2.0, 3.0, 2.5)
    ours = density_grid(xy, bounds, (30, 40), sigma=0)
    hist, _, _ = np.histogram2d(xy[:, 1], xy[:, 0], bins=(30, 40), range=((-2.0, 2.5), (-3.0, 3.0)))
    assert np.array_equal(ours, hist)


def test_blur_keeps_mass_away_from_edges_and_matches_a_direct_convolution():
    grid = np.zeros((41, 41))
    grid[20, 20] = 1.0
    blurred = gaussian_blur(grid, 2.0)
    assert blurred.sum() == pytest.approx(1.0)
    yy, xx = np.mgrid[-20:21, -20:21]
    direct = np.exp(-(xx ** 2 + yy ** 2) / 8.0)
    direct[np.abs(xx) > 6] = 0  # the kernel is cut at 3 sigma
    direct[np.abs(yy) > 6] = 0
    assert np.allclose(blurred, direct / direct.sum())


def test_blur_per_axis_equals_numpy_convolve_and_bandwidth_shrinks_with_n():
    rng = np.random.default_rng(4)
    grid = rng.random((20, 30))
    from explorer.core.density import gaussian_kernel
    kr, kc = gaussian_kernel(1.0), gaussian_kernel(3.0)
    expected = np.apply_along_axis(np.convolve, 1, grid, kc, mode="same")
    expected = np.apply_along_axis(np.convolve, 0, expected, kr, mode="same")
    assert np.allclose(gaussian_blur(grid, (1.0, 3.0)), expected)
    few = rng.normal(size=(300, 2))
    many = rng.normal(size=(300_000, 2))
    bounds = (-4.0, -4.0, 4.0, 4.0)
    assert bandwidth_bins(few, bounds, (256, 256))[0] > 3 * bandwidth_bins(many, bounds, (256, 256))[0]


def test_mass_levels_enclose_the_asked_shares():
    rng = np.random.default_rng(1)
    grid = rng.random((50, 50)) ** 3
    for share, level in zip((0.3, 0.6, 0.9), mass_levels(grid, (0.3, 0.6, 0.9))):
        inside = grid[grid >= level].sum() / grid.sum()
        assert inside >= share
        assert grid[grid > level].sum() / grid.sum() < share  # the smallest such region
    assert mass_levels(np.zeros((3, 3))).tolist() == [0, 0, 0]
    with pytest.raises(ValueError):
        density_grid(np.zeros((1, 2)), (0, 0, 0, 1))
