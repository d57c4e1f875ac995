from __future__ import annotations

import numpy as np
import pytest

from explorer.core.align import procrustes


def by_hand(source, target):
    """Procrustes with scale from the SVD written out (Schönemann 1966; Gower)."""
    a0 = target - target.mean(axis=0)
    b0 = source - source.mean(axis=0)
    u, s, vt = np.linalg.svd(b0.T @ a0)
    rotation = u @ vt
    scale = s.sum() / (b0 ** 2).sum()
    return scale * b0 @ rotation + target.mean(axis=0), rotation, scale


def test_a_rotated_scaled_shifted_copy_is_put_back_exactly():
    rng = np.random.default_rng(0)
    target = rng.standard_normal((50, 2))
    angle = 0.7
    turn = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    source = 3.5 * target @ turn + [10.0, -4.0]
    found = procrustes(source, target)
    np.testing.assert_allclose(found.apply(source), target, atol=1e-4)
    assert found.scale == pytest.approx(1 / 3.5) and found.disparity == pytest.approx(0, abs=1e-10)
    np.testing.assert_allclose(found.rotation, turn.T, atol=1e-10)


def test_a_mirror_image_is_put_back_too():
    rng = np.random.default_rng(1)
    target = rng.standard_normal((30, 2))
    source = target * [-1.0, 1.0]
    np.testing.assert_allclose(procrustes(source, target).apply(source), target, atol=1e-5)


def test_unrelated_maps_match_the_hand_computation():
    rng = np.random.default_rng(2)
    target, source = rng.standard_normal((40, 2)), rng.standard_normal((40, 2)) * 5 + 2
    expected, rotation, scale = by_hand(source, target)
    found = procrustes(source, target)
    np.testing.assert_allclose(found.apply(source), expected, atol=1e-5)
    np.testing.assert_allclose(found.rotation, rotation, atol=1e-10)
    assert found.scale == pytest.approx(scale)
    residual = ((expected - target) ** 2).sum() / ((target - target.mean(axis=0)) ** 2).sum()
    assert found.disparity == pytest.approx(residual) and 0 < found.disparity <= 1
    # scipy's own procrustes standardises both maps; its disparity is the same figure
    from scipy.spatial import procrustes as scipy_procrustes

    assert found.disparity == pytest.approx(scipy_procrustes(target, source)[2])


def test_rows_that_are_not_finite_are_left_out_of_the_fit():
    rng = np.random.default_rng(3)
    target = rng.standard_normal((20, 2))
    source = 2 * target + 1
    source[4] = np.nan
    found = procrustes(source, target)
    keep = np.arange(20) != 4
    np.testing.assert_allclose(found.apply(source)[keep], target[keep], atol=1e-5)


def test_bad_maps_are_refused():
    with pytest.raises(ValueError, match="same items"):
        procrustes(np.zeros((3, 2)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="two distinct points"):
        procrustes(np.ones((5, 2)), np.random.default_rng(0).standard_normal((5, 2)))


def test_matching_spreads_gives_b_the_size_of_a():
    rng = np.random.default_rng(4)
    target, source = rng.standard_normal((60, 2)), rng.standard_normal((60, 2)) * 3 + 1
    least_squares = procrustes(source, target)
    same_size = procrustes(source, target, match_spread=True)
    aligned = same_size.apply(source)
    spread = np.sqrt(((aligned - aligned.mean(axis=0)) ** 2).sum())
    assert spread == pytest.approx(np.sqrt(((target - target.mean(axis=0)) ** 2).sum()), rel=1e-5)
    np.testing.assert_allclose(same_size.rotation, least_squares.rotation)
    assert same_size.scale > least_squares.scale  # unrelated maps: least squares shrinks B
    assert same_size.disparity == least_squares.disparity
    # a copy up to a similarity transform: both scales are the same
    copy = 2.0 * target + 5
    assert procrustes(copy, target, match_spread=True).scale == pytest.approx(procrustes(copy, target).scale)
