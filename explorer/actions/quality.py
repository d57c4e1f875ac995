"""Data quality and model comparison, as use cases: outliers, near-duplicates, label issues, the
linear probe, and comparing two embeddings of the same items. A frozen request in, a job (generator
yielding Progress) that returns a typed outcome; each outcome gives the table the window's Export
button and the command line both write, and the numeric column the map can be coloured by.

Bad input (an unknown column, one class, k not below the number of items, sets of different sizes)
is an ActionError with one line, raised when the job is made, before any work runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from explorer.actions.errors import ActionError, reported
from explorer.actions.tables import Table, finite, with_metadata
from explorer.core.compare import CompareResult, compare
from explorer.core.embedding_set import EmbeddingSet
from explorer.core.progress import Job, Progress
from explorer.core.project import Projection, VectorSet
from explorer.core.quality import (
    DuplicateResult,
    LabelIssueResult,
    OutlierResult,
    ProbeResult,
    check_k,
    duplicates,
    label_issues,
    outliers,
    probe,
)

SELECTION = "selected"
REST = "rest"


def _checked(make):
    """Make a job, turning bad input (ValueError) into an ActionError with the same line."""
    try:
        return make()
    except ValueError as err:
        raise ActionError(str(err)) from None


def _label_column(emb: EmbeddingSet, name: str) -> np.ndarray:
    if name not in emb.metadata:
        raise ActionError(f"no column {name!r}; the project has {', '.join(emb.metadata) or 'none'}")
    values = emb.metadata[name]
    if values.dtype.kind == "f":
        raise ActionError(f"column {name!r} holds measurements, not categories; choose a label column")
    return values


def _top(order: np.ndarray, top: int | None) -> np.ndarray:
    if top is not None and top < 1:
        raise ActionError(f"--top must be at least 1, not {top}")
    return order if top is None else order[:top]


# ------------------------------------------------------------------------------------ outliers


@dataclass(frozen=True)
class OutliersRequest:
    method: str = "lof"  # lof | knn
    k: int = 20
    metric: str = "cosine"  # cosine | euclidean


@dataclass(frozen=True)
class OutliersOutcome:
    result: OutlierResult

    def column(self) -> tuple[str, np.ndarray]:
        result = self.result
        return f"outlier score ({result.method}, k={result.k})", result.scores.astype(np.float64)

    def table(self, emb: EmbeddingSet, top: int | None = None) -> Table:
        """The items from the most to the least unusual: rank, id, text, score."""
        result = self.result
        rows = _top(result.order, top)
        columns = with_metadata({"rank": np.arange(1, len(rows) + 1), "id": emb.ids[rows], "text": emb.texts[rows],
                                 "score": result.scores[rows]}, emb, rows)
        meta = {"method": result.method, "k": result.k, "metric": result.metric,
                "search": result.search, "items": len(emb),
                "score_means": ("local outlier factor (about 1 inside a cluster, larger for outliers)"
                                if result.method == "lof" else
                                f"mean {result.metric} distance to the {result.k} nearest")}
        return Table(columns, meta)


def outliers_job(emb: EmbeddingSet, request: OutliersRequest, index: Any = None) -> Job[OutliersOutcome]:
    job = _checked(lambda: outliers(emb.vectors, request.method, request.k, request.metric, index=index))
    return _outliers(job)


def _outliers(job) -> Job[OutliersOutcome]:
    return OutliersOutcome((yield from reported(job)))


# ------------------------------------------------------------------------------------ duplicates


@dataclass(frozen=True)
class DuplicatesRequest:
    threshold: float = 0.95


@dataclass(frozen=True)
class DuplicatesOutcome:
    result: DuplicateResult

    def counts(self) -> np.ndarray:
        """How many near-duplicates each item has."""
        result = self.result
        return np.bincount(result.pairs.ravel(), minlength=len(result.group)).astype(np.int64)

    def column(self) -> tuple[str, np.ndarray]:
        return f"near-duplicates (cos ≥ {self.result.threshold:g})", self.counts()

    def table(self, emb: EmbeddingSet) -> Table:
        """One row per item that has a near-duplicate, group by group (largest first): group, size,
        id, text, and its highest cosine to another member."""
        result = self.result
        rows = np.concatenate(result.groups) if result.groups else np.zeros(0, dtype=np.int64)
        sizes = np.concatenate([np.full(len(g), len(g)) for g in result.groups]) if result.groups \
            else np.zeros(0, dtype=np.int64)
        columns = with_metadata({"group": result.group[rows], "size": sizes, "id": emb.ids[rows],
                                 "text": emb.texts[rows], "cosine": result.best[rows]}, emb, rows)
        meta = {"threshold": result.threshold, "pairs": len(result.pairs), "groups": len(result.groups),
                "items_in_groups": int(len(rows)), "items": len(emb)}
        return Table(columns, meta)


def duplicates_job(emb: EmbeddingSet, request: DuplicatesRequest) -> Job[DuplicatesOutcome]:
    job = _checked(lambda: duplicates(emb.vectors, request.threshold))
    return _duplicates(job)


def _duplicates(job) -> Job[DuplicatesOutcome]:
    return DuplicatesOutcome((yield from reported(job)))


# ------------------------------------------------------------------------------------ label issues


@dataclass(frozen=True)
class LabelIssuesRequest:
    label_column: str
    k: int = 10
    folds: int = 5
    seed: int = 0


@dataclass(frozen=True)
class LabelIssuesOutcome:
    result: LabelIssueResult
    label_column: str

    def column(self) -> tuple[str, np.ndarray]:
        """1 - self-confidence (0 for items without a label): larger is more suspicious."""
        return f"label issue ({self.label_column})", np.nan_to_num(self.result.issue_score, nan=0.0)

    def table(self, emb: EmbeddingSet, top: int | None = None) -> Table:
        """Labelled items from the most to the least suspicious: rank, id, text, label, suggested
        label, self-confidence, share of neighbours with another label."""
        result = self.result
        rows = _top(result.order, top)
        columns = with_metadata({"rank": np.arange(1, len(rows) + 1), "id": emb.ids[rows], "text": emb.texts[rows],
                                 "label": result.classes[result.labels[rows]],
                                 "suggested": result.classes[result.suggested[rows]],
                                 "self_confidence": result.self_confidence[rows],
                                 "neighbour_disagreement": result.disagreement[rows]}, emb, rows)
        meta = {"label_column": self.label_column, "k": result.k, "folds": result.folds,
                "seed": result.seed, "search": result.search,
                "classifier": "LogisticRegression(max_iter=1000), out-of-fold probabilities",
                "labelled_items": int((result.labels >= 0).sum()), "items": len(emb),
                "notes": list(result.notes)}
        return Table(columns, meta)


def label_issues_job(emb: EmbeddingSet, request: LabelIssuesRequest,
                     index: Any = None) -> Job[LabelIssuesOutcome]:
    labels = _label_column(emb, request.label_column)
    job = _checked(lambda: label_issues(emb.vectors, labels, request.k, request.folds, request.seed,
                                        name=f"column {request.label_column!r}", index=index))
    return _label_issues(job, request.label_column)


def _label_issues(job, column: str) -> Job[LabelIssuesOutcome]:
    return LabelIssuesOutcome((yield from reported(job)), column)


# ------------------------------------------------------------------------------------ probe


@dataclass(frozen=True)
class ProbeRequest:
    label_column: str | None = None  # None: the selection against the rest
    selection: tuple[int, ...] = ()
    folds: int = 5
    seed: int = 0


@dataclass(frozen=True)
class ProbeOutcome:
    result: ProbeResult
    target: str  # the column's name, or "selection"

    def classes(self) -> list[str]:
        return [str(c) for c in self.result.classes]

    def column(self) -> tuple[str, np.ndarray]:
        """The out-of-fold probability the probe gives: with two classes, to the second ("selected"
        against the rest); with more, to each item's own label. 0 for items without a label."""
        result, classes = self.result, self.classes()
        if len(classes) == 2:
            values, name = result.probabilities[:, 1], f"probe P({classes[1]})"
        else:
            own = np.where(result.labels >= 0, result.labels, 0)
            values = np.where(result.labels >= 0, result.probabilities[np.arange(len(own)), own], np.nan)
            name = f"probe P(own label) ({self.target})"
        return name, np.nan_to_num(values, nan=0.0)

    def direction(self, class_index: int | None = None) -> tuple[str, np.ndarray]:
        """A unit vector in the embedding space: towards the class (with two classes, the one
        direction, towards the second class)."""
        directions = self.result.directions
        classes = self.classes()
        if len(directions) == 1:
            return f"probe: {classes[0]} → {classes[1]}", directions[0]
        chosen = len(classes) - 1 if class_index is None else class_index
        return f"probe: towards {classes[chosen]}", directions[chosen]

    def table(self) -> Table:
        """One row per class: class, support, precision, recall, and its row of the confusion
        matrix (predicted counts by class); accuracy and baseline in meta."""
        result = self.result
        classes = self.classes()
        columns: dict[str, Sequence[Any]] = {"class": classes, "support": result.support,
                                             "precision": result.precision, "recall": result.recall}
        for j, name in enumerate(classes):
            columns[f"predicted {name}"] = result.confusion[:, j]
        meta = {"target": self.target, "accuracy": finite(result.accuracy),
                "baseline": finite(result.baseline),
                "fold_accuracies": [float(a) for a in result.fold_accuracies],
                "folds": result.folds, "seed": result.seed,
                "classifier": "LogisticRegression(max_iter=1000), StratifiedKFold(shuffle=True)",
                "notes": list(result.notes)}
        return Table(columns, meta)


