"""Clustering of embedding vectors (scikit-learn) and automatic names for the clusters.

``cluster`` checks its parameters at once and returns a job generator (see core.progress).
``cluster_labels`` names clusters: by class-based TF-IDF over their texts (BERTopic's c-TF-IDF),
by the majority value of a label column, or by the member words nearest the centroid.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from explorer.core.neighbors import unit_rows
from explorer.core.parameters import with_defaults
from explorer.core.progress import Job, Progress

METHODS = ("kmeans", "hdbscan", "agglomerative")
NOISE = -1
SILHOUETTE_SAMPLE = 5000
# Agglomerative clustering keeps all pairwise distances: about 8 * N^2 / 2 bytes.
MAX_AGGLOMERATIVE = 20000

DEFAULTS: dict[str, dict[str, Any]] = {
    "kmeans": {"n_clusters": 8, "n_init": 4, "max_iter": 300, "seed": 0, "normalize": False},
    "hdbscan": {
        "min_cluster_size": 10,
        "min_samples": None,
        "cluster_selection_epsilon": 0.0,
        "cluster_selection_method": "eom",
        "metric": "euclidean",
        "seed": 0,  # only for the silhouette sample
        "normalize": False,
    },
    "agglomerative": {
        "n_clusters": 8,
        "linkage": "ward",
        "metric": "euclidean",
        "distance_threshold": None,
        "seed": 0,  # only for the silhouette sample
        "normalize": False,
    },
}
LINKAGES = ("ward", "complete", "average", "single")
AGGLOMERATIVE_METRICS = ("euclidean", "cosine", "manhattan")
HDBSCAN_METRICS = ("euclidean", "manhattan")
SELECTION_METHODS = ("eom", "leaf")
LABELS = {"kmeans": "k-means", "hdbscan": "HDBSCAN", "agglomerative": "agglomerative clustering"}


@dataclass
class ClusterResult:
    labels: np.ndarray  # (N,) int64; -1 marks noise (hdbscan only)
    method: str
    params: dict[str, Any]
    silhouette: float | None  # cosine, noise left out; None with fewer than 2 clusters
    n_clusters: int  # noise not counted
    n_noise: int
    sizes: dict[int, int] = field(default_factory=dict)


def cluster_params(method: str, **overrides: Any) -> dict[str, Any]:
    """The full parameter set for ``method``: defaults with ``overrides`` checked and applied."""
    params = with_defaults("clustering", DEFAULTS, method, overrides)
    _check(method, params)
    return params


def _check(method: str, p: dict[str, Any]) -> None:
    def need_int(name: str, low: int, allow_none: bool = False) -> None:
        value = p[name]
        if value is None and allow_none:
            return
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"{method}: {name} must be an integer >= {low}, got {value!r}")

    def need_choice(name: str, choices: Sequence[str]) -> None:
        if p[name] not in choices:
            raise ValueError(f"{method}: {name} must be one of {', '.join(choices)}, got {p[name]!r}")

    if method == "kmeans":
        need_int("n_clusters", 1)
        need_int("n_init", 1)
        need_int("max_iter", 1)
    elif method == "hdbscan":
        need_int("min_cluster_size", 2)
        need_int("min_samples", 1, allow_none=True)
        need_choice("metric", HDBSCAN_METRICS)
        need_choice("cluster_selection_method", SELECTION_METHODS)
        if p["cluster_selection_epsilon"] < 0:
            raise ValueError(f"{method}: cluster_selection_epsilon must be >= 0")
    else:
        need_choice("linkage", LINKAGES)
        need_choice("metric", AGGLOMERATIVE_METRICS)
        if p["linkage"] == "ward" and p["metric"] != "euclidean":
            raise ValueError("agglomerative: ward linkage needs metric='euclidean'; "
                             "use linkage='average' or 'complete' for other metrics")
        if (p["n_clusters"] is None) == (p["distance_threshold"] is None):
            raise ValueError("agglomerative: give exactly one of n_clusters and distance_threshold "
                             "(set n_clusters=None to cut the tree at a distance)")
        need_int("n_clusters", 1, allow_none=True)
        if p["distance_threshold"] is not None and p["distance_threshold"] < 0:
            raise ValueError("agglomerative: distance_threshold must be >= 0")


def cluster(vectors: np.ndarray, method: str = "kmeans", **params: Any) -> Job[ClusterResult]:
    """Cluster the rows of ``vectors``; parameters are checked now, the work runs as a job.

    ``normalize=True`` clusters unit-length rows, so Euclidean distances follow cosine ones.
    """
    params = cluster_params(method, **params)
    data = np.asarray(vectors, dtype=np.float32)
    if data.ndim != 2:
        raise ValueError(f"vectors must be a 2-D matrix, got shape {data.shape}")
    n = data.shape[0]
    wanted = params.get("n_clusters")
    if wanted is not None and wanted > n:
        raise ValueError(f"{method}: n_clusters={wanted} but there are only {n} points")
    if method == "hdbscan" and n < params["min_cluster_size"]:
        raise ValueError(f"hdbscan: min_cluster_size={params['min_cluster_size']} "
                         f"but there are only {n} points")
    if method == "agglomerative" and n > MAX_AGGLOMERATIVE:
        raise ValueError(f"agglomerative clustering of {n} points needs about "
                         f"{8 * n * n / 2 / 2**30:.0f} GiB; use k-means or hdbscan, "
                         f"or a sample of at most {MAX_AGGLOMERATIVE} points")
    return _cluster_job(data, method, params)


def _cluster_job(data: np.ndarray, method: str, params: dict[str, Any]) -> Job[ClusterResult]:
    yield Progress(0, 2, f"Clustering with {LABELS[method]}")
    points = unit_rows(data) if params["normalize"] else data
    labels = _fit(points, method, params)
    yield Progress(1, 2, "Scoring the clusters (silhouette)")
    silhouette = silhouette_of(data, labels, seed=params["seed"])
    kept = labels[labels != NOISE]
    ids, counts = np.unique(labels, return_counts=True)
    yield Progress(2, 2, "Clustering done")
    return ClusterResult(
        labels=labels,
        method=method,
        params=params,
        silhouette=silhouette,
        n_clusters=len(np.unique(kept)),
        n_noise=int(np.sum(labels == NOISE)),
        sizes={int(i): int(c) for i, c in zip(ids, counts)},
    )


def _fit(points: np.ndarray, method: str, p: dict[str, Any]) -> np.ndarray:
    from sklearn.cluster import HDBSCAN, AgglomerativeClustering, KMeans  # noqa: PLC0415

    if method == "kmeans":
        model = KMeans(n_clusters=p["n_clusters"], n_init=p["n_init"], max_iter=p["max_iter"],
                       random_state=p["seed"])
    elif method == "hdbscan":
        model = HDBSCAN(min_cluster_size=p["min_cluster_size"], min_samples=p["min_samples"],
                        cluster_selection_epsilon=float(p["cluster_selection_epsilon"]),
                        cluster_selection_method=p["cluster_selection_method"],
                        metric=p["metric"], copy=True)
    else:
        model = AgglomerativeClustering(n_clusters=p["n_clusters"], linkage=p["linkage"],
                                        metric=p["metric"],
                                        distance_threshold=p["distance_threshold"])
    return np.asarray(model.fit_predict(points), dtype=np.int64)


def silhouette_of(
    vectors: np.ndarray, labels: np.ndarray, sample: int = SILHOUETTE_SAMPLE, seed: int | None = 0
) -> float | None:
    """Mean cosine silhouette, noise points left out, on a seeded sample of at most ``sample``.

    None when fewer than two clusters (or every point its own cluster) remain.
    """
    from sklearn.metrics import silhouette_score  # noqa: PLC0415

    labels = np.asarray(labels)
    keep = labels != NOISE
    x, y = np.asarray(vectors)[keep], labels[keep]
    k = len(np.unique(y))
    if k < 2 or k > len(y) - 1:
        return None
    size = sample if len(y) > sample else None
    try:
        return float(silhouette_score(x, y, metric="cosine", sample_size=size, random_state=seed))
    except ValueError:  # the sample happened to hold a single cluster
        return None


# ------------------------------------------------------------------------------------------------
# Names for clusters


@dataclass
class ClusterLabel:
    cluster: int
    name: str
    size: int
    terms: list[tuple[str, float]]  # c-TF-IDF scores, label shares, or cosines to the centroid


def cluster_labels(
    labels: np.ndarray,
    *,
    texts: Sequence[str] | None = None,
    column: Sequence[Any] | None = None,
    vectors: np.ndarray | None = None,
    words: Sequence[str] | None = None,
    top_n: int = 3,
    stop_words: str | list[str] | None = "english",
) -> dict[int, ClusterLabel]:
    """A name for every cluster in ``labels`` (noise, -1, included).

    With ``column`` (a label per point): its majority value and share. With ``vectors`` and
    ``words`` (word sets): the member words nearest the cluster's centroid. With ``texts``:
    the most distinctive words by c-TF-IDF.
    """
    labels = np.asarray(labels)
    for name, values in (("texts", texts), ("column", column), ("words", words),
                         ("vectors", vectors)):
        if values is not None and len(values) != len(labels):
            raise ValueError(f"{name} has {len(values)} entries but there are {len(labels)} labels")
    if column is not None:
        return label_by_majority(labels, column, top_n)
    if vectors is not None and words is not None:
        return label_by_centroid(labels, vectors, words, top_n)
    if texts is not None:
        return label_by_ctfidf(labels, texts, top_n, stop_words)
    raise ValueError("give texts, a label column, or vectors with words to name the clusters")


def label_by_majority(labels: np.ndarray, column: Sequence[Any], top_n: int = 3) -> dict[int, ClusterLabel]:
    column = np.asarray(column)
    out = {}
    for c in _cluster_ids(labels):
        members = column[labels == c]
        counts = Counter(members.tolist()).most_common(top_n)
        shares = [(str(value), n / len(members)) for value, n in counts]
        value, share = shares[0]
        out[c] = ClusterLabel(c, f"{value} ({share:.0%})", len(members), shares)
    return out


def label_by_centroid(
    labels: np.ndarray, vectors: np.ndarray, words: Sequence[str], top_n: int = 3
) -> dict[int, ClusterLabel]:
    # centroid of unit rows: the member words with the highest cosine to it are the most typical
    units = unit_rows(np.asarray(vectors, dtype=np.float64))
    words = np.asarray(words).astype(str)
    out = {}
    for c in _cluster_ids(labels):
        mask = labels == c
        members = units[mask]
        centre = members.mean(axis=0)
        norm = np.linalg.norm(centre)
        sims = members @ (centre / norm if norm else centre)
        order = np.argsort(-sims, kind="stable")[:top_n]
        terms = [(str(words[mask][i]), float(sims[i])) for i in order]
        out[c] = ClusterLabel(c, ", ".join(t for t, _ in terms), int(mask.sum()), terms)
    return out


def label_by_ctfidf(
    labels: np.ndarray,
    texts: Sequence[str],
    top_n: int = 3,
    stop_words: str | list[str] | None = "english",
) -> dict[int, ClusterLabel]:
    clusters, vocabulary, scores = ctfidf(labels, texts, stop_words)
    sizes = Counter(np.asarray(labels).tolist())
    out = {}
    for row, c in enumerate(clusters):
        order = np.argsort(-scores[row], kind="stable")[:top_n]
        terms = [(vocabulary[i], float(scores[row, i])) for i in order if scores[row, i] > 0]
        name = ", ".join(t for t, _ in terms) or "(no words)"
        out[c] = ClusterLabel(c, "noise" if c == NOISE else name, sizes[c], terms)
    return out


def ctfidf(
    labels: np.ndarray, texts: Sequence[str], stop_words: str | list[str] | None = "english"
) -> tuple[list[int], list[str], np.ndarray]:
    """Class-based TF-IDF as in BERTopic's ClassTfidfTransformer (default settings).

    Each cluster's texts are joined into one document and counted (CountVectorizer with English
    stop words). tf = a term's count in the cluster / all words of the cluster; idf =
    log(1 + A / f) with f the term's count over all clusters and A the average number of words
    per cluster (truncated to an integer, as BERTopic does). Returns the cluster ids, the
    vocabulary and the (clusters, terms) score matrix.
    """
    from sklearn.feature_extraction.text import CountVectorizer  # noqa: PLC0415

    labels = np.asarray(labels)
    texts = np.asarray(texts, dtype=object)
    clusters = _cluster_ids(labels)
    documents = [" ".join(str(t) for t in texts[labels == c]) for c in clusters]
    vectorizer = CountVectorizer(stop_words=stop_words)
    try:
        counts = vectorizer.fit_transform(documents)
    except ValueError:  # nothing left but stop words
        return clusters, [], np.zeros((len(clusters), 0))
    counts = counts.toarray().astype(np.float64)
    words_per_cluster = counts.sum(axis=1)
    tf = counts / np.where(words_per_cluster == 0, 1, words_per_cluster)[:, None]
    average = int(words_per_cluster.mean())
    idf = np.log(1 + average / counts.sum(axis=0))
    return clusters, vectorizer.get_feature_names_out().tolist(), tf * idf


def _cluster_ids(labels: np.ndarray) -> list[int]:
    return [int(c) for c in np.unique(labels)]
