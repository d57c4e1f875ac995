"""WEAT against WEFE 1.0.1, and the direction probes against numpy by hand, on bundled GloVe."""

from __future__ import annotations

import itertools
import logging
import sys

import numpy as np
import pytest

from explorer.core.bias import (
    Direction,
    LostVocabularyError,
    direction_from_pair,
    direction_from_pairs,
    project_on_direction,
    weat,
    weat_presets,
)
from explorer.core.embedding_set import EmbeddingSet

pytest.importorskip("gensim")
pytest.importorskip("wefe")
from gensim.models import KeyedVectors  # noqa: E402
from wefe.datasets import load_weat  # noqa: E402
from wefe.metrics import WEAT  # noqa: E402
from wefe.preprocessing import get_embeddings_from_set  # noqa: E402
from wefe.query import Query  # noqa: E402
from wefe.word_embedding_model import WordEmbeddingModel  # noqa: E402

# WEFE computes cosines in float32 (sklearn keeps the float32 vectors), this module in float64:
# the two agree to ~2e-7 on GloVe, so 1e-6 is as close as float32 allows.
FLOAT32_TOLERANCE = 1e-6


@pytest.fixture(scope="module")
def glove():
    from explorer.embedders.word_vectors import load_bundled_glove

    words, vectors = load_bundled_glove(100000)  # the preset names need a larger vocabulary
    kv = KeyedVectors(vector_size=vectors.shape[1])
    kv.add_vectors(words, vectors)
    return words, vectors, kv, WordEmbeddingModel(kv, "glove-6B-50d")


@pytest.fixture(scope="module")
def presets():
    return {p.id: p for p in weat_presets()}


def wefe_run(model, x, y, a, b, lowercase=False, **kwargs):
    query = Query([x, y], [a, b], ["X", "Y"], ["A", "B"])
    preprocessors = [{}, {"lowercase": True}] if lowercase else [{}]
    return WEAT().run_query(query, model, return_effect_size=True, preprocessors=preprocessors,
                            **kwargs)


@pytest.mark.parametrize(
    "preset_id,lowercase,expected",
    [
        ("weat1", False, 1.1815),  # flowers / insects vs pleasant / unpleasant
        ("weat7", False, 1.5442),  # math / arts vs male / female terms
        ("weat6", True, 1.7638),  # male / female names vs career / family (names lower-cased)
        ("weat8", True, 1.5336),  # science / arts vs male / female terms (Einstein -> einstein)
    ],
)
def test_weat_equals_wefe(glove, presets, preset_id, lowercase, expected):
    *_, kv, model = glove
    sets = presets[preset_id].sets
    theirs = wefe_run(model, *sets, lowercase=lowercase)
    ours = weat(*sets, kv, lowercase_fallback=lowercase)
    assert ours.effect_size == pytest.approx(theirs["effect_size"], abs=FLOAT32_TOLERANCE)
    assert ours.statistic == pytest.approx(theirs["weat"], abs=FLOAT32_TOLERANCE)
    assert ours.effect_size == pytest.approx(expected, abs=1e-4)
    assert ours.std == "population"
    assert ours.p_value < 0.01 and ours.p_value_method == "sampled"


def test_effect_size_and_associations_by_hand(glove, presets):
    *_, kv, _ = glove
    x, y, a, b = presets["weat7"].sets

    def unit(w):
        v = kv[w].astype(np.float64)
        return v / np.linalg.norm(v)

    def s(w):
        return np.mean([unit(w) @ unit(t) for t in a]) - np.mean([unit(w) @ unit(t) for t in b])

    sx, sy = np.array([s(w) for w in x]), np.array([s(w) for w in y])
    for std, ddof in (("population", 0), ("sample", 1)):
        result = weat(x, y, a, b, kv, std=std)
        d = (sx.mean() - sy.mean()) / np.concatenate([sx, sy]).std(ddof=ddof)
        assert result.effect_size == pytest.approx(d, abs=1e-12)
        assert result.std == std
    assert result.statistic == pytest.approx(sx.sum() - sy.sum(), abs=1e-12)
    assert list(result.associations["X"].values()) == pytest.approx(sx.tolist(), abs=1e-12)
    assert list(result.associations["Y"]) == y