def probe_job(emb: EmbeddingSet, request: ProbeRequest) -> Job[ProbeOutcome]:
    if request.label_column is not None:
        labels = _label_column(emb, request.label_column)
        target, name = request.label_column, f"column {request.label_column!r}"
    else:
        chosen = np.unique(np.asarray(request.selection, dtype=np.int64))
        if len(chosen) == 0:
            raise ActionError("select some items first: the probe tells the selection from the rest")
        if chosen[0] < 0 or chosen[-1] >= len(emb):
            raise ActionError("the selection holds items that are not in the project")
        labels = np.full(len(emb), REST, dtype=object)
        labels[chosen] = SELECTION
        target, name = "selection", "the selection against the rest"
    job = _checked(lambda: probe(emb.vectors, labels, request.folds, request.seed, name=name))
    return _probe(job, target)


def _probe(job, target: str) -> Job[ProbeOutcome]:
    return ProbeOutcome((yield from reported(job)), target)


# ------------------------------------------------------------------------------------ compare


@dataclass(frozen=True)
class CompareRequest:
    k: int = 10
    name_a: str = "A"
    name_b: str = "B"


@dataclass(frozen=True)
class CompareOutcome:
    result: CompareResult
    name_a: str
    name_b: str

    def column(self) -> tuple[str, np.ndarray]:
        return (f"kNN agreement {self.name_a} vs {self.name_b} (Jaccard@{self.result.k})",
                self.result.jaccard)

    def table(self, emb: EmbeddingSet, top: int | None = None) -> Table:
        """Items from the most to the least disagreement: rank, id, text, jaccard."""
        result = self.result
        rows = _top(result.order, top)
        columns = with_metadata({"rank": np.arange(1, len(rows) + 1), "id": emb.ids[rows], "text": emb.texts[rows],
                                 "jaccard": result.jaccard[rows]}, emb, rows)
        meta = {"a": self.name_a, "b": self.name_b, "k": result.k,
                "mean_jaccard": finite(result.mean_jaccard), "cka": finite(result.cka),
                "search_a": result.search_a, "search_b": result.search_b, "items": len(emb)}
        return Table(columns, meta)


