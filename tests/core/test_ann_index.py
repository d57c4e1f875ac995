"""The approximate neighbour index against exact search: recall, exclusion, scores, persistence,
stopping the build, bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest

from explorer.core.ann_index import (
    ApproximateIndex,
    build_index_job,
    describe_search,
    nearest_auto,
    should_use_index,
    usable_index,
)
from explorer.core.neighbors import METRICS, nearest
from explorer.core.progress import Progress, run_to_end


def blobs(n: int = 4000, dim: int = 32, centres: int = 40, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    middles = rng.standard_normal((centres, dim)) * 3
    rows = middles[rng.integers(0, centres, n)] + rng.standard_normal((n, dim))
    # different lengths, so that dot product and cosine rank differently
    rows *= rng.uniform(0.5, 2.0, (n, 1))
    return rows.astype(np.float32)


@pytest.fixture(scope="module")
def vectors() -> np.ndarray:
    return blobs()


@pytest.fixture(scope="module")
def indexes(vectors) -> dict[str, ApproximateIndex]:
    return {metric: run_to_end(build_index_job(vectors, metric)) for metric in METRICS}


def recall(index: ApproximateIndex, vectors: np.ndarray, rows: range, k: int = 10) -> float:
    hits = 0
    for row in rows:
        got = index.search(vectors[row], k, exclude=[row]).indices
        want = nearest(vectors, vectors[row], k, index.metric, exclude=[row]).indices
        hits += len(set(got.tolist()) & set(want.tolist()))
    return hits / (k * len(rows))


@pytest.mark.parametrize("metric", METRICS)
def test_recall_against_exact_search(indexes, vectors, metric):
    index = indexes[metric]
    assert index.metric == metric and index.n == len(vectors) and index.dim == vectors.shape[1]
    assert index.recall >= 0.9  # measured by the build on its own sample
    assert recall(index, vectors, range(0, 4000, 40)) >= 0.9
    assert "approximate" in index.describe() and f"{index.recall:.3f}" in index.describe()


@pytest.mark.parametrize("metric", METRICS)
def test_scores_are_the_exact_scores_of_the_rows_returned(indexes, vectors, metric):
    index = indexes[metric]
    query = vectors[7] * 0.5 + vectors[900] * 0.5
    result = index.search(query, k=15)
    assert result.metric == metric and len(result.indices) == 15
    exact_all = nearest(vectors, query, k=len(vectors), metric=metric)
    score_of = dict(zip(exact_all.indices.tolist(), exact_all.scores.tolist()))
    np.testing.assert_allclose(result.scores, [score_of[i] for i in result.indices.tolist()],
                               rtol=1e-5, atol=1e-5)
    # best first, in the metric's own direction
    order = np.diff(result.scores)
    assert (order >= -1e-6).all() if metric == "euclidean" else (order <= 1e-6).all()


@pytest.mark.parametrize("metric", METRICS)
def test_excluded_rows_are_never_returned(indexes, vectors, metric):
    index = indexes[metric]
    for row in (0, 11, 2500):
        plain = index.search(vectors[row], k=20)
        exclude = plain.indices[:12].tolist() + [row]
        result = index.search(vectors[row], k=20, exclude=exclude)
        assert len(result.indices) == 20
        assert not set(result.indices.tolist()) & set(exclude)
    # excluding almost everything still answers with what is left, exactly
    keep = [3, 1000, 3999]
    rest = np.setdiff1d(np.arange(len(vectors)), keep)
    result = index.search(vectors[0], k=10, exclude=rest)
    assert sorted(result.indices.tolist()) == keep


@pytest.mark.parametrize("metric", METRICS)
def test_round_trip_through_plain_arrays(indexes, vectors, metric):
    index = indexes[metric]
    params, arrays = index.params(), index.to_arrays()
    params = json.loads(json.dumps(params))  # JSON-serialisable, as the project manifest needs
    assert params["library"] == "faiss" and params["metric"] == metric
    assert params["n"] == len(vectors) and params["dim"] == vectors.shape[1]
    assert params["recall"] == pytest.approx(index.recall)
    for array in arrays.values():
        assert isinstance(array, np.ndarray) and array.dtype.kind in "iuf"
    restored = ApproximateIndex.from_arrays(params, arrays, vectors)
    assert restored.nprobe == index.nprobe and restored.recall == pytest.approx(index.recall)
    for row in (0, 5, 123, 3998):
        a = index.search(vectors[row], 10, exclude=[row])
        b = restored.search(vectors[row], 10, exclude=[row])
        assert a.indices.tolist() == b.indices.tolist()
        np.testing.assert_array_equal(a.scores, b.scores)


def test_restoring_over_other_vectors_is_refused(indexes, vectors):
    index = indexes["cosine"]
    with pytest.raises(ValueError, match="built for 4000 x 32"):
        ApproximateIndex.from_arrays(index.params(), index.to_arrays(), vectors[:100])
    with pytest.raises(ValueError, match="unknown neighbour index"):
        ApproximateIndex.from_arrays({**index.params(), "library": "annoy"}, index.to_arrays(), vectors)


def test_the_build_can_be_stopped_between_steps(vectors):
    job = build_index_job(vectors, "cosine", batch_rows=500)
    steps = [next(job) for _ in range(13)]  # past k-means, into adding rows
    assert all(isinstance(step, Progress) for step in steps)
    assert any("Adding rows" in step.message for step in steps)
    assert steps[-1].done < steps[-1].total
    job.close()  # what the worker and run_to_end do on Cancel
    with pytest.raises(StopIteration):
        next(job)


def test_progress_goes_to_the_end(vectors):
    job = build_index_job(vectors[:1000], "euclidean")
    steps = []
    try:
        while True:
            steps.append(next(job))
    except StopIteration as stop:
        index = stop.value
    fractions = [s.fraction for s in steps if s.fraction is not None]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert isinstance(index, ApproximateIndex) and index.n == 1000


def test_bad_input_is_refused_with_a_clear_message(indexes, vectors):
    with pytest.raises(ValueError, match="query has 31 dimensions, the index 32"):
        indexes["cosine"].search(np.ones(31, dtype=np.float32), 5)
    with pytest.raises(ValueError, match="unknown metric"):
        run_to_end(build_index_job(vectors, "manhattan"))
    with pytest.raises(ValueError, match="2-D float32"):
        run_to_end(build_index_job(vectors[0], "cosine"))
    with pytest.raises(ValueError, match="at least 2 rows"):
        run_to_end(build_index_job(vectors[:1], "cosine"))


def test_dispatch_uses_the_index_only_where_it_fits(indexes, vectors):
    index = indexes["cosine"]
    assert usable_index(index, vectors, "cosine") is index
    assert usable_index(index, vectors, "dot") is None  # another metric: exact
    assert usable_index(index, vectors[:-1], "cosine") is None  # other vectors: exact
    assert usable_index(None, vectors, "cosine") is None
    assert describe_search(index, vectors, "euclidean") == "exact"
    assert describe_search(index, vectors, "cosine").startswith("approximate (faiss")
    exact = nearest(vectors, vectors[1], 10, "dot", exclude=[1])
    auto = nearest_auto(vectors, vectors[1], 10, "dot", exclude=[1], index=index)
    assert auto.indices.tolist() == exact.indices.tolist()
    fast = nearest_auto(vectors, vectors[1], 10, "cosine", exclude=[1], index=index)
    assert fast.indices.tolist() == index.search(vectors[1], 10, exclude=[1]).indices.tolist()


def test_exact_search_below_the_limit():
    assert not should_use_index(10_000, 384)
    assert not should_use_index(100_000, 384)
    assert should_use_index(1_000_000, 384)
    assert should_use_index(2_000_000, 50)
