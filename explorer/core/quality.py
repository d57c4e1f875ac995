"""What is wrong in the data: outliers, near-duplicates, label issues, and the linear probe.

Every long computation is a job generator (see :mod:`explorer.core.progress`) that checks its input
at once (``ValueError`` with one line) and then yields between blocks of work, so it can be stopped.

- **k nearest neighbours of every item** (:func:`knn_graph`), itself left out, the base of the
  outlier scores, the label disagreement and the comparison of two embeddings
  (:mod:`explorer.core.compare`). Exact below ``INDEX_ROWS`` items (faiss' brute-force search in
  blocks of rows), through the approximate IVF index of :mod:`explorer.core.ann_index` above, and
  in both cases the distances of the neighbours found are recomputed in float64, so that they mean
  the same thing either way (cosine distance ``1 - cos``, or Euclidean distance).
- **Outliers** (:func:`outliers`): the local outlier factor with scikit-learn's
  ``LocalOutlierFactor`` semantics (score = ``-negative_outlier_factor_``: about 1 inside a cluster,
  larger for outliers), or the mean distance to the k nearest.
- **Near-duplicates** (:func:`duplicates`): every pair whose cosine is at least a threshold, found
  exactly by scanning the upper triangle of the cosine matrix in blocks of rows (memory bounded),
  with pairs near the threshold recomputed in float64; groups are the connected components.
- **Label issues** (:func:`label_issues`): the share of an item's k nearest that carry another
  label, and cleanlab's self-confidence: the out-of-fold probability that a logistic regression
  gives to the item's own label, with the probe's protocol.
- **Linear probe** (:func:`probe`): ``LogisticRegression(max_iter=1000)`` on the vectors as stored,
  cross-validated with ``StratifiedKFold(folds, shuffle=True, random_state=seed)``: the mean fold
  accuracy (what ``cross_val_score`` gives), the majority-class baseline, per-class precision and
  recall and the confusion matrix of the out-of-fold predictions, and the direction of each class.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from explorer.core.ann_index import build_index_job, usable_index
from explorer.core.neighbors import unit_rows
from explorer.core.progress import Job, Progress

DISTANCE_METRICS = ("cosine", "euclidean")
OUTLIER_METHODS = ("lof", "knn")
# From this many items on, the k nearest of every item come from the approximate index: exact
# search costs N^2 (100,000 items x 384: about 7.7e12 operations, minutes on two cores), the index
# about N x the rows it scans per query. Measured at 30,000 x 384 on the busy 2-core machine, one
# thread: exact 91 s, index 13 s to build + 7 s to scan, recall@10 0.988.
INDEX_ROWS = 20_000
BLOCK_BYTES = 256 * 2**20  # memory for one block of a similarity matrix
MAX_PAIRS = 20_000_000
MISSING_LABELS = ("", "nan", "none", "null")


def scaled_job(job: Generator[Progress, None, Any], start: float, span: float,
            total: float = 1.0) -> Generator[Progress, None, Any]:
    """Run a sub-job, re-yielding its progress mapped into ``start .. start + span`` of ``total``;
    closing this generator closes the sub-job."""
    while True:
        try:
            step = next(job)
        except StopIteration as stop:
            return stop.value
        fraction = step.fraction if step.fraction is not None else 0.0
        try:
            yield Progress(start + fraction * span, total, step.message)
        except GeneratorExit:
            job.close()
            raise


def as_vectors(vectors: np.ndarray, what: str = "vectors") -> np.ndarray:
    data = np.asarray(vectors)
    if data.ndim != 2:
        raise ValueError(f"{what} must be a 2-D matrix, got shape {data.shape}")
    if not np.issubdtype(data.dtype, np.floating):
        raise ValueError(f"{what} must be floating point numbers")
    return np.ascontiguousarray(data, dtype=np.float32)


def check_k(k: int, n: int, what: str = "k") -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"{what} must be a whole number of at least 1, got {k!r}")
    if k >= n:
        raise ValueError(f"{what} = {k} needs more items: the set has {n}, at most {n - 1} "
                         f"neighbours each")
    return int(k)


# ---------------------------------------------------------------------------------- kNN graph


@dataclass
class KnnGraph:
    """The k nearest of every item, itself left out: ``indices`` and ``distances`` (N, k), nearest
    first; distances are cosine distances (1 - cos) or Euclidean, in float64."""

    indices: np.ndarray
    distances: np.ndarray
    metric: str
    search: str  # "exact", or the approximate index's description with its recall


def _faiss():
    import faiss  # noqa: PLC0415 - heavy; only when a neighbour search runs

    return faiss


def _euclidean(data: np.ndarray, start: int, found: np.ndarray) -> np.ndarray:
    """Euclidean distances in float64 between rows ``start ..`` and their ``found`` ids (m columns)."""
    queries = data[start:start + len(found)].astype(np.float64)
    out = np.empty(found.shape, dtype=np.float64)
    for column in range(found.shape[1]):
        diff = queries - data[found[:, column]]
        out[:, column] = np.sqrt(np.einsum("ij,ij->i", diff, diff))
    return out


def _drop_self(rows: np.ndarray, found: np.ndarray, keys: np.ndarray,
               k: int) -> tuple[np.ndarray, np.ndarray]:
    """From k + 1 candidates per row drop the row itself (or, when it was not among them because
    of exact duplicates or an approximate search, the worst candidate)."""
    is_self = found == rows[:, None]
    missing = ~is_self.any(axis=1)
    worst = np.argmin(np.where(found < 0, -np.inf, keys), axis=1)
    is_self[missing, worst[missing]] = True
    keep = ~is_self  # ids are unique within one row, so exactly one is dropped
    return found[keep].reshape(len(rows), k), keys[keep].reshape(len(rows), k)


def knn_graph(vectors: np.ndarray, k: int, metric: str = "cosine", index: Any = None,
              exact: bool | None = None, block_rows: int | None = None) -> Job[KnnGraph]:
    """The k nearest neighbours of every row, the row itself left out (a job).

    ``exact=None`` searches exactly below ``INDEX_ROWS`` rows and through an approximate index above
    (``index`` when it fits these vectors and metric, else one built now); ``True``/``False`` force
    either way. Cosine distances come from the search's float32 products (as scikit-learn's);
    Euclidean ones are recomputed from the differences in float64.
    """
    data = as_vectors(vectors)
    if metric not in DISTANCE_METRICS:
        raise ValueError(f"unknown metric {metric!r}; choose one of {', '.join(DISTANCE_METRICS)}")
    n = len(data)
    k = check_k(k, n)
    use_index = (n >= INDEX_ROWS) if exact is None else not exact
    return _knn_graph(data, k, metric, index if use_index else None, use_index, block_rows)


def _knn_graph(data: np.ndarray, k: int, metric: str, index: Any, use_index: bool,
               block_rows: int | None) -> Job[KnnGraph]:
    n = len(data)
    faiss = _faiss()
    rows = np.ascontiguousarray(unit_rows(data), dtype=np.float32) if metric == "cosine" else data
    ids = np.empty((n, k), dtype=np.int64)
    keys = np.empty((n, k), dtype=np.float32)  # larger is nearer
    ann = None
    if use_index:
        ann = usable_index(index, data, metric)
        if ann is None:
            ann = yield from scaled_job(build_index_job(data, metric), 0.0, 0.4)
        found, found_keys = yield from _ivf_knn(rows, ann, k + 1, metric, 0.4)
        short = np.flatnonzero((found < 0).any(axis=1))
        if len(short):  # the lists scanned held too few rows: these rows exactly
            found[short], found_keys[short] = _flat_search(faiss, rows[short], rows, k + 1, metric)
        ids, keys = _drop_self(np.arange(n), found, found_keys, k)
    else:
        block = block_rows or max(256, min(8192, BLOCK_BYTES // max(1, 4 * n)))
        for start in range(0, n, block):
            stop = min(n, start + block)
            yield Progress(start / n, 1.0, f"Finding the {k} nearest of each item ({start:,} of {n:,})")
            found, found_keys = _flat_search(faiss, rows[start:stop], rows, k + 1, metric)
            ids[start:stop], keys[start:stop] = _drop_self(np.arange(start, stop), found, found_keys, k)
    if metric == "cosine":
        distances = 1.0 - keys.astype(np.float64)
    else:
        yield Progress(0.99, 1.0, "Measuring the distances found")
        distances = np.empty((n, k), dtype=np.float64)
        for start in range(0, n, 65536):
            distances[start:start + 65536] = _euclidean(data, start, ids[start:start + 65536])
    order = np.argsort(distances, axis=1, kind="stable")
    indices = np.take_along_axis(ids, order, axis=1)
    distances = np.take_along_axis(distances, order, axis=1)
    search = ann.describe() if ann is not None else "exact"
    return KnnGraph(indices, distances, metric, search)


def _ivf_knn(rows: np.ndarray, ann: Any, k: int, metric: str,
             start_at: float) -> Generator[Progress, None, tuple[np.ndarray, np.ndarray]]:
    """The approximate k nearest of every row (itself included) through the lists of ``ann``:
    ids and keys (larger is nearer: cosine, or 2 q.x - |x|^2), -1 / -inf where the lists scanned
    held fewer than k rows.

    The rows of one list all scan the same lists: the ``ann.nprobe`` whose centres are nearest to
    their own list's centre (a search of the index picks them per query instead). So each list is
    one matrix product of its rows against the rows of the lists it scans, rather than one query
    at a time. These products are small: BLAS runs them on one thread (with two threads on a busy
    machine, waiting for each other made them 17 times slower, measured)."""
    from threadpoolctl import ThreadpoolController  # noqa: PLC0415 - scikit-learn's dependency

    blas = ThreadpoolController()  # finding the libraries is the slow part: once per job

    n = len(rows)
    centroids = ann.centroids
    nlist = len(centroids)
    nprobe = max(1, min(int(ann.nprobe), nlist))
    squares = np.einsum("ij,ij->i", rows, rows)
    centre_squares = np.einsum("ij,ij->i", centroids, centroids)
    keyed = centre_squares[None, :] - 2 * (centroids @ centroids.T)
    np.fill_diagonal(keyed, -np.inf)  # a list always scans itself
    probes = np.argpartition(keyed, nprobe - 1, axis=1)[:, :nprobe] if nprobe < nlist else \
        np.broadcast_to(np.arange(nlist), (nlist, nlist))
    members_order = np.argsort(ann.assignment, kind="stable")
    member_starts = np.searchsorted(ann.assignment[members_order], np.arange(nlist + 1))
    best = np.full((n, k), -1, dtype=np.int64)
    best_keys = np.full((n, k), -np.inf, dtype=np.float32)
    chunk = max(1, nlist // 50)
    for first in range(0, nlist, chunk):
        yield Progress(start_at + (1 - start_at) * first / nlist, 1.0,
                       f"Finding the {k - 1} nearest of each item (list {first:,} of {nlist:,})")
        with blas.limit(limits=1, user_api="blas"):
            for number in range(first, min(nlist, first + chunk)):
                queries = members_order[member_starts[number]:member_starts[number + 1]]
                if not len(queries):
                    continue
                scanned = np.concatenate([members_order[member_starts[m]:member_starts[m + 1]]
                                          for m in probes[number]])
                keys = rows[queries] @ rows[scanned].T
                if metric != "cosine":
                    keys = 2 * keys - squares[scanned][None, :]
                if len(scanned) > k:
                    top = np.argpartition(-keys, k - 1, axis=1)[:, :k]
                    best[queries] = scanned[top]
                    best_keys[queries] = np.take_along_axis(keys, top, axis=1)
                else:
                    best[queries, :len(scanned)] = scanned
                    best_keys[queries, :len(scanned)] = keys
    return best, best_keys


def _flat_search(faiss, queries: np.ndarray, base: np.ndarray, k: int,
                 metric: str) -> tuple[np.ndarray, np.ndarray]:
    """Exact k nearest (ids, keys larger-is-nearer) by faiss' brute-force search."""
    kind = faiss.METRIC_INNER_PRODUCT if metric == "cosine" else faiss.METRIC_L2
    found_keys, ids = faiss.knn(np.ascontiguousarray(queries), base, k, metric=kind)
    if metric != "cosine":
        found_keys = -found_keys
    return ids.astype(np.int64), found_keys.astype(np.float32)