def test_exact_p_value_equals_enumeration_by_hand(glove):
    *_, kv, _ = glove
    x, y = ["rose", "tulip", "daisy", "lily"], ["wasp", "flea", "moth", "gnat"]
    a, b = ["love", "peace", "happy"], ["death", "filth", "agony"]
    result = weat(x, y, a, b, kv, permutations=10000)
    assert result.p_value_method == "exact" and result.partitions == 70  # C(8, 4)

    def s(w):
        cos = [kv.similarity(w, t) for t in a], [kv.similarity(w, t) for t in b]
        return float(np.mean(cos[0]) - np.mean(cos[1]))

    assoc = {w: s(w) for w in x + y}
    observed = sum(assoc[w] for w in x) - sum(assoc[w] for w in y)
    extreme = 0
    for xi in itertools.combinations(x + y, 4):
        yi = [w for w in x + y if w not in xi]
        if sum(assoc[w] for w in xi) - sum(assoc[w] for w in yi) >= observed - 1e-9:
            extreme += 1
    assert result.p_value == pytest.approx(extreme / 70, abs=0)
    assert result.p_value == 2 / 70  # only one split is more pleasant than the flowers

    sampled = weat(x, y, a, b, kv, permutations=60, seed=3)
    assert sampled.p_value_method == "sampled" and sampled.partitions == 60
    assert sampled.p_value == weat(x, y, a, b, kv, permutations=60, seed=3).p_value


def test_p_value_consistent_with_wefe(glove, presets, monkeypatch):
    """WEAT 9 (6 + 6 targets): our exact p-value and WEFE's sampled one (seeded, 200 runs)."""
    *_, kv, model = glove
    sets = presets["weat9"].sets
    ours = weat(*sets, kv)
    assert ours.p_value_method == "exact" and ours.partitions == 924
    numpy_random = sys.modules["numpy"].random
    seeded = numpy_random.default_rng
    monkeypatch.setattr(numpy_random, "default_rng",
                        lambda seed=None: seeded(20170414 if seed is None else seed))
    theirs = wefe_run(model, *sets, calculate_p_value=True, p_value_iterations=200)
    # WEFE draws its splits with replacement and adds one, so only rough agreement is expected
    assert abs(theirs["p_value"] - ours.p_value) < 0.05
    assert ours.effect_size == pytest.approx(theirs["effect_size"], abs=FLOAT32_TOLERANCE)


def test_missing_words_are_dropped_like_wefe(glove, presets, caplog):
    *_, kv, model = glove
    x, y, a, b = presets["weat7"].sets
    x = x[:7] + ["zzyzxq"]  # 1 of 8 missing: 12.5 %, allowed
    b = b + ["hers", "qqxv"]  # a duplicate and a missing word: 2 of 10 lost, 20 %, allowed
    theirs = wefe_run(model, x, y, a, b)
    ours = weat(x, y, a, b, kv)
    assert ours.missing == {"X": ["zzyzxq"], "Y": [], "A": [], "B": ["qqxv"]}
    assert ours.words["B"] == list(dict.fromkeys(b[:-1]))
    for name, words in zip("XYAB", (x, y, a, b)):
        not_found, _ = get_embeddings_from_set(WordEmbeddingModel(kv), words)
        assert ours.missing[name] == not_found
    assert ours.effect_size == pytest.approx(theirs["effect_size"], abs=FLOAT32_TOLERANCE)

    # one more missing word in X: 25 % lost; WEFE gives NaN, we refuse with the words named
    x2 = x[:6] + ["zzyzxq", "qqqxx"]
    with caplog.at_level(logging.CRITICAL):
        assert np.isnan(wefe_run(model, x2, y, a, b)["effect_size"])
    with pytest.raises(LostVocabularyError, match="zzyzxq, qqqxx") as info:
        weat(x2, y, a, b, kv)
    assert list(info.value.lost) == ["X"]
    # a duplicate counts as lost too (WEFE: len(set) - len(found)): 1 of 4 is over 20 %
    with caplog.at_level(logging.CRITICAL):
        assert np.isnan(wefe_run(model, x, y, a, ["she", "her", "hers", "her"])["effect_size"])
    with pytest.raises(LostVocabularyError):
        weat(x, y, a, ["she", "her", "hers", "her"], kv)
    # a looser threshold lets it through
    assert np.isfinite(weat(x2, y, a, b, kv, lost_vocabulary_threshold=0.3).effect_size)


def test_names_need_lowercase_fallback_on_glove(glove, presets):
    *_, kv, _ = glove
    with pytest.raises(LostVocabularyError, match="John"):
        weat(*presets["weat6"].sets, kv)


def test_embedding_set_lookup_matches_mapping(glove, presets):
    words, vectors, kv, _ = glove
    emb = EmbeddingSet(vectors[:40000], ids=[f"w{i}" for i in range(40000)], texts=words[:40000],
                       modality="word")
    sets = presets["weat7"].sets
    mapping = {w: vectors[i] for i, w in enumerate(words[:40000])}
    from_set, from_map = weat(*sets, emb), weat(*sets, mapping)
    assert from_set.effect_size == from_map.effect_size
    assert from_set.missing == from_map.missing


def test_bad_weat_arguments(glove):
    kv = glove[2]
    with pytest.raises(ValueError, match="std"):
        weat(["rose"], ["wasp"], ["love"], ["death"], kv, std="pooled")
    with pytest.raises(ValueError, match="empty"):
        weat([], ["wasp"], ["love"], ["death"], kv)


