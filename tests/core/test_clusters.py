"""Clustering jobs, silhouettes and cluster names, against scikit-learn and by-hand numpy."""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
from sklearn.metrics import adjusted_rand_score, silhouette_score

from explorer.core.clusters import (
    DEFAULTS,
    cluster,
    cluster_labels,
    ctfidf,
    silhouette_of,
)
from explorer.core.progress import Progress, run_to_end


@pytest.fixture(scope="module")
def blobs():
    x, y = make_blobs(n_samples=400, n_features=8, centers=4, cluster_std=0.6,
                      center_box=(-15, 15), random_state=4)
    return x.astype(np.float32), y


def run(vectors, method, **params):
    return run_to_end(cluster(vectors, method, **params))


@pytest.mark.parametrize("method,params", [
    ("kmeans", {"n_clusters": 4}),
    ("agglomerative", {"n_clusters": 4}),
    ("agglomerative", {"n_clusters": 4, "linkage": "average", "metric": "cosine"}),
    ("hdbscan", {"min_cluster_size": 20}),
])
def test_well_separated_blobs_are_found(blobs, method, params):
    x, y = blobs
    result = run(x, method, **params)
    assert adjusted_rand_score(y, result.labels) == 1.0
    assert result.n_clusters == 4 and result.n_noise == 0
    assert sum(result.sizes.values()) == len(x)
    assert result.params == {**DEFAULTS[method], **params}


def test_silhouette_equals_sklearn(blobs):
    x, _ = blobs
    result = run(x, "kmeans", n_clusters=4)
    assert result.silhouette == pytest.approx(
        silhouette_score(x, result.labels, metric="cosine"), abs=1e-12)
    # above the sample size the score uses sklearn's seeded sample
    assert silhouette_of(x, result.labels, sample=150, seed=3) == pytest.approx(
        silhouette_score(x, result.labels, metric="cosine", sample_size=150, random_state=3),
        abs=1e-12)


def test_one_cluster_has_no_silhouette(blobs):
    assert run(blobs[0], "kmeans", n_clusters=1).silhouette is None


def test_hdbscan_marks_noise_and_scores_without_it(blobs):
    x, y = blobs
    rng = np.random.default_rng(0)
    far = rng.uniform(-60, 60, size=(15, x.shape[1])).astype(np.float32)
    data = np.vstack([x, far])
    result = run(data, "hdbscan", min_cluster_size=20)
    assert np.all(result.labels[len(x):] == -1)  # the scattered points are noise
    assert adjusted_rand_score(y, result.labels[: len(x)]) == 1.0  # the blobs are not
    assert result.n_noise == result.sizes[-1] == len(far)
    kept = result.labels != -1
    assert result.silhouette == pytest.approx(
        silhouette_score(data[kept], result.labels[kept], metric="cosine"), abs=1e-12)


def test_job_reports_progress_before_and_after(blobs):
    job = cluster(blobs[0], "kmeans", n_clusters=4)
    steps = []
    try:
        while True:
            steps.append(next(job))
    except StopIteration as stop:
        result = stop.value
    assert all(isinstance(s, Progress) for s in steps)
    assert [s.done for s in steps] == [0, 1, 2] and steps[0].message.startswith("Clustering")
    assert len(result.labels) == len(blobs[0])


def test_parameters_are_checked_at_once(blobs):
    x = blobs[0]
    with pytest.raises(ValueError, match="unknown clustering method"):
        cluster(x, "dbscan")
    with pytest.raises(ValueError, match=r"unknown parameter\(s\) for kmeans: k; valid: n_clusters"):
        cluster(x, "kmeans", k=3)
    with pytest.raises(ValueError, match="ward linkage needs metric='euclidean'"):
        cluster(x, "agglomerative", metric="cosine")
    with pytest.raises(ValueError, match="n_clusters must be an integer >= 1"):
        cluster(x, "kmeans", n_clusters=0)
    with pytest.raises(ValueError, match="only 400 points"):
        cluster(x, "kmeans", n_clusters=500)
    with pytest.raises(ValueError, match="exactly one of n_clusters and distance_threshold"):
        cluster(x, "agglomerative", distance_threshold=3.0)
    with pytest.raises(ValueError, match="min_cluster_size must be an integer >= 2"):
        cluster(x, "hdbscan", min_cluster_size=1)
    tree_cut = run(x, "agglomerative", n_clusters=None, distance_threshold=50.0)
    assert tree_cut.n_clusters >= 1


CATS = ["The cat sat on the mat", "My cat chases a mouse", "Cats purr and the cat sleeps",
        "A kitten is a young cat"]
CARS = ["The car needs fuel", "My car engine is loud", "Cars need oil and the car needs tyres",
        "An electric car has a battery"]


def test_ctfidf_names_cats_and_cars():
    texts, labels = CATS + CARS, np.array([0] * 4 + [1] * 4)
    names = cluster_labels(labels, texts=texts, top_n=2)
    assert names[0].terms[0][0] == "cat" and names[1].terms[0][0] == "car"
    assert names[0].name.startswith("cat") and names[0].size == 4


def test_ctfidf_equals_by_hand_numpy():
    texts, labels = CATS + CARS, np.array([0] * 4 + [1] * 4)
    clusters, vocabulary, scores = ctfidf(labels, texts)
    counts = []
    for c in (0, 1):
        tokens = [t for text in np.array(texts)[labels == c]
                  for t in re.findall(r"(?u)\b\w\w+\b", text.lower())
                  if t not in ENGLISH_STOP_WORDS]
        counts.append(Counter(tokens))
    terms = sorted(set(counts[0]) | set(counts[1]))
    matrix = np.array([[cnt[t] for t in terms] for cnt in counts], dtype=float)
    tf = matrix / matrix.sum(axis=1, keepdims=True)
    average = int(matrix.sum(axis=1).mean())  # BERTopic truncates the average
    idf = np.log(1 + average / matrix.sum(axis=0))
    assert clusters == [0, 1] and vocabulary == terms
    np.testing.assert_allclose(scores, tf * idf, rtol=1e-12)


def test_majority_and_centroid_names():
    labels = np.array([0, 0, 0, 1, 1, -1])
    column = ["pos", "pos", "neg", "neg", "neg", "pos"]
    names = cluster_labels(labels, column=column)
    assert names[0].name == "pos (67%)" and names[1].name == "neg (100%)"
    assert names[0].terms == [("pos", 2 / 3), ("neg", 1 / 3)]

    vectors = np.array([[1, 0.1], [1, 0], [1, -0.3], [0, 1], [0.2, 1], [-1, -1]], dtype=float)
    words = ["a", "b", "c", "d", "e", "f"]
    names = cluster_labels(labels, vectors=vectors, words=words, top_n=2)
    units = vectors[:3] / np.linalg.norm(vectors[:3], axis=1, keepdims=True)
    centre = units.mean(axis=0)
    sims = units @ centre / np.linalg.norm(centre)
    assert [w for w, _ in names[0].terms] == [words[i] for i in np.argsort(-sims)[:2]]
    assert names[0].terms[0][1] == pytest.approx(sims.max())
    with pytest.raises(ValueError, match="texts, a label column, or vectors"):
        cluster_labels(labels)
    with pytest.raises(ValueError, match="column has 2 entries"):
        cluster_labels(labels, column=["a", "b"])
