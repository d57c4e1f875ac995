"""Comparing two embeddings of the same items: Jaccard of the top k against a brute-force scan,
linear CKA against the HSIC formula over n x n Gram matrices written out by hand, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.core.compare import compare, jaccard_rows, linear_cka
from explorer.core.progress import run_to_end


def two_sets(n: int = 300, seed: int = 0):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((n, 24)).astype(np.float32)
    mix = rng.standard_normal((24, 40))
    b = (a @ mix + 2.0 * rng.standard_normal((n, 40))).astype(np.float32)  # related, not equal
    return a, b


def brute_top(vectors: np.ndarray, k: int) -> list[set[int]]:
    x = vectors.astype(np.float64)
    units = x / np.linalg.norm(x, axis=1, keepdims=True)
    sims = units @ units.T
    np.fill_diagonal(sims, -np.inf)
    return [set(np.argsort(-row)[:k].tolist()) for row in sims]


def hsic_cka(x: np.ndarray, y: np.ndarray) -> float:
    n = len(x)
    h = np.eye(n) - np.ones((n, n)) / n
    k = x.astype(np.float64) @ x.astype(np.float64).T
    l_ = y.astype(np.float64) @ y.astype(np.float64).T

    def hsic(p, q):
        return np.trace(p @ h @ q @ h)

    return hsic(k, l_) / np.sqrt(hsic(k, k) * hsic(l_, l_))


def test_jaccard_equals_brute_force():
    a, b = two_sets()
    result = run_to_end(compare(a, b, k=10))
    top_a, top_b = brute_top(a, 10), brute_top(b, 10)
    want = np.array([len(p & q) / len(p | q) for p, q in zip(top_a, top_b)])
    np.testing.assert_allclose(result.jaccard, want)
    assert result.mean_jaccard == pytest.approx(want.mean())
    assert 0 < result.mean_jaccard < 1
    assert result.order[0] == int(np.argmin(want))
    assert (np.diff(result.jaccard[result.order]) >= 0).all()
    assert result.search_a == result.search_b == "exact"


def test_cka_equals_the_hsic_formula():
    a, b = two_sets(200)
    assert linear_cka(a, b) == pytest.approx(hsic_cka(a, b), rel=1e-9)
    # small blocks accumulate the same products
    assert linear_cka(a, b, block_rows=17) == pytest.approx(hsic_cka(a, b), rel=1e-9)
    rng = np.random.default_rng(3)
    rotation, _ = np.linalg.qr(rng.standard_normal((24, 24)))
    assert linear_cka(a, (3 * a @ rotation + 5).astype(np.float32)) == pytest.approx(1.0, abs=1e-6)
    result = run_to_end(compare(a, b, k=5))
    assert result.cka == pytest.approx(hsic_cka(a, b), rel=1e-9)


def test_the_same_set_agrees_fully():
    a, _ = two_sets(150)
    result = run_to_end(compare(a, a.copy(), k=8))
    np.testing.assert_allclose(result.jaccard, 1.0)
    assert result.cka == pytest.approx(1.0)


def test_jaccard_rows_by_hand():
    a = np.array([[1, 2, 3], [4, 5, 6]])
    b = np.array([[3, 2, 9], [7, 8, 0]])
    np.testing.assert_allclose(jaccard_rows(a, b), [2 / 4, 0.0])


def test_bad_input_one_line():
    a, b = two_sets(100)
    for call, words in [(lambda: compare(a, b[:90]), "100 rows, the other 90"),
                        (lambda: compare(a, b, k=100), "at most 99"),
                        (lambda: linear_cka(a, b[:5]), "same items"),
                        (lambda: linear_cka(np.ones((5, 3), np.float32), a[:5]), "same vector")]:
        with pytest.raises(ValueError, match=words) as error:
            call()
        assert "\n" not in str(error.value)