def test_presets_are_caliskans_ten_tests_with_wefe_lists(presets):
    assert list(presets) == [f"weat{i}" for i in range(1, 11)]
    wefe_sets = load_weat()
    first = presets["weat1"]
    assert (first.x_name, first.y_name, first.a_name, first.b_name) == (
        "Flowers", "Insects", "Pleasant", "Unpleasant")
    assert list(first.x_words) == wefe_sets["flowers"]
    assert list(first.b_words) == wefe_sets["unpleasant_5a"]
    assert list(presets["weat6"].a_words) == wefe_sets["career"]
    assert list(presets["weat3"].b_words) == wefe_sets["unpleasant_5b"]
    for preset in presets.values():
        assert all(preset.sets) and preset.description


BOLUKBASI_PAIRS = [("woman", "man"), ("girl", "boy"), ("she", "he"), ("mother", "father"),
                   ("daughter", "son"), ("gal", "guy"), ("female", "male"), ("her", "his"),
                   ("herself", "himself"), ("mary", "john")]


def test_direction_from_pairs_by_hand(glove):
    kv = glove[2]
    direction = direction_from_pairs(BOLUKBASI_PAIRS, kv)

    def unit(w):
        v = kv[w].astype(np.float64)
        return v / np.linalg.norm(v)

    rows = []
    for a, b in BOLUKBASI_PAIRS:
        centre = (unit(a) + unit(b)) / 2
        rows += [unit(a) - centre, unit(b) - centre]
    rows = np.array(rows)
    rows -= rows.mean(axis=0)
    values, vectors = np.linalg.eigh(rows.T @ rows)
    expected = vectors[:, -1]
    expected *= np.sign(expected @ (unit("woman") - unit("man")))
    np.testing.assert_allclose(direction.vector, expected, atol=1e-9)
    assert direction.explained_variance_ratio == pytest.approx(values[-1] / values.sum())
    assert direction.pairs == BOLUKBASI_PAIRS and direction.missing == []

    mean = direction_from_pairs(BOLUKBASI_PAIRS + [("qzxq", "man")], kv, method="mean")
    by_hand = np.mean([unit(a) - unit(b) for a, b in BOLUKBASI_PAIRS], axis=0)
    np.testing.assert_allclose(mean.vector, by_hand / np.linalg.norm(by_hand), atol=1e-12)
    assert mean.missing == ["qzxq"]


def test_direction_from_pair_and_projection_by_hand(glove):
    kv = glove[2]
    she, he = (kv[w].astype(np.float64) for w in ("she", "he"))
    unit_diff = she / np.linalg.norm(she) - he / np.linalg.norm(he)
    direction = direction_from_pair("she", "he", kv)
    np.testing.assert_allclose(direction.vector, unit_diff / np.linalg.norm(unit_diff), atol=1e-12)
    raw = direction_from_pair("she", "he", kv, normalize=False)
    np.testing.assert_allclose(raw.vector, (she - he) / np.linalg.norm(she - he), atol=1e-12)

    words = ["nurse", "engineer", "homemaker", "architect", "qqzzx"]
    scores = project_on_direction(words, direction, kv)
    cosines = {w: kv[w].astype(np.float64) @ direction.vector / np.linalg.norm(kv[w])
               for w in words[:4]}
    assert scores.words == sorted(cosines, key=cosines.get, reverse=True)
    np.testing.assert_allclose(scores.scores, sorted(cosines.values(), reverse=True), atol=1e-12)
    assert scores.missing == ["qqzzx"]
    dots = project_on_direction(words[:4], direction.vector, kv, normalize=False)
    assert dict(zip(dots.words, dots.scores))["nurse"] == pytest.approx(
        kv["nurse"].astype(np.float64) @ direction.vector)


@pytest.mark.parametrize("make", [
    lambda kv: direction_from_pair("she", "he", kv),
    lambda kv: direction_from_pairs(BOLUKBASI_PAIRS, kv),
])
def test_he_she_direction_separates_nurse_and_engineer(glove, make):
    direction = make(glove[2])
    assert isinstance(direction, Direction)
    result = project_on_direction(["nurse", "engineer"], direction, glove[2])
    scores = dict(zip(result.words, result.scores))
    assert scores["nurse"] > 0 > scores["engineer"]  # she side vs he side


def test_direction_errors(glove):
    kv = glove[2]
    with pytest.raises(ValueError, match="none of the pairs"):
        direction_from_pairs([("qqx", "man")], kv)
    with pytest.raises(ValueError, match="qqx"):
        direction_from_pair("qqx", "man", kv)
    with pytest.raises(ValueError, match="unknown direction method"):
        direction_from_pairs(BOLUKBASI_PAIRS, kv, method="svd")
