"""Bias probes: WEAT (Caliskan et al. 2017) on the project's vectors, or SEAT (May et al. 2019: each
word put into neutral template sentences embedded with the project's model), and directions
(Bolukbasi et al. 2016): a direction from word pairs, words ranked along it, the direction as a
map axis."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from explorer.actions.errors import ActionError
from explorer.actions.tables import Table, finite
from explorer.core.bias import Direction, DirectionScores, WeatPreset, WeatResult
from explorer.core.embedding_set import EmbeddingSet
from explorer.core.progress import Job, Progress

SETS = "XYAB"


def find_preset(name: str) -> WeatPreset:
    """A built-in test by id ("weat6"), number ("6") or name."""
    from explorer.core.bias import weat_presets  # noqa: PLC0415

    presets = weat_presets()
    wanted = name.strip().lower()
    for preset in presets:
        number = preset.id.lower().removeprefix("weat")
        if wanted in (preset.id.lower(), preset.name.lower(), number, f"weat {number}"):
            return preset
    raise ActionError(f"unknown WEAT preset {name!r}; choose one of {', '.join(p.id for p in presets)} "
                      "(explorer weat --list-presets)")


@dataclass(frozen=True)
class WeatRequest:
    sets: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]  # X, Y, A, B
    names: Mapping[str, str] = field(default_factory=dict)  # "X" -> "Male names"...
    permutations: int = 10_000  # exact p-value up to this many partitions, else this many sampled
    seed: int = 0
    std: str = "population"  # or "sample" (SEAT / sent-bias)
    lowercase_fallback: bool = False
    seat: bool = False  # embed the words in templates with the project's model
    preset: str | None = None  # the built-in test's id, if it is one
    title: str = ""

    @classmethod
    def from_preset(cls, preset: WeatPreset, **options) -> WeatRequest:
        return cls(tuple(tuple(words) for words in preset.sets), dict(preset.set_names), preset=preset.id,
                   title=preset.name, **options)


@dataclass(frozen=True)
class WeatOutcome:
    result: WeatResult
    request: WeatRequest

    def table(self) -> Table:
        return weat_table(self.result, self.request)


def weat_job(emb: EmbeddingSet, request: WeatRequest) -> Job[WeatOutcome]:
    if not all(request.sets):
        raise ActionError("fill all four word sets")
    return _weat(emb, request)


def _weat(emb: EmbeddingSet, request: WeatRequest) -> Job[WeatOutcome]:
    from explorer.core.bias import LostVocabularyError, weat  # noqa: PLC0415

    lookup = emb
    if request.seat:  # sentence encoders: words in neutral templates, embedded with the project's model
        lookup = yield from seat_vectors(emb, [w for words in request.sets for w in words])
    yield Progress(0, 1, "Running WEAT (permutation test)…")
    names = {key: request.names.get(key) or key for key in SETS}
    try:
        result = weat(*request.sets, lookup, permutations=request.permutations, seed=request.seed,
                      std=request.std, lowercase_fallback=request.lowercase_fallback, names=names)
    except LostVocabularyError as err:
        lost = "; ".join(f"{key} ({names[key]}) lost {fraction:.0%}: {', '.join(words)}"
                         for key, (fraction, words) in err.lost.items())
        capitals = any(w != w.lower() for _, words in err.lost.values() for w in words)
        hint = ("; --lowercase-fallback tries them lower-cased"
                if capitals and not request.lowercase_fallback else "")
        raise ActionError(f"too many words are not in the vocabulary: {lost} (at most "
                          f"{err.threshold:.0%} of a set may be missing{hint})") from None
    except ValueError as err:
        raise ActionError(str(err)) from None
    return WeatOutcome(result, request)


def seat_vectors(emb: EmbeddingSet, words: list[str]) -> Job[dict[str, np.ndarray]]:
    """word -> its SEAT vector, embedded with the project's model."""
    from explorer.embedders.query import embedder_for  # noqa: PLC0415
    from explorer.embedders.seat import seat_lookup  # noqa: PLC0415

    yield Progress(0, None, f"Loading {emb.model_id}")
    try:
        embedder = embedder_for(emb.model_id)
        return (yield from seat_lookup(embedder, words))
    except Exception as err:  # noqa: BLE001 - a model that cannot load is one line
        raise ActionError(f"cannot embed the templates with {emb.model_id}: {err}") from None


def weat_table(result: WeatResult, request: WeatRequest | None = None) -> Table:
    """Each target word's association s(w, A, B); the test's scores and word sets in meta."""
    names = {key: result.names.get(key, key) for key in SETS}
    rows = [(key, word, score) for key in ("X", "Y") for word, score in result.associations[key].items()]
    columns = {"set": [names[k] for k, _, _ in rows], "word": [w for _, w, _ in rows],
               "association": [s for _, _, s in rows]}
    title = (request.title if request is not None and request.title
             else "{X} vs {Y}, {A} vs {B}".format(**names))
    meta = {
        "preset": request.preset if request is not None else None,
        "name": title,
        "effect_size": finite(result.effect_size),
        "statistic": result.statistic,
        "p_value": result.p_value,
        "p_value_method": result.p_value_method,
        "partitions": result.partitions,
        "permutations": request.permutations if request is not None else None,
        "seed": request.seed if request is not None else None,
        "std": result.std,
        "lowercase_fallback": request.lowercase_fallback if request is not None else None,
        "seat": request.seat if request is not None else None,
        "sets": {key: {"name": names[key], "words": result.words[key], "missing": result.missing[key]}
                 for key in SETS},
        "associations": result.associations,
    }
    return Table(columns, meta)


# ------------------------------------------------------------------------------ directions


def parse_pairs(text: str) -> list[tuple[str, str]]:
    """'she-he, woman-man' or 'she he' per line."""
    pairs = []
    for chunk in text.replace("\n", ",").split(","):
        words = chunk.replace("-", " ").replace("/", " ").split()
        if len(words) == 2:
            pairs.append((words[0], words[1]))
    return pairs


@dataclass(frozen=True)
class DirectionRequest:
    pairs: tuple[tuple[str, str], ...]  # (positive end, negative end): she-he, woman-man...
    words: tuple[str, ...]  # the words to rank along the direction
    method: str = "pca"  # first principal component of the pairs, or "mean" difference


@dataclass(frozen=True)
class DirectionOutcome:
    direction: Direction
    scores: DirectionScores

    def table(self) -> Table:
        return Table({"word": list(self.scores.words), "projection": np.asarray(self.scores.scores, dtype=float)},
                     {"pairs": [list(p) for p in self.direction.pairs],
                      "missing": self.scores.missing + self.direction.missing})


def rank_along_direction(emb: EmbeddingSet, request: DirectionRequest) -> DirectionOutcome:
    from explorer.core.bias import direction_from_pairs, project_on_direction  # noqa: PLC0415

    if not request.pairs:
        raise ActionError("give pairs such as she-he, woman-man")
    try:
        direction = direction_from_pairs(list(request.pairs), emb, method=request.method)
        scores = project_on_direction(list(request.words), direction, emb)
    except ValueError as err:
        raise ActionError(str(err)) from None
    return DirectionOutcome(direction, scores)


def direction_axis(emb: EmbeddingSet, direction: Direction):
    """The direction as the map's x axis (y: what x leaves unexplained, by PCA): a Projection."""
    from explorer.core.projections import axes_projection  # noqa: PLC0415

    first, second = direction.pairs[0]
    return axes_projection(emb.vectors, np.asarray(direction.vector), name=f"Axis {second}→{first}",
                           params={"pairs": [list(p) for p in direction.pairs]})