# ---------------------------------------------------------------------------------- outliers


@dataclass
class OutlierResult:
    scores: np.ndarray  # (N,) larger is more unusual
    order: np.ndarray  # item rows from the most to the least unusual
    method: str
    k: int
    metric: str
    search: str


def lof_from_graph(graph: KnnGraph) -> np.ndarray:
    """The local outlier factor of every item from its k nearest, exactly as scikit-learn's
    ``LocalOutlierFactor`` computes ``-negative_outlier_factor_`` (with its 1e-10 guard)."""
    distances, indices = graph.distances, graph.indices
    k_distance = distances[:, -1]
    reach = np.maximum(distances, k_distance[indices])
    density = 1.0 / (reach.mean(axis=1) + 1e-10)
    return (density[indices] / density[:, None]).mean(axis=1)


def outliers(vectors: np.ndarray, method: str = "lof", k: int = 20, metric: str = "cosine",
             index: Any = None, exact: bool | None = None) -> Job[OutlierResult]:
    """Score every item: ``lof`` (local outlier factor) or ``knn`` (mean distance to the k nearest)."""
    if method not in OUTLIER_METHODS:
        raise ValueError(f"unknown outlier method {method!r}; choose one of {', '.join(OUTLIER_METHODS)}")
    graph_job = knn_graph(vectors, k, metric, index=index, exact=exact)
    return _outliers(graph_job, method, k, metric)


