"""Map labels: regions, their names (against core.clusters and brute force), records, placement."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from explorer.core import EmbeddingSet
from explorer.core.clusters import label_by_ctfidf
from explorer.core.labels import (
    BROAD,
    FINE,
    LabelError,
    MapLabels,
    _TermCounts,
    boxes_intersect,
    category_labels,
    label_priority,
    labels_for,
    place_labels,
    regions,
    shown_at_zoom,
    topic_labels,
)
from explorer.core.progress import run_to_end


def blobs(n_per: int = 200, centres=((0, 0), (10, 0), (0, 10), (10, 10)), seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.normal(c, 0.5, size=(n_per, 2)) for c in centres])


def test_regions_find_separated_blobs_like_scikit_learn():
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score

    xy = blobs()
    truth = np.repeat(np.arange(4), 200)
    ours = regions(xy, 4, seed=1)
    assert adjusted_rand_score(truth, ours) == 1.0
    theirs = KMeans(4, n_init=4, random_state=0).fit_predict(xy)
    assert adjusted_rand_score(theirs, ours) == 1.0
    assert sorted(np.unique(ours).tolist()) == [0, 1, 2, 3]
    # more regions than points: one per point at most, ids dense
    assert len(np.unique(regions(xy[:3], 10))) == 3


def test_ctfidf_names_equal_core_clusters():
    rng = np.random.default_rng(3)
    vocab = ["love", "romance", "kiss", "gun", "chase", "explosion", "alien", "space", "robot"]
    labels = rng.integers(0, 3, 300)
    texts = [" ".join(rng.choice(vocab[3 * c:3 * c + 3] + vocab, 6)) for c in labels]
    ids = sorted(set(labels.tolist()))
    ours = _TermCounts(texts).names(labels, ids, 3)
    reference = label_by_ctfidf(labels, texts, top_n=3)
    assert {c: ", ".join(terms) for c, terms in ours.items()} == {c: reference[c].name for c in ids}


def test_topic_labels_two_levels_on_member_points():
    xy = blobs(300)
    words = np.array([f"w{i}" for i in range(len(xy))])
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(len(xy), 8)).astype(np.float32)
    labels = run_to_end(topic_labels(xy, vectors=vectors, words=words, projection="umap"))
    assert set(labels.level.tolist()) == {BROAD, FINE}
    assert (labels.level == FINE).sum() > (labels.level == BROAD).sum()
    for anchor in labels.xy:  # every anchor is one of the points
        assert np.min(np.hypot(*(xy - anchor).T)) == 0
    broad = labels.level == BROAD
    assert labels.size[broad].sum() == len(xy)  # broad regions partition the map
    # names are the member words nearest each region's centroid (checked by brute force for one)
    i = int(np.flatnonzero(broad)[0])
    first = labels.texts[i].split(", ")[0]
    assert first in words
    # fine labels do not repeat the words of the broad region around them
    for j in np.flatnonzero(~broad):
        parent = min(np.flatnonzero(broad), key=lambda b: np.hypot(*(labels.xy[b] - labels.xy[j])))
        assert labels.texts[j] != labels.texts[parent]


def test_majority_labels_for_a_label_column():
    xy = blobs(100)
    column = np.repeat(["zero", "one", "two", "three"], 100)
    labels = run_to_end(topic_labels(xy, column=column))
    broad = [t for t, lv in zip(labels.texts, labels.level) if lv == BROAD]
    assert sorted(set(broad)) == ["one", "three", "two", "zero"]


def test_category_labels_at_each_island():
    xy = blobs(100, centres=((0, 0), (20, 0), (0, 20)))
    column = np.array(["a"] * 100 + ["b"] * 100 + ["a"] * 100)  # "a" lives on two islands
    labels = run_to_end(category_labels(xy, column, "kind", "pca"))
    assert labels.source == "column:kind"
    assert sorted(labels.texts) == ["a", "a", "b"]
    a_levels = sorted(lv for t, lv in zip(labels.texts, labels.level) if t == "a")
    assert a_levels == [BROAD, FINE]


def test_labels_for_by_modality_and_bad_input():
    rng = np.random.default_rng(0)
    xy = blobs(50)
    emb = EmbeddingSet(rng.normal(size=(len(xy), 4)).astype(np.float32), [str(i) for i in range(len(xy))],
                       [f"w{i}" for i in range(len(xy))], modality="image")
    with pytest.raises(LabelError, match="label column"):
        labels_for(emb, xy)
    emb.metadata["digit"] = np.repeat(["0", "1", "2", "3"], 50)
    assert run_to_end(labels_for(emb, xy)).source == "topics"
    assert run_to_end(labels_for(emb, xy, "column:digit")).source == "column:digit"
    with pytest.raises(LabelError):
        labels_for(emb, xy, "column:nope")
    with pytest.raises(LabelError, match="NaN"):
        topic_labels(np.array([[0.0, np.nan]]), column=["a"])
    with pytest.raises(LabelError, match="entries"):
        topic_labels(xy, column=["a"])


def test_record_round_trip_and_malformed_records():
    labels = run_to_end(topic_labels(blobs(50), column=np.repeat(list("abcd"), 50), projection="p"))
    back = MapLabels.from_record(labels.to_record())
    assert back.texts == labels.texts and np.array_equal(back.xy, labels.xy)
    assert np.array_equal(back.level, labels.level) and back.projection == "p"
    record = labels.to_record()
    record["level"] = record["level"][:-1]
    with pytest.raises(LabelError, match="lengths"):
        MapLabels.from_record(record)
    with pytest.raises(LabelError):
        MapLabels.from_record({"texts": 3})


def test_placement_never_overlaps_and_prefers_priority():
    rng = np.random.default_rng(7)
    centres = rng.uniform(0, 800, size=(400, 2))
    sizes = rng.uniform([30, 12], [160, 20], size=(400, 2))
    boxes = np.column_stack([centres - sizes / 2, centres + sizes / 2])
    priority = rng.uniform(size=400)
    kept = place_labels(boxes, priority, viewport=(0, 0, 800, 800), gap=0)
    assert 10 < len(kept) < 400
    for a, b in itertools.combinations(kept.tolist(), 2):  # brute force: no two kept boxes meet
        (ax0, ay0, ax1, ay1), (bx0, by0, bx1, by1) = boxes[a], boxes[b]
        assert ax1 <= bx0 or bx1 <= ax0 or ay1 <= by0 or by1 <= ay0
    assert all(0 <= boxes[k, 0] and boxes[k, 2] <= 800 and 0 <= boxes[k, 1] and boxes[k, 3] <= 800 for k in kept)
    # every rejected box inside the viewport meets a kept box of higher priority
    for r in set(range(400)) - set(kept.tolist()):
        if boxes[r, 0] < 0 or boxes[r, 1] < 0 or boxes[r, 2] > 800 or boxes[r, 3] > 800:
            continue
        better = [k for k in kept if priority[k] > priority[r]]
        assert boxes_intersect(boxes[r], boxes[better]).any()
    # the most important label that fits the viewport is placed first
    fits = (boxes[:, 0] >= 0) & (boxes[:, 1] >= 0) & (boxes[:, 2] <= 800) & (boxes[:, 3] <= 800)
    assert kept[0] == int(np.flatnonzero(fits)[np.argmax(priority[fits])])


def test_placement_respects_obstacles_and_gap():
    boxes = np.array([[0, 0, 10, 10], [11, 0, 20, 10]], dtype=float)
    assert place_labels(boxes, [2, 1], gap=0).tolist() == [0, 1]
    assert place_labels(boxes, [2, 1], gap=1).tolist() == [0]  # 1 px apart is not enough with a gap
    assert place_labels(boxes, [2, 1], obstacles=np.array([[5, 5, 6, 6]]), gap=0).tolist() == [1]


def test_levels_follow_zoom_and_priority_puts_broad_first():
    level = np.array([BROAD, FINE, FINE])
    assert shown_at_zoom(level, [300, 100, 400], 1000).tolist() == [True, False, True]
    assert shown_at_zoom(level, [3000, 100, 400], 1000).tolist() == [False, False, True]
    labels = MapLabels("topics", "p", ["a", "b", "c"], np.zeros((3, 2)), np.ones(3),
                       np.array([5, 900, 10]), level)
    assert np.argsort(-label_priority(labels)).tolist() == [0, 1, 2]
