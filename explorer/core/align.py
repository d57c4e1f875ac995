"""Align one 2-D map onto another of the same items: orthogonal Procrustes with scale and
translation, so that two maps of different embedding sets can be shown side by side with linked
zoom (the same region of the plane then holds the same items, as far as the maps agree).

With both maps centred (``A0 = A - mean(A)``, ``B0 = B - mean(B)``), the rotation (or reflection)
``R`` minimising ``||B0 R - A0||`` is ``U V^T`` from the SVD ``B0^T A0 = U S V^T``
(scipy.linalg.orthogonal_procrustes); the best scale is then ``s = trace(S) / ||B0||_F^2``, and
B aligned is ``s B0 R + mean(A)``. That least-squares scale shrinks B when the maps agree little
(by the correlation between them); ``match_spread=True`` scales B to A's spread instead
(``||A0||_F / ||B0||_F``, as scipy.spatial.procrustes standardises both), so that two maps shown
side by side have the same size and one zoom fits both. ``disparity`` is always that of the
least-squares fit: the share of A's spread the best similarity transform of B leaves unexplained.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import orthogonal_procrustes


@dataclass(frozen=True)
class Alignment:
    rotation: np.ndarray  # (2, 2) orthogonal
    scale: float
    source_mean: np.ndarray  # (2,)
    target_mean: np.ndarray  # (2,)
    disparity: float  # sum of squared differences after alignment / that of the centred target (0..1)

    def apply(self, coords: np.ndarray) -> np.ndarray:
        """``coords`` (N, 2) of the source map, placed onto the target's frame."""
        xy = np.asarray(coords, dtype=np.float64)
        return (self.scale * (xy - self.source_mean) @ self.rotation + self.target_mean).astype(np.float32)


def procrustes(source: np.ndarray, target: np.ndarray, match_spread: bool = False) -> Alignment:
    """The rotation, scale and translation that bring ``source`` (N, 2) closest to ``target`` (N, 2),
    row i being the same item in both (with ``match_spread``, the scale that gives it the target's
    spread); rows that are not finite in either are left out of the fit.
    ValueError when the maps differ in size or have fewer than two distinct usable points."""
    a = np.asarray(target, dtype=np.float64)
    b = np.asarray(source, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 2 or a.shape[1] != 2:
        raise ValueError(f"both maps need the same items in 2-D: got {b.shape} and {a.shape}")
    usable = np.isfinite(a).all(axis=1) & np.isfinite(b).all(axis=1)
    a, b = a[usable], b[usable]
    mean_a, mean_b = a.mean(axis=0) if len(a) else np.zeros(2), b.mean(axis=0) if len(b) else np.zeros(2)
    a0, b0 = a - mean_a, b - mean_b
    norm_b = float((b0 ** 2).sum())
    norm_a = float((a0 ** 2).sum())
    if len(a) < 2 or norm_b == 0.0 or norm_a == 0.0:
        raise ValueError("the maps need at least two distinct points to be aligned")
    rotation, singular_sum = orthogonal_procrustes(b0, a0)
    scale = float(singular_sum) / norm_b
    residual = float(((scale * b0 @ rotation - a0) ** 2).sum())
    if match_spread:
        scale = float(np.sqrt(norm_a / norm_b))
    return Alignment(rotation, scale, mean_b, mean_a, residual / norm_a)