def _outliers(graph_job: Job[KnnGraph], method: str, k: int, metric: str) -> Job[OutlierResult]:
    graph = yield from scaled_job(graph_job, 0.0, 0.95)
    yield Progress(0.95, 1.0, "Scoring")
    scores = lof_from_graph(graph) if method == "lof" else graph.distances.mean(axis=1)
    order = np.lexsort((np.arange(len(scores)), -scores))
    return OutlierResult(scores, order, method, k, metric, graph.search)


# ---------------------------------------------------------------------------------- duplicates


@dataclass
class DuplicateResult:
    pairs: np.ndarray  # (M, 2) item rows i < j whose cosine is at least the threshold
    similarities: np.ndarray  # (M,) their cosine, float64
    group: np.ndarray  # (N,) the group of each item, -1 when it has no near-duplicate
    groups: list[np.ndarray]  # item rows of each group, largest group first
    threshold: float

    @property
    def best(self) -> np.ndarray:
        """Each item's highest cosine to another item of its group (NaN outside groups)."""
        out = np.full(len(self.group), -np.inf)
        for column in (0, 1):
            np.maximum.at(out, self.pairs[:, column], self.similarities)
        out[np.isneginf(out)] = np.nan
        return out


def duplicates(vectors: np.ndarray, threshold: float = 0.95, block_bytes: int = BLOCK_BYTES,
               max_pairs: int = MAX_PAIRS) -> Job[DuplicateResult]:
    """Every pair of items whose cosine is at least ``threshold`` (0 < threshold <= 1), and the
    groups they form (connected components). Exact: blocks of rows scan the upper triangle of the
    cosine matrix in float32, pairs within 1e-4 of the threshold are recomputed in float64."""
    data = as_vectors(vectors)
    if not (isinstance(threshold, (int, float, np.floating)) and 0 < float(threshold) <= 1):
        raise ValueError(f"the threshold must be a cosine above 0 and at most 1, got {threshold!r}")
    if len(data) < 2:
        raise ValueError(f"near-duplicates need at least 2 items, not {len(data)}")
    return _duplicates(data, float(threshold), int(block_bytes), int(max_pairs))


