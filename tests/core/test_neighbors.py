from __future__ import annotations

import numpy as np
import pytest

from explorer.core.neighbors import nearest


@pytest.fixture(scope="module")
def vectors():
    return np.random.default_rng(7).standard_normal((500, 24)).astype(np.float32)


def by_hand(vectors, query, metric):
    v, q = vectors.astype(np.float64), query.astype(np.float64)
    if metric == "cosine":
        s = (v @ q) / (np.linalg.norm(v, axis=1) * np.linalg.norm(q))
        return np.argsort(-s, kind="stable"), s
    if metric == "dot":
        s = v @ q
        return np.argsort(-s, kind="stable"), s
    d = np.sqrt(((v - q) ** 2).sum(axis=1))
    return np.argsort(d, kind="stable"), d


@pytest.mark.parametrize("metric", ["cosine", "dot", "euclidean"])
def test_matches_brute_force(vectors, metric):
    query = vectors[3] + 0.1
    result = nearest(vectors, query, k=15, metric=metric)
    order, scores = by_hand(vectors, query, metric)
    assert result.indices.tolist() == order[:15].tolist()
    np.testing.assert_allclose(result.scores, scores[order[:15]], rtol=1e-4, atol=1e-4)


def test_exclude_removes_the_query_item(vectors):
    result = nearest(vectors, vectors[10], k=5, exclude=[10])
    assert 10 not in result.indices.tolist()
    assert len(result.indices) == 5


def test_matches_gensim_most_similar_on_glove():
    from gensim.models import KeyedVectors

    from explorer.embedders.word_vectors import load_bundled_glove

    words, vectors = load_bundled_glove(5000)
    kv = KeyedVectors(vector_size=vectors.shape[1])
    kv.add_vectors(words, vectors)
    theirs = kv.most_similar("king", topn=10)
    index = words.index("king")
    ours = nearest(vectors, vectors[index], k=10, exclude=[index])
    assert [words[i] for i in ours.indices] == [w for w, _ in theirs]
    np.testing.assert_allclose(ours.scores, [s for _, s in theirs], atol=1e-5)


def test_bad_metric_and_dimension_are_reported(vectors):
    with pytest.raises(ValueError, match="unknown metric"):
        nearest(vectors, vectors[0], metric="manhattan")
    with pytest.raises(ValueError, match="dimensions"):
        nearest(vectors, np.ones(3), k=3)