def align(emb_a: EmbeddingSet, emb_b: EmbeddingSet) -> np.ndarray:
    """Rows of ``emb_b`` in the order of ``emb_a``'s items, matched by id; every id must be in both."""
    if len(emb_a) != len(emb_b):
        raise ActionError(f"the two sets must hold the same items: one has {len(emb_a):,}, "
                          f"the other {len(emb_b):,}")
    position = {item: row for row, item in enumerate(emb_b.ids.tolist())}
    rows = [position.get(item) for item in emb_a.ids.tolist()]
    missing = sum(row is None for row in rows)
    if missing:
        raise ActionError(f"{missing:,} item ids of the first set are not in the second "
                          f"(e.g. {emb_a.ids[rows.index(None)]!r}): compare needs the same items")
    return np.asarray(rows, dtype=np.int64)


def compare_job(vectors_a: np.ndarray, vectors_b: np.ndarray, request: CompareRequest,
                index_a: Any = None, index_b: Any = None) -> Job[CompareOutcome]:
    """Compare two embeddings whose row i is the same item (see :func:`align`)."""
    job = _checked(lambda: compare(vectors_a, vectors_b, request.k, index_a=index_a, index_b=index_b))
    return _compare(job, request.name_a, request.name_b)


def _compare(job, name_a: str, name_b: str) -> Job[CompareOutcome]:
    return CompareOutcome((yield from reported(job)), name_a, name_b)