def _duplicates(data: np.ndarray, threshold: float, block_bytes: int,
                max_pairs: int) -> Job[DuplicateResult]:
    n = len(data)
    norms = np.sqrt(np.einsum("ij,ij->i", data, data, dtype=np.float64))
    units = np.ascontiguousarray(unit_rows(data), dtype=np.float32)
    margin = 1e-4
    block = max(1, min(n, block_bytes // (4 * n)))
    firsts: list[np.ndarray] = []
    seconds: list[np.ndarray] = []
    sims: list[np.ndarray] = []
    count = 0
    # rows are visited in blocks; a block only meets the columns from its own first row on
    work_total = n * (n + 1) / 2
    for start in range(0, n, block):
        stop = min(n, start + block)
        done = (start * n - start * (start - 1) / 2)
        yield Progress(done / work_total, 1.0, f"Comparing items ({start:,} of {n:,})")
        scores = units[start:stop] @ units[start:].T
        local_i, local_j = np.nonzero(scores >= threshold - margin)
        rows = local_i + start
        cols = local_j + start
        upper = cols > rows
        rows, cols = rows[upper], cols[upper]
        if len(rows):
            dots = np.einsum("ij,ij->i", data[rows].astype(np.float64), data[cols].astype(np.float64))
            scale = norms[rows] * norms[cols]
            cos = np.divide(dots, scale, out=np.zeros_like(dots), where=scale > 0)
            keep = cos >= threshold
            rows, cols, cos = rows[keep], cols[keep], cos[keep]
            count += len(rows)
            if count > max_pairs:
                raise ValueError(f"more than {max_pairs:,} pairs have a cosine of at least "
                                 f"{threshold:g}; raise the threshold")
            firsts.append(rows)
            seconds.append(cols)
            sims.append(cos)
        del scores
    yield Progress(0.99, 1.0, "Grouping")
    pairs = np.column_stack([np.concatenate(firsts), np.concatenate(seconds)]) if firsts else \
        np.zeros((0, 2), dtype=np.int64)
    similarities = np.concatenate(sims) if sims else np.zeros(0, dtype=np.float64)
    order = np.lexsort((pairs[:, 1], pairs[:, 0])) if len(pairs) else np.zeros(0, dtype=np.int64)
    pairs, similarities = pairs[order].astype(np.int64), similarities[order]
    group, groups = _components(n, pairs)
    return DuplicateResult(pairs, similarities, group, groups, threshold)


def _components(n: int, pairs: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Connected components of the graph of ``pairs``: the group of each item (-1 alone) and the
    groups, largest first (ties: lowest first item)."""
    group = np.full(n, -1, dtype=np.int64)
    if not len(pairs):
        return group, []
    from scipy.sparse import coo_matrix  # noqa: PLC0415
    from scipy.sparse.csgraph import connected_components  # noqa: PLC0415

    graph = coo_matrix((np.ones(len(pairs), dtype=np.int8), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    involved = np.unique(pairs)
    members: dict[int, list[int]] = {}
    for row in involved.tolist():
        members.setdefault(int(labels[row]), []).append(row)
    ordered = sorted(members.values(), key=lambda rows: (-len(rows), rows[0]))
    groups = [np.asarray(rows, dtype=np.int64) for rows in ordered]
    for number, rows in enumerate(groups):
        group[rows] = number
    return group, groups


# ---------------------------------------------------------------------------------- labels


def encode_labels(labels: np.ndarray | list[Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels as text classes: (codes (N,) with -1 for a missing label, class names, labelled mask).
    Empty, NaN and None values count as missing."""
    values = np.asarray(labels, dtype=object)
    if values.ndim != 1:
        raise ValueError("labels must be one value per item")
    text = np.array(["" if value is None or (isinstance(value, float) and math.isnan(value))
                     else str(value) for value in values.tolist()], dtype=str)
    mask = ~np.isin(np.char.lower(np.char.strip(text)), MISSING_LABELS) if len(text) else \
        np.zeros(0, dtype=bool)
    classes, codes = np.unique(text[mask], return_inverse=True)
    full = np.full(len(text), -1, dtype=np.int64)
    full[mask] = codes.ravel()
    return full, classes, mask


def _check_classes(codes: np.ndarray, classes: np.ndarray, folds: int, name: str) -> None:
    if isinstance(folds, bool) or not isinstance(folds, (int, np.integer)) or folds < 2:
        raise ValueError(f"folds must be a whole number of at least 2, got {folds!r}")
    if len(classes) < 2:
        shown = f" ({classes[0]!r})" if len(classes) else ""
        raise ValueError(f"{name} has {len(classes)} class{shown}; a classifier needs at least 2")
    counts = np.bincount(codes[codes >= 0], minlength=len(classes))
    if np.sort(counts)[-2] < 2:
        raise ValueError(f"{name} needs at least two classes with 2 or more items each")
    if counts.max() < folds:
        raise ValueError(f"{folds} folds need a class with at least {folds} items; "
                         f"the largest class of {name} has {counts.max()}")


@dataclass
class OutOfFold:
    probabilities: np.ndarray  # (n, C) out-of-fold probability of each class, float64
    predictions: np.ndarray  # (n,) out-of-fold predicted class code
    fold_accuracies: np.ndarray  # (folds,) accuracy of each fold, as cross_val_score gives
    coefficients: np.ndarray | None  # mean coef_ of the fold models that saw every class
    warnings: list[str] = field(default_factory=list)


def _logistic():
    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415

    return LogisticRegression(max_iter=1000)


def out_of_fold(vectors: np.ndarray, codes: np.ndarray, n_classes: int, folds: int, seed: int,
                start: float = 0.0, span: float = 1.0) -> Job[OutOfFold]:
    """Logistic regression cross-validated with ``StratifiedKFold(folds, shuffle=True,
    random_state=seed)``: one step per fold. ``codes`` are class codes 0..n_classes-1 (no missing)."""
    from sklearn.exceptions import ConvergenceWarning  # noqa: PLC0415
    from sklearn.model_selection import StratifiedKFold  # noqa: PLC0415

    n = len(codes)
    probabilities = np.zeros((n, n_classes), dtype=np.float64)
    predictions = np.zeros(n, dtype=np.int64)
    accuracies = []
    coefficients = []
    notes: list[str] = []
    splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        warnings.simplefilter("ignore", UserWarning)  # "the least populated class has only ..."
        splits = list(splitter.split(np.zeros((n, 1)), codes))
        for fold, (train, test) in enumerate(splits):
            yield Progress(start + span * fold / folds, 1.0,
                           f"Fitting a logistic regression (fold {fold + 1} of {folds})")
            model = _logistic().fit(vectors[train], codes[train])
            predicted = model.predict(vectors[test])
            predictions[test] = predicted
            accuracies.append(float(np.mean(predicted == codes[test])))
            probabilities[np.ix_(test, model.classes_)] = model.predict_proba(vectors[test])
            if len(model.classes_) == n_classes:
                coefficients.append(np.asarray(model.coef_, dtype=np.float64))
        if any(issubclass(w.category, ConvergenceWarning) for w in caught):
            notes.append("the logistic regression did not converge within 1,000 iterations "
                         "in some folds")
    mean_coefficients = np.mean(coefficients, axis=0) if coefficients else None
    return OutOfFold(probabilities, predictions, np.asarray(accuracies), mean_coefficients, notes)


@dataclass
class LabelIssueResult:
    classes: np.ndarray  # the label values
    labels: np.ndarray  # (N,) class code of each item, -1 without a label
    disagreement: np.ndarray  # (N,) share of the k nearest labelled items with another label
    self_confidence: np.ndarray  # (N,) out-of-fold probability of the item's own label
    suggested: np.ndarray  # (N,) class code the classifier prefers, -1 without a label
    order: np.ndarray  # labelled item rows, most suspicious first
    k: int
    folds: int
    seed: int
    search: str
    notes: list[str] = field(default_factory=list)

    @property
    def issue_score(self) -> np.ndarray:
        """1 - self-confidence: larger is more suspicious (NaN without a label)."""
        return 1.0 - self.self_confidence


def label_issues(vectors: np.ndarray, labels: np.ndarray | list[Any], k: int = 10, folds: int = 5,
                 seed: int = 0, name: str = "the label column", index: Any = None,
                 exact: bool | None = None) -> Job[LabelIssueResult]:
    """Rank the items whose label looks wrong: lowest out-of-fold self-confidence first, ties by the
    share of neighbours with another label. Neighbours are searched among labelled items (cosine)."""
    data = as_vectors(vectors)
    codes, classes, mask = encode_labels(labels)
    if len(codes) != len(data):
        raise ValueError(f"{name} has {len(codes)} values but there are {len(data)} items")
    _check_classes(codes, classes, folds, name)
    labelled = np.flatnonzero(mask)
    check_k(k, len(labelled), "k")
    if index is not None and len(labelled) != len(data):
        index = None  # built over all the items, not the labelled ones
    graph_job = knn_graph(data[labelled], k, "cosine", index=index, exact=exact)
    return _label_issues(data, codes, classes, labelled, graph_job, k, int(folds), int(seed))


def _label_issues(data, codes, classes, labelled, graph_job, k, folds, seed) -> Job[LabelIssueResult]:
    n = len(data)
    graph = yield from scaled_job(graph_job, 0.0, 0.3)
    own = codes[labelled]
    disagreement = np.full(n, np.nan)
    disagreement[labelled] = (own[graph.indices] != own[:, None]).mean(axis=1)
    oof = yield from out_of_fold(data[labelled], own, len(classes), folds, seed, 0.3, 0.7)
    confidence = np.full(n, np.nan)
    confidence[labelled] = oof.probabilities[np.arange(len(own)), own]
    suggested = np.full(n, -1, dtype=np.int64)
    suggested[labelled] = np.argmax(oof.probabilities, axis=1)
    order = labelled[np.lexsort((labelled, -disagreement[labelled], confidence[labelled]))]
    return LabelIssueResult(classes, codes, disagreement, confidence, suggested, order, k, folds,
                            seed, graph.search, oof.warnings)


# ---------------------------------------------------------------------------------- probe


@dataclass
class ProbeResult:
    classes: np.ndarray
    labels: np.ndarray  # (N,) class code of each item, -1 without a label
    accuracy: float  # mean of the fold accuracies (= cross_val_score(...).mean())
    fold_accuracies: np.ndarray
    baseline: float  # share of the largest class
    precision: np.ndarray  # (C,) of the pooled out-of-fold predictions
    recall: np.ndarray  # (C,)
    support: np.ndarray  # (C,) items of each class
    confusion: np.ndarray  # (C, C): rows the true class, columns the predicted one
    probabilities: np.ndarray  # (N, C) out-of-fold; NaN rows for items without a label
    # (C, D) unit vectors, one row (towards classes[1]) with two classes: the mean coefficients of
    # the fold models, so the direction costs no fit beyond cross_val_score's
    directions: np.ndarray
    folds: int
    seed: int
    notes: list[str] = field(default_factory=list)


def probe(vectors: np.ndarray, labels: np.ndarray | list[Any], folds: int = 5, seed: int = 0,
          name: str = "the label column") -> Job[ProbeResult]:
    """How well a linear classifier tells the classes apart from the vectors (a job)."""
    data = as_vectors(vectors)
    codes, classes, mask = encode_labels(labels)
    if len(codes) != len(data):
        raise ValueError(f"{name} has {len(codes)} values but there are {len(data)} items")
    _check_classes(codes, classes, folds, name)
    return _probe(data, codes, classes, np.flatnonzero(mask), int(folds), int(seed))


def _probe(data, codes, classes, labelled, folds, seed) -> Job[ProbeResult]:
    own = codes[labelled]
    x = data[labelled]
    share = 0.95
    oof = yield from out_of_fold(x, own, len(classes), folds, seed, 0.0, share)
    n_classes = len(classes)
    confusion = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(confusion, (own, oof.predictions), 1)
    predicted = confusion.sum(axis=0)
    support = confusion.sum(axis=1)
    diagonal = np.diag(confusion).astype(np.float64)
    precision = np.divide(diagonal, predicted, out=np.zeros(n_classes), where=predicted > 0)
    recall = np.divide(diagonal, support, out=np.zeros(n_classes), where=support > 0)
    coefficients = oof.coefficients
    if coefficients is None:  # no fold saw every class: fit once on all the labelled items
        yield Progress(share, 1.0, "Fitting the probe on all the items for its direction")
        from sklearn.exceptions import ConvergenceWarning  # noqa: PLC0415

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            coefficients = _logistic().fit(x, own).coef_
    directions = unit_rows(np.asarray(coefficients, dtype=np.float64))
    probabilities = np.full((len(data), n_classes), np.nan)
    probabilities[labelled] = oof.probabilities
    return ProbeResult(classes, codes, float(np.mean(oof.fold_accuracies)), oof.fold_accuracies,
                       float(support.max() / support.sum()), precision, recall, support, confusion,
                       probabilities, directions, folds, seed, oof.warnings)
