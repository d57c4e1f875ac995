"""Bias probes for word vectors: WEAT (Caliskan et al. 2017) and direction probes (Bolukbasi et al. 2016).

WEAT follows WEFE's ``wefe.metrics.WEAT`` (word look-up, out-of-vocabulary handling, statistic and
effect size), with a reproducible permutation test in place of WEFE's unseeded sampler.
Vectors come from any ``lookup`` that answers ``word in lookup`` and ``lookup[word]`` (a dict,
gensim's KeyedVectors) or from an EmbeddingSet (its texts and ids).
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np

from explorer.core.embedding_set import EmbeddingSet
from explorer.core.neighbors import unit_rows

STDS = ("population", "sample")
SET_NAMES = ("X", "Y", "A", "B")

Lookup = Any  # a Mapping[str, vector], gensim KeyedVectors, or an EmbeddingSet


class LostVocabularyError(ValueError):
    """Too many words of a WEAT set are missing from the vectors (WEFE would return NaN)."""

    def __init__(self, lost: dict[str, tuple[float, list[str]]], threshold: float):
        self.lost = lost
        self.threshold = threshold
        parts = [
            f"{name} lost {fraction:.0%} ({', '.join(words)})"
            for name, (fraction, words) in lost.items()
        ]
        super().__init__(
            "too many words are not in the vocabulary: " + "; ".join(parts)
            + f" (at most {threshold:.0%} of a set may be missing)"
        )


def _vector_getter(lookup: Lookup) -> Callable[[str], np.ndarray | None]:
    if isinstance(lookup, EmbeddingSet):
        table, vectors = lookup.key_to_index, lookup.vectors

        def get(word: str) -> np.ndarray | None:
            index = table.get(word)
            return None if index is None else vectors[index]

        return get

    def get_mapped(word: str) -> np.ndarray | None:
        return np.asarray(lookup[word]) if word in lookup else None

    return get_mapped


def _look_up(
    words: Sequence[str], get: Callable[[str], np.ndarray | None], lowercase_fallback: bool
) -> tuple[dict[str, np.ndarray], list[str]]:
    """WEFE's get_embeddings_from_set: found words (deduplicated, first form found) and missing ones.

    With ``lowercase_fallback`` a word is tried as given, then lower-cased, like WEFE's
    ``preprocessors=[{}, {"lowercase": True}]`` with strategy "first".
    """
    found: dict[str, np.ndarray] = {}
    missing: list[str] = []
    for word in words:
        forms = [word, word.lower()] if lowercase_fallback else [word]
        for form in forms:
            vector = get(form)
            if vector is not None:
                found[form] = np.asarray(vector)
                break
        else:
            missing.append(word)
    return found, missing


@dataclass
class WeatResult:
    effect_size: float
    statistic: float  # s(X, Y, A, B) = sum_x s(x, A, B) - sum_y s(y, A, B)
    p_value: float  # one-sided: share of equal-size re-partitions of X and Y scoring >= statistic
    p_value_method: str  # "exact" (all partitions) or "sampled"
    partitions: int  # partitions evaluated (exact: all of them)
    associations: dict[str, dict[str, float]]  # {"X": {word: s(w, A, B)}, "Y": {...}}
    words: dict[str, list[str]]  # the words used per set (as found in the vectors)
    missing: dict[str, list[str]]  # out-of-vocabulary words per set
    std: str
    names: dict[str, str] = field(default_factory=dict)


def weat(
    target_x: Sequence[str],
    target_y: Sequence[str],
    attr_a: Sequence[str],
    attr_b: Sequence[str],
    lookup: Lookup,
    permutations: int = 10000,
    seed: int | None = 0,
    std: str = "population",
    lost_vocabulary_threshold: float = 0.2,
    lowercase_fallback: bool = False,
    names: Mapping[str, str] | None = None,
) -> WeatResult:
    """Word Embedding Association Test of targets X, Y against attributes A, B.

    s(w, A, B) = mean cos(w, a) - mean cos(w, b); the statistic is sum over X minus sum over Y;
    the effect size is (mean_X s - mean_Y s) / std over X and Y of s. ``std="population"``
    (numpy's default, ddof=0) matches WEFE; ``"sample"`` (ddof=1) matches the SEAT code of
    May et al. 2019. Missing words are dropped as WEFE does, and a set that loses more than
    ``lost_vocabulary_threshold`` of its words raises LostVocabularyError (WEFE returns NaN).

    The p-value enumerates every split of X and Y into sets of their sizes when there are at
    most ``permutations`` of them, else samples ``permutations - 1`` random splits (seeded)
    plus the observed one. Ties count as at least as extreme (conservative), as in the SEAT code.
    """
    if std not in STDS:
        raise ValueError(f"unknown std {std!r}; choose one of {', '.join(STDS)}")
    if permutations < 1:
        raise ValueError("permutations must be at least 1")
    get = _vector_getter(lookup)
    given = dict(zip(SET_NAMES, (target_x, target_y, attr_a, attr_b)))
    found: dict[str, dict[str, np.ndarray]] = {}
    missing: dict[str, list[str]] = {}
    lost: dict[str, tuple[float, list[str]]] = {}
    for name, words in given.items():
        words = list(words)
        if not words:
            raise ValueError(f"word set {name} is empty")
        found[name], missing[name] = _look_up(words, get, lowercase_fallback)
        # WEFE counts duplicates that collapse as lost too: len(set) - len(found)
        fraction = (len(words) - len(found[name])) / len(words)
        if fraction > lost_vocabulary_threshold or not found[name]:
            lost[name] = (fraction, missing[name])
    if lost:
        raise LostVocabularyError(lost, lost_vocabulary_threshold)

    matrices = {name: _unit_rows(np.array(list(f.values()))) for name, f in found.items()}
    x_assoc, y_assoc = (
        _associations(matrices[t], matrices["A"], matrices["B"]) for t in ("X", "Y")
    )
    statistic = float(np.sum(x_assoc) - np.sum(y_assoc))
    both = np.concatenate([x_assoc, y_assoc])
    spread = np.std(both, ddof=0 if std == "population" else 1)
    effect = float((np.mean(x_assoc) - np.mean(y_assoc)) / spread) if spread > 0 else float("nan")
    p_value, method, partitions = _permutation_p_value(x_assoc, y_assoc, permutations, seed)
    return WeatResult(
        effect_size=effect,
        statistic=statistic,
        p_value=p_value,
        p_value_method=method,
        partitions=partitions,
        associations={
            "X": dict(zip(found["X"], x_assoc.tolist())),
            "Y": dict(zip(found["Y"], y_assoc.tolist())),
        },
        words={name: list(f) for name, f in found.items()},
        missing=missing,
        std=std,
        names=dict(names or {}),
    )


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    return unit_rows(np.asarray(matrix, dtype=np.float64))  # in float64, as WEFE computes


def _associations(targets: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """s(w, A, B) for each target row (all rows already unit length, float64)."""
    return (targets @ a.T).mean(axis=1) - (targets @ b.T).mean(axis=1)


def _permutation_p_value(
    x_assoc: np.ndarray, y_assoc: np.ndarray, permutations: int, seed: int | None
) -> tuple[float, str, int]:
    # s(X_i, Y_i) = 2 * sum(X_i) - sum(X and Y), so comparing the X-side sums is enough
    pool = np.concatenate([x_assoc, y_assoc])
    size = len(x_assoc)
    observed = x_assoc.sum()
    tolerance = 1e-12 * max(1.0, float(np.abs(pool).sum()))  # re-summed floats: same split, same side
    count = math.comb(len(pool), size)
    if count <= permutations:
        combos = np.fromiter(
            itertools.chain.from_iterable(itertools.combinations(range(len(pool)), size)),
            dtype=np.int64,
            count=count * size,
        ).reshape(count, size)
        sums = pool[combos].sum(axis=1)
        return float(np.mean(sums >= observed - tolerance)), "exact", count
    rng = np.random.default_rng(seed)
    hits, drawn, chunk = 1, 1, 20000  # the observed split counts once (unbiased estimate)
    while drawn < permutations:
        n = min(chunk, permutations - drawn)
        order = rng.permuted(np.tile(np.arange(len(pool)), (n, 1)), axis=1)
        sums = pool[order[:, :size]].sum(axis=1)
        hits += int(np.count_nonzero(sums >= observed - tolerance))
        drawn += n
    return hits / drawn, "sampled", drawn


# ------------------------------------------------------------------------------------------------
# Presets: the ten WEAT tests of Caliskan et al. 2017, shipped as explorer/resources/weat_presets.json


@dataclass(frozen=True)
class WeatPreset:
    id: str
    name: str
    description: str
    x_name: str
    x_words: tuple[str, ...]
    y_name: str
    y_words: tuple[str, ...]
    a_name: str
    a_words: tuple[str, ...]
    b_name: str
    b_words: tuple[str, ...]

    @property
    def sets(self) -> tuple[list[str], list[str], list[str], list[str]]:
        """(X, Y, A, B) word lists, ready for ``weat(*preset.sets, lookup)``."""
        return list(self.x_words), list(self.y_words), list(self.a_words), list(self.b_words)

    @property
    def set_names(self) -> dict[str, str]:
        return {"X": self.x_name, "Y": self.y_name, "A": self.a_name, "B": self.b_name}


def weat_presets() -> list[WeatPreset]:
    """The WEAT 1-10 presets, in the paper's order; sources are in the JSON file itself."""
    text = resources.files("explorer").joinpath("resources/weat_presets.json").read_text("utf-8")
    data = json.loads(text)
    presets = []
    for item in data["presets"]:
        sides = {key: (item[key]["name"], tuple(item[key]["words"])) for key in SET_NAMES}
        presets.append(
            WeatPreset(
                id=item["id"],
                name=item["name"],
                description=item["description"],
                x_name=sides["X"][0], x_words=sides["X"][1],
                y_name=sides["Y"][0], y_words=sides["Y"][1],
                a_name=sides["A"][0], a_words=sides["A"][1],
                b_name=sides["B"][0], b_words=sides["B"][1],
            )
        )
    return presets


# ------------------------------------------------------------------------------------------------
# Direction probes (Bolukbasi et al. 2016; single pairs as in RIPA, Ethayarajh et al. 2019)

DIRECTION_METHODS = ("pca", "mean")


@dataclass
class Direction:
    vector: np.ndarray  # unit length, float64
    pairs: list[tuple[str, str]]  # the pairs used (both words found)
    missing: list[str]  # words not in the vectors (their pairs are left out)
    explained_variance_ratio: float | None = None  # share of the first component (pca only)


def direction_from_pairs(
    pairs: Sequence[tuple[str, str]],
    lookup: Lookup,
    method: str = "pca",
    normalize: bool = True,
) -> Direction:
    """A bias direction from word pairs such as (she, he), (woman, man).

    "pca" (Bolukbasi et al. 2016, their ``doPCA``): for each pair, both vectors minus the pair's
    mean; the direction is the first principal component of those rows. "mean": the normalised
    mean of the differences first - second. ``normalize`` scales word vectors to unit length first,
    as Bolukbasi's code does on loading. The sign is chosen so that the first word of the first
    pair lies on the positive side of its pair (positive projection of first - second).
    """
    if method not in DIRECTION_METHODS:
        raise ValueError(
            f"unknown direction method {method!r}; choose one of {', '.join(DIRECTION_METHODS)}"
        )
    get = _vector_getter(lookup)
    used, missing, rows = [], [], []
    for first, second in pairs:
        u, v = get(first), get(second)
        absent = [w for w, vec in ((first, u), (second, v)) if vec is None]
        if absent:
            missing.extend(absent)
            continue
        u, v = _prepare(u, normalize), _prepare(v, normalize)
        used.append((first, second))
        rows.append((u, v))
    if not rows:
        raise ValueError("none of the pairs has both words in the vocabulary"
                         + (f" (missing: {', '.join(missing)})" if missing else ""))
    ratio = None
    if method == "pca":
        centred = []
        for u, v in rows:
            centre = (u + v) / 2
            centred.extend([u - centre, v - centre])
        matrix = np.array(centred)
        matrix = matrix - matrix.mean(axis=0)  # sklearn's PCA centres; here the mean is ~0 anyway
        _, singular, vt = np.linalg.svd(matrix, full_matrices=False)
        vector = vt[0]
        variance = singular**2
        ratio = float(variance[0] / variance.sum()) if variance.sum() > 0 else None
    else:
        vector = np.mean([u - v for u, v in rows], axis=0)
    vector = _unit(vector)
    u0, v0 = rows[0]
    if vector @ (u0 - v0) < 0:
        vector = -vector
    return Direction(vector, used, missing, ratio)


def direction_from_pair(first: str, second: str, lookup: Lookup, normalize: bool = True) -> Direction:
    """The unit vector from ``second`` to ``first`` (RIPA's relation vector for one pair).

    ``normalize`` scales the two word vectors to unit length first (as direction_from_pairs);
    RIPA itself uses the raw vectors: pass False for that.
    """
    get = _vector_getter(lookup)
    u, v = get(first), get(second)
    missing = [w for w, vec in ((first, u), (second, v)) if vec is None]
    if missing:
        raise ValueError(f"not in the vocabulary: {', '.join(missing)}")
    diff = _prepare(u, normalize) - _prepare(v, normalize)
    if not np.any(diff):
        raise ValueError(f"{first!r} and {second!r} have the same vector")
    return Direction(_unit(diff), [(first, second)], [])


@dataclass
class DirectionScores:
    words: list[str]  # most positive first
    scores: np.ndarray
    missing: list[str]


def project_on_direction(
    words: Sequence[str],
    direction: Direction | np.ndarray,
    lookup: Lookup,
    normalize: bool = True,
) -> DirectionScores:
    """Each word's position along ``direction``, sorted from most positive to most negative.

    With ``normalize`` the score is the cosine with the direction (Bolukbasi); without, the dot
    product with the raw vector (RIPA's inner product).
    """
    axis = direction.vector if isinstance(direction, Direction) else _unit(np.asarray(direction))
    get = _vector_getter(lookup)
    found, missing, rows = [], [], []
    for word in words:
        vector = get(word)
        if vector is None:
            missing.append(word)
        else:
            found.append(word)
            rows.append(_prepare(vector, normalize))
    scores = np.array([row @ axis for row in rows], dtype=np.float64)
    order = np.argsort(-scores, kind="stable")
    return DirectionScores([found[i] for i in order], scores[order], missing)


def _prepare(vector: np.ndarray, normalize: bool) -> np.ndarray:
    vector = np.asarray(vector, dtype=np.float64)
    return _unit(vector) if normalize else vector


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(vector)
    return vector / norm if norm else vector