OWN_SET = "vectors"  # also names the active set, whatever its name


def embedding_sets(project) -> list[str]:
    """The embeddings of the project's items a comparison can use: the active set first, the
    project's other sets, then the other matrices it keeps for the same items (e.g. images placed
    in a text model's space)."""
    sets = [project.active_set, *[name for name in project.sets if name != project.active_set]]
    return [*sets, *[name for name in project.embeddings.extra_vectors if name not in sets]]


def _check_set(project, spec: str) -> None:
    if spec in embedding_sets(project) or spec == OWN_SET or Path(spec).is_file():
        return
    if spec.endswith(".eexp"):
        raise ActionError(f"{spec} does not exist")
    raise ActionError(f"no embedding set {spec!r}: the project has {', '.join(embedding_sets(project))}; "
                      "or give another project file (.eexp) holding the same items")


def _read_set(project, spec: str) -> Job[tuple[np.ndarray, Any]]:
    """The vectors of one set in the project's item order, and a neighbour index that fits them."""
    emb = project.embeddings
    if spec == OWN_SET and spec not in project.sets:
        spec = project.active_set
    if spec in project.sets:
        return project.set_vectors(spec), project.set_index(spec)
    if spec in emb.extra_vectors:
        return np.asarray(emb.extra_vectors[spec], dtype=np.float32), None
    from explorer.io.project_file import ProjectFileError, load_project  # noqa: PLC0415

    path = Path(spec)
    yield Progress(0.0, 1.0, f"Reading {path.name}")
    try:
        other = load_project(path)
    except ProjectFileError as err:
        raise ActionError(str(err)) from None
    except OSError as err:
        raise ActionError(f"cannot read {path}: {err.strerror or err}") from None
    rows = align(emb, other.embeddings)
    in_order = np.array_equal(rows, np.arange(len(rows)))
    return other.embeddings.vectors[rows], other.neighbor_index if in_order else None


def compare_sets_job(project, a: str, b: str, k: int = 10) -> Job[CompareOutcome]:
    """Compare two embeddings of the project's items: each is ``"vectors"`` (the project's own),
    the name of another matrix the project keeps, or another project file holding the same items
    (matched by id; read in the job)."""
    for spec in (a, b):
        _check_set(project, spec)
    _checked(lambda: check_k(k, len(project.embeddings)))
    request = CompareRequest(k, _set_name(a), _set_name(b))
    return _compare_sets(project, a, b, request)


def _set_name(spec: str) -> str:
    return Path(spec).stem if spec.endswith(".eexp") else spec


def _compare_sets(project, a: str, b: str, request: CompareRequest) -> Job[CompareOutcome]:
    vectors_a, index_a = yield from _read_set(project, a)
    vectors_b, index_b = yield from _read_set(project, b)
    return (yield from compare_job(vectors_a, vectors_b, request, index_a=index_a, index_b=index_b))


