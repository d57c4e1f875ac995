"""Data-quality maths against independent computations on the same vectors: scikit-learn's
LocalOutlierFactor, NearestNeighbors, cross_val_score / cross_val_predict and metrics, and brute-force
numpy scans; plus bad input and stopping between steps."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import confusion_matrix, precision_score, recall_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict, cross_val_score
from sklearn.neighbors import LocalOutlierFactor, NearestNeighbors

from explorer.core.progress import Progress, run_to_end
from explorer.core.quality import (
    duplicates,
    encode_labels,
    knn_graph,
    label_issues,
    outliers,
    probe,
)


def blobs(n: int = 600, dim: int = 16, centres: int = 6, seed: int = 0, spread: float = 1.0):
    rng = np.random.default_rng(seed)
    middles = rng.standard_normal((centres, dim)) * 3
    which = rng.integers(0, centres, n)
    rows = middles[which] + spread * rng.standard_normal((n, dim))
    rows *= rng.uniform(0.5, 2.0, (n, 1))
    return rows.astype(np.float32), which


def brute_knn(vectors: np.ndarray, k: int, metric: str) -> tuple[np.ndarray, np.ndarray]:
    x = vectors.astype(np.float64)
    if metric == "cosine":
        units = x / np.linalg.norm(x, axis=1, keepdims=True)
        dist = 1 - units @ units.T
    else:
        dist = np.sqrt(np.maximum(((x[:, None, :] - x[None, :, :]) ** 2).sum(-1), 0))
    np.fill_diagonal(dist, np.inf)
    order = np.argsort(dist, axis=1)[:, :k]
    return order, np.take_along_axis(dist, order, axis=1)


# ------------------------------------------------------------------------------ kNN graph


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
def test_knn_graph_equals_brute_force(metric):
    vectors, _ = blobs(400)
    graph = run_to_end(knn_graph(vectors, 7, metric, exact=True, block_rows=64))
    want_ids, want_dist = brute_knn(vectors, 7, metric)
    assert graph.search == "exact" and graph.indices.shape == (400, 7)
    np.testing.assert_array_equal(graph.indices, want_ids)
    np.testing.assert_allclose(graph.distances, want_dist, atol=1e-6)
    assert not (graph.indices == np.arange(400)[:, None]).any()


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
def test_knn_graph_through_the_index_finds_nearly_all_and_measures_exactly(metric):
    vectors, _ = blobs(3000, dim=24, centres=30)
    graph = run_to_end(knn_graph(vectors, 10, metric, exact=False))
    want_ids, _ = brute_knn(vectors, 10, metric)
    hits = sum(len(set(a) & set(b)) for a, b in zip(graph.indices.tolist(), want_ids.tolist()))
    assert hits / want_ids.size >= 0.95
    assert "approximate" in graph.search
    assert not (graph.indices == np.arange(3000)[:, None]).any()
    # whatever was found, its distance is the true one
    x = vectors.astype(np.float64)
    if metric == "cosine":
        units = x / np.linalg.norm(x, axis=1, keepdims=True)
        true = 1 - np.einsum("ij,ikj->ik", units, units[graph.indices])
    else:
        true = np.linalg.norm(x[:, None, :] - x[graph.indices], axis=2)
    np.testing.assert_allclose(graph.distances, true, atol=1e-5)
    assert (np.diff(graph.distances, axis=1) >= 0).all()


# ------------------------------------------------------------------------------ outliers


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
def test_lof_equals_scikit_learn(metric):
    vectors, _ = blobs(500)
    vectors[:5] *= np.float32(-0.3)  # a few far away
    result = run_to_end(outliers(vectors, "lof", k=20, metric=metric))
    reference = LocalOutlierFactor(n_neighbors=20, metric=metric).fit(vectors)
    np.testing.assert_allclose(result.scores, -reference.negative_outlier_factor_, rtol=1e-5)
    assert result.order[0] == int(np.argmax(result.scores))
    assert (np.diff(result.scores[result.order]) <= 0).all()


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
def test_knn_outlier_score_is_the_mean_distance_to_the_k_nearest(metric):
    vectors, _ = blobs(300)
    result = run_to_end(outliers(vectors, "knn", k=5, metric=metric))
    distances, _ = NearestNeighbors(n_neighbors=5, metric=metric).fit(vectors).kneighbors()
    np.testing.assert_allclose(result.scores, distances.mean(axis=1), rtol=1e-5)
    assert result.method == "knn" and result.k == 5 and result.metric == metric


def test_outliers_bad_input_one_line():
    vectors, _ = blobs(30)
    for call, words in [(lambda: outliers(vectors, k=30), "at most 29"),
                        (lambda: outliers(vectors, k=0), "at least 1"),
                        (lambda: outliers(vectors, method="iforest"), "lof, knn"),
                        (lambda: outliers(vectors, metric="dot"), "cosine, euclidean"),
                        (lambda: outliers(vectors[0], k=2), "2-D")]:
        with pytest.raises(ValueError, match=words) as error:
            call()
        assert "\n" not in str(error.value)


def test_outlier_job_stops_between_blocks():
    vectors, _ = blobs(2000)
    job = knn_graph(vectors, 5, exact=True, block_rows=256)
    steps = [next(job) for _ in range(3)]
    assert all(isinstance(step, Progress) for step in steps)
    assert steps[0].fraction < steps[2].fraction < 1
    job.close()  # stops between blocks, no error
    with pytest.raises(StopIteration):
        next(job)


# ------------------------------------------------------------------------------ duplicates


def brute_pairs(vectors: np.ndarray, threshold: float) -> set[tuple[int, int]]:
    x = vectors.astype(np.float64)
    units = x / np.linalg.norm(x, axis=1, keepdims=True)
    cos = units @ units.T
    rows, cols = np.nonzero(np.triu(cos >= threshold, k=1))
    return set(zip(rows.tolist(), cols.tolist()))


def planted_duplicates(seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = rng.standard_normal((700, 32)).astype(np.float32)
    for source, copies in [(3, [10, 20, 30]), (50, [51]), (100, [400, 401, 402, 650]), (7, [8])]:
        for copy in copies:
            base[copy] = base[source] * rng.uniform(0.5, 3) + 0.08 * rng.standard_normal(32)
    base[600] = base[601] * 2  # exactly the same direction
    return base


@pytest.mark.parametrize("threshold", [0.95, 0.99, 0.5])
def test_duplicates_equal_a_brute_force_scan(threshold):
    vectors = planted_duplicates()
    # a small block size: many blocks, each meeting the upper triangle only
    result = run_to_end(duplicates(vectors, threshold, block_bytes=40 * 4 * 700))
    want = brute_pairs(vectors, threshold)
    assert set(map(tuple, result.pairs.tolist())) == want
    assert len(result.pairs) == len(want)
    x = vectors.astype(np.float64)
    for (i, j), sim in zip(result.pairs.tolist(), result.similarities):
        assert sim == pytest.approx(x[i] @ x[j] / np.linalg.norm(x[i]) / np.linalg.norm(x[j]), abs=1e-12)
        assert result.group[i] == result.group[j] >= 0


def test_duplicate_groups_are_connected_components():
    vectors = planted_duplicates()
    result = run_to_end(duplicates(vectors, 0.95))
    groups = [sorted(group.tolist()) for group in result.groups]
    assert [3, 10, 20, 30] in groups and [100, 400, 401, 402, 650] in groups
    assert [50, 51] in groups and [7, 8] in groups and [600, 601] in groups
    assert groups[0] == [100, 400, 401, 402, 650]  # largest first
    assert [len(g) for g in groups] == sorted((len(g) for g in groups), reverse=True)
    in_groups = set().union(*map(set, groups))
    assert (result.group >= 0).sum() == len(in_groups)
    assert result.group[0] == -1 and np.isnan(result.best[0])
    assert result.best[600] == pytest.approx(1.0)


def test_duplicates_bad_input_and_too_many_pairs():
    vectors = planted_duplicates()
    for threshold in (0, -0.5, 1.5):
        with pytest.raises(ValueError, match="above 0 and at most 1"):
            duplicates(vectors, threshold)
    with pytest.raises(ValueError, match="raise the threshold"):
        run_to_end(duplicates(np.ones((50, 4), dtype=np.float32), 0.9, max_pairs=100))
    with pytest.raises(ValueError, match="at least 2 items"):
        duplicates(vectors[:1], 0.9)


# ------------------------------------------------------------------------------ probe


def protocol(folds: int = 5, seed: int = 0) -> StratifiedKFold:
    return StratifiedKFold(folds, shuffle=True, random_state=seed)


@pytest.mark.parametrize(("folds", "seed"), [(5, 0), (3, 7)])
def test_probe_accuracy_equals_cross_val_score(folds, seed):
    vectors, which = blobs(400, centres=4, spread=3.0)
    labels = np.array(["a", "b", "c", "d"])[which]
    result = run_to_end(probe(vectors, labels, folds=folds, seed=seed))
    scores = cross_val_score(LogisticRegression(max_iter=1000), vectors, labels, cv=protocol(folds, seed))
    assert result.accuracy == pytest.approx(scores.mean(), abs=1e-12)
    np.testing.assert_allclose(result.fold_accuracies, scores)
    predicted = cross_val_predict(LogisticRegression(max_iter=1000), vectors, labels,
                                  cv=protocol(folds, seed))
    classes = list(result.classes)
    assert classes == ["a", "b", "c", "d"]
    np.testing.assert_array_equal(result.confusion, confusion_matrix(labels, predicted, labels=classes))
    np.testing.assert_allclose(result.precision, precision_score(labels, predicted, average=None,
                                                                 labels=classes, zero_division=0))
    np.testing.assert_allclose(result.recall, recall_score(labels, predicted, average=None, labels=classes))
    assert result.baseline == pytest.approx(np.bincount(which).max() / len(which))
    assert result.directions.shape == (4, 16)
    np.testing.assert_allclose(np.linalg.norm(result.directions, axis=1), 1)


def test_probe_selection_against_the_rest_has_one_direction():
    vectors, which = blobs(300, centres=3)
    labels = np.where(which == 1, "selected", "rest")
    result = run_to_end(probe(vectors, labels))
    folds = protocol(5).split(vectors, labels)
    mean = np.mean([LogisticRegression(max_iter=1000).fit(vectors[train], labels[train]).coef_[0]
                    for train, _ in folds], axis=0)
    assert result.directions.shape == (1, 16)
    np.testing.assert_allclose(result.directions[0], mean / np.linalg.norm(mean), rtol=1e-5)
    # it points towards "selected" (classes sorted: rest, selected)
    assert list(result.classes) == ["rest", "selected"]
    assert (vectors[which == 1] @ result.directions[0]).mean() > (vectors[which != 1] @ result.directions[0]).mean()
    np.testing.assert_allclose(result.probabilities.sum(axis=1), 1)
    assert result.accuracy > 0.9


def test_items_without_a_label_are_left_out():
    vectors, which = blobs(300, centres=3)
    labels = np.array(["x", "y", "z"], dtype=object)[which]
    labels[:20] = ""
    labels[20:30] = None
    result = run_to_end(probe(vectors, labels, folds=3))
    keep = np.arange(30, 300)
    scores = cross_val_score(LogisticRegression(max_iter=1000), vectors[keep],
                             labels[keep].astype(str), cv=protocol(3))
    assert result.accuracy == pytest.approx(scores.mean())
    assert np.isnan(result.probabilities[:30]).all() and not np.isnan(result.probabilities[30:]).any()
    codes, classes, mask = encode_labels(np.array([1.0, np.nan, 2.0, 1.0]))
    assert list(classes) == ["1.0", "2.0"] and list(mask) == [True, False, True, True]
    assert list(codes) == [0, -1, 1, 0]


def test_probe_bad_input_one_line():
    vectors, _ = blobs(50)
    with pytest.raises(ValueError, match="has 1 class"):
        probe(vectors, ["same"] * 50)
    with pytest.raises(ValueError, match="has 0 class"):
        probe(vectors, [""] * 50)
    with pytest.raises(ValueError, match="50 items"):
        probe(vectors, ["a", "b"] * 10)
    with pytest.raises(ValueError, match="folds"):
        probe(vectors, ["a", "b"] * 25, folds=1)
    with pytest.raises(ValueError, match="two classes with 2 or more"):
        probe(vectors, ["a"] * 49 + ["b"])
    with pytest.raises(ValueError, match="at least 30 items"):
        probe(vectors, ["a", "b"] * 25, folds=30)


# ------------------------------------------------------------------------------ label issues


def flipped_digits_like(seed: int = 0):
    vectors, which = blobs(600, dim=20, centres=5, spread=1.5, seed=seed)
    labels = which.copy()
    rng = np.random.default_rng(seed)
    flipped = rng.choice(600, size=18, replace=False)
    labels[flipped] = (labels[flipped] + rng.integers(1, 5, size=18)) % 5
    return vectors, np.array([f"class {c}" for c in labels]), flipped


def test_label_issues_equal_out_of_fold_probabilities_and_neighbour_shares():
    vectors, labels, flipped = flipped_digits_like()
    result = run_to_end(label_issues(vectors, labels, k=10, folds=5, seed=3))
    probabilities = cross_val_predict(LogisticRegression(max_iter=1000), vectors, labels,
                                      cv=protocol(5, 3), method="predict_proba")
    codes = np.searchsorted(result.classes, labels)
    np.testing.assert_allclose(result.self_confidence, probabilities[np.arange(600), codes], rtol=1e-9)
    neighbours, _ = brute_knn(vectors, 10, "cosine")
    np.testing.assert_allclose(result.disagreement, (labels[neighbours] != labels[:, None]).mean(axis=1))
    # most flipped labels are among the first ranked
    assert len(set(result.order[:30].tolist()) & set(flipped.tolist())) >= 14
    assert (result.suggested[flipped] != codes[flipped]).mean() >= 0.7
    assert (np.diff(result.self_confidence[result.order]) >= 0).all()


def test_label_issues_bad_input():
    vectors, labels, _ = flipped_digits_like()
    with pytest.raises(ValueError, match="at most 599"):
        label_issues(vectors, labels, k=600)
    with pytest.raises(ValueError, match="1 class"):
        label_issues(vectors, ["one"] * 600)