def compare_projects_job(project, other_path: str | Path, k: int = 10) -> Job[CompareOutcome]:
    """The project's own vectors against another project file holding the same items."""
    return compare_sets_job(project, OWN_SET, str(other_path), k)


# ------------------------------------------------------------------------------------ embed again


@dataclass(frozen=True)
class EmbedAgainRequest:
    model: str  # any model id the importer accepts for the project's items
    name: str | None = None  # the set's name in the project (default: the model id)
    device: str | None = None
    batch_size: int = 64
    map_method: str = "pca"  # the new set's first map, so that it can be viewed at once; "" for none


@dataclass(frozen=True)
class EmbedAgainOutcome:
    name: str
    vectors: np.ndarray  # (N, D) float32, the project's items in order
    model_id: str = ""
    projection: Projection | None = None  # the set's first map

    def apply(self, project) -> None:
        """Keep the set in the project (on the caller's thread; saving writes it). Raises
        ActionError when a set of that name was added meanwhile."""
        maps = {} if self.projection is None else {self.projection.name: self.projection}
        try:
            project.add_set(VectorSet(self.name, self.model_id, self.vectors, maps))
        except ValueError as err:
            raise ActionError(str(err)) from None


def embed_again_job(project, request: EmbedAgainRequest, embedder: Any = None) -> Job[EmbedAgainOutcome]:
    """Embed the project's items again with another model, as another embedding set of the same
    items (its own maps, index and panel results; switch to it with
    :func:`explorer.actions.sets.switch_set`) with a first map (PCA by default), kept in the project
    by :meth:`EmbedAgainOutcome.apply`, and compared with :func:`compare_sets_job`. Texts and words
    only: an image project is re-imported with the other model instead."""
    emb = project.embeddings
    name = (request.name or request.model).strip()
    if emb.modality == "image":
        raise ActionError("embedding images again is not supported: import the image folder with the "
                          "other model and compare the two projects (compare --b OTHER.eexp)")
    if not name or name == OWN_SET or name.startswith("conse/"):
        raise ActionError(f"{name!r} cannot name a set: {OWN_SET!r} stands for the active set and "
                          "'conse/...' is reserved")
    if name in project.sets or name in emb.extra_vectors:
        raise ActionError(f"the project has a set named {name!r} already; give another name (--name)")
    if request.map_method and request.map_method not in ("pca", "tsne", "umap"):
        raise ActionError(f"unknown map method {request.map_method!r}; choose pca, tsne or umap")
    return _embed_again(project, name, request, embedder)


def _embed_again(project, name: str, request: EmbedAgainRequest, embedder: Any) -> Job[EmbedAgainOutcome]:
    from explorer.core.projections import DISPLAY_NAMES  # noqa: PLC0415
    from explorer.core.projections import project as compute_map  # noqa: PLC0415
    from explorer.embedders.base import EmbedderError, embed_all  # noqa: PLC0415

    emb = project.embeddings
    yield Progress(0, len(emb), f"Loading {request.model}")
    try:
        if embedder is None:
            from explorer.embedders.registry import make_embedder  # noqa: PLC0415

            embedder = make_embedder(request.model, device=request.device)
        vectors = yield from embed_all(embedder, emb.texts.tolist(), request.batch_size)
    except EmbedderError as err:
        raise ActionError(str(err)) from None
    missing = ~np.isfinite(vectors).all(axis=1)
    if missing.any():
        raise ActionError(f"{int(missing.sum()):,} items have no vector in {request.model} "
                          f"(e.g. {emb.texts[np.flatnonzero(missing)[0]]!r}); nothing was added")
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    projection = None
    if request.map_method:
        yield Progress(len(emb), len(emb), f"Computing a {DISPLAY_NAMES[request.map_method]} map of {name}")
        try:
            projection = yield from compute_map(vectors, request.map_method)
        except ValueError as err:  # too few items for the method
            raise ActionError(str(err)) from None
    return EmbedAgainOutcome(name, vectors, request.model, projection)
