"""Labels on the map: names for its regions at two levels, and a placement that never overlaps.

Candidates (``topic_labels``, ``category_labels``) are computed once per projection, Qt-free, as a
job generator. Regions are k-means clusters of the 2-D map itself (so a label names what the eye sees
as one island), at a *broad* level (a few regions) and a *fine* one (several times more). A region is
named by what its items have in common: the c-TF-IDF words of its texts (BERTopic's formula, as in
``core.clusters``), the member words nearest its centroid for word sets, or the majority value of a
label column. A category column gives each category a broad label at its largest island and fine
labels at its other islands.

Placement (``place_labels``) happens at draw time in screen pixels, as DataMapPlot's interactive maps
and Embedding Atlas do: coarse labels first, then bigger regions before smaller ones; a label is drawn
only where its box overlaps no box already placed. A label is shown only while its region's size on
screen suits its level (``shown_at_zoom``): fine labels once their region is big enough to deserve one,
broad labels until their region is much larger than the view.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from explorer.core.neighbors import unit_rows
from explorer.core.progress import Job, Progress

BROAD, FINE = 0, 1
LEVEL_NAMES = ("broad", "fine")
# A fine label appears once its region spans this many pixels; a broad one goes once its region
# spans this many times the view's larger side.
FINE_MIN_EXTENT_PX = 170.0
BROAD_MAX_EXTENT_FACTOR = 1.6
MAX_LABEL_CHARS = 32


class LabelError(ValueError):
    """Labels that cannot be made (no points, nothing to name them by) or read back."""


@dataclass(frozen=True, eq=False)
class MapLabels:
    """Label candidates for one projection: a text, an anchor (data coordinates, on a member
    point), the region's radius (data units), its number of items and its level."""

    source: str  # "topics" or "column:<name>"
    projection: str
    texts: list[str]
    xy: np.ndarray  # (K, 2) float64
    radius: np.ndarray  # (K,) float64
    size: np.ndarray  # (K,) int64
    level: np.ndarray  # (K,) int64, BROAD or FINE

    def __len__(self) -> int:
        return len(self.texts)

    def to_record(self) -> dict[str, Any]:
        """Plain JSON-able data (a few hundred labels at most, so no side arrays)."""
        return {
            "source": self.source, "projection": self.projection, "texts": list(self.texts),
            "x": [float(v) for v in self.xy[:, 0]], "y": [float(v) for v in self.xy[:, 1]],
            "radius": [float(v) for v in self.radius], "size": [int(v) for v in self.size],
            "level": [int(v) for v in self.level],
        }

    @classmethod
    def from_record(cls, record: Any) -> MapLabels:
        try:
            texts = [str(t) for t in record["texts"]]
            xy = np.column_stack([np.asarray(record["x"], dtype=np.float64),
                                  np.asarray(record["y"], dtype=np.float64)]).reshape(-1, 2)
            radius = np.asarray(record["radius"], dtype=np.float64)
            size = np.asarray(record["size"], dtype=np.int64)
            level = np.asarray(record["level"], dtype=np.int64)
            source, projection = str(record["source"]), str(record["projection"])
        except (KeyError, TypeError, ValueError) as err:
            raise LabelError(f"map labels are malformed: {err}") from None
        if not (len(texts) == len(xy) == len(radius) == len(size) == len(level)):
            raise LabelError("map labels are malformed: their fields have different lengths")
        if not np.isin(level, (BROAD, FINE)).all() or not np.isfinite(xy).all():
            raise LabelError("map labels are malformed: bad level or position")
        return cls(source, projection, texts, xy, radius, size, level)


def region_counts(n: int) -> tuple[int, int]:
    """How many broad and fine regions a map of ``n`` points is cut into."""
    broad = int(min(10, max(3, round(np.sqrt(max(n, 0)) / 4))))
    fine = int(min(48, max(2 * broad, n // 250)))
    return min(broad, max(n, 1)), min(fine, max(n, 1))


def regions(coords: np.ndarray, k: int, seed: int = 0, max_iter: int = 30, fit_sample: int = 10_000) -> np.ndarray:
    """k-means on the map's 2-D points, as (N,) region ids 0..k-1 (empty regions dropped).

    Plain numpy (k-means++ seeding, Lloyd's iterations) on at most ``fit_sample`` points, then every
    point is assigned to its nearest centre: a fraction of a second at 50,000 points, without
    importing scikit-learn (seconds on a cold start) for a 2-D problem.
    """
    xy = np.asarray(coords, dtype=np.float64)
    n = len(xy)
    k = max(1, min(int(k), n))
    if k == 1:
        return np.zeros(n, dtype=np.int64)
    rng = np.random.default_rng(seed)
    fit = xy if n <= fit_sample else xy[rng.choice(n, fit_sample, replace=False)]
    centres = _kmeans_plus_plus(fit, k, rng)
    for _ in range(max_iter):
        nearest = _nearest_centre(fit, centres)
        counts = np.bincount(nearest, minlength=k)
        sums = np.stack([np.bincount(nearest, fit[:, 0], k), np.bincount(nearest, fit[:, 1], k)], axis=1)
        moved = np.where(counts[:, None] > 0, sums / np.maximum(counts, 1)[:, None], centres)
        if np.allclose(moved, centres, rtol=0, atol=1e-9):
            break
        centres = moved
    labels = _nearest_centre(xy, centres)
    _, dense = np.unique(labels, return_inverse=True)
    return dense.ravel().astype(np.int64)


def _kmeans_plus_plus(xy: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    centres = [xy[rng.integers(len(xy))]]
    d2 = ((xy - centres[0]) ** 2).sum(axis=1)
    for _ in range(1, k):
        total = d2.sum()
        pick = rng.integers(len(xy)) if total <= 0 else int(np.searchsorted(np.cumsum(d2), rng.random() * total))
        centres.append(xy[min(pick, len(xy) - 1)])
        d2 = np.minimum(d2, ((xy - centres[-1]) ** 2).sum(axis=1))
    return np.array(centres)


def _nearest_centre(xy: np.ndarray, centres: np.ndarray, chunk: int = 100_000) -> np.ndarray:
    out = np.empty(len(xy), dtype=np.int64)
    cx, cy = centres[:, 0].astype(np.float32), centres[:, 1].astype(np.float32)
    for start in range(0, len(xy), chunk):
        part = xy[start:start + chunk].astype(np.float32)
        dx = part[:, :1] - cx
        dy = part[:, 1:] - cy
        d = dx * dx
        d += dy * dy
        out[start:start + chunk] = d.argmin(axis=1)
    return out


def _anchor(xy: np.ndarray) -> tuple[np.ndarray, float]:
    """The member nearest the members' median (so the label sits on data), and the radius that
    holds three quarters of the members around it."""
    centre = np.median(xy, axis=0)
    d = np.hypot(*(xy - centre).T)
    anchor = xy[int(np.argmin(d))]
    spread = np.hypot(*(xy - anchor).T)
    return anchor, float(np.quantile(spread, 0.75)) if len(spread) else 0.0


def _short(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= MAX_LABEL_CHARS else text[:MAX_LABEL_CHARS - 1] + "…"


MAX_NAMING_TEXTS = 20_000


class _TermCounts:
    """Each text's word counts, made once and summed per region for c-TF-IDF at every level.

    Above ``max_texts`` texts a seeded random sample of that many is counted: a region's most
    distinctive words come out the same from a sample of thousands, in a fraction of the time."""

    def __init__(self, texts: Sequence[str], stop_words: str | list[str] | None = "english",
                 max_texts: int = MAX_NAMING_TEXTS, seed: int = 0) -> None:
        from sklearn.feature_extraction.text import CountVectorizer  # noqa: PLC0415

        n = len(texts)
        self.rows = None if n <= max_texts else np.sort(np.random.default_rng(seed).choice(n, max_texts, replace=False))
        chosen = texts if self.rows is None else [texts[i] for i in self.rows.tolist()]
        vectorizer = CountVectorizer(stop_words=stop_words)
        try:
            self.counts = vectorizer.fit_transform([str(t) for t in chosen]).tocsr()
            self.vocabulary = vectorizer.get_feature_names_out()
        except ValueError:  # nothing but stop words
            self.counts, self.vocabulary = None, np.zeros(0, dtype=str)

    def names(self, labels: np.ndarray, ids: list[int], top_n: int) -> dict[int, list[str]]:
        """c-TF-IDF as ``core.clusters.ctfidf``: tf per region times log(1 + A / f)."""
        if self.counts is None or not len(self.vocabulary):
            return {c: [] for c in ids}
        from scipy import sparse  # noqa: PLC0415

        if self.rows is not None:
            labels = np.asarray(labels)[self.rows]
        rows = np.searchsorted(ids, labels)
        member = sparse.csr_matrix((np.ones(len(labels)), (rows, np.arange(len(labels)))),
                                   shape=(len(ids), len(labels)))
        counts = np.asarray((member @ self.counts).todense(), dtype=np.float64)
        words = counts.sum(axis=1)
        tf = counts / np.where(words == 0, 1, words)[:, None]
        total = counts.sum(axis=0)
        idf = np.log(1 + int(words.mean()) / np.where(total == 0, 1, total))
        scores = tf * idf
        out = {}
        for row, c in enumerate(ids):
            order = np.argsort(-scores[row], kind="stable")[:top_n]
            out[c] = [str(self.vocabulary[i]) for i in order if scores[row, i] > 0]
        return out


def _majority_names(labels: np.ndarray, column: np.ndarray, ids: list[int]) -> dict[int, list[str]]:
    out = {}
    for c in ids:
        counts = Counter(column[labels == c].tolist()).most_common(2)
        (top, n_top), total = counts[0], int((labels == c).sum())
        if n_top / total >= 0.6 or len(counts) == 1:
            out[c] = [str(top)]
        else:
            out[c] = [f"{top} / {counts[1][0]}"]
    return out


def _centroid_names(labels: np.ndarray, units: np.ndarray, words: np.ndarray, ids: list[int],
                    top_n: int) -> dict[int, list[str]]:
    out = {}
    for c in ids:
        members = np.flatnonzero(labels == c)
        centre = units[members].mean(axis=0)
        norm = np.linalg.norm(centre)
        sims = units[members] @ (centre / norm if norm else centre)
        # the 30 most typical members; of those, the ones first in the set (word-vector files list
        # words by frequency, so "government" before "thapa"), words with a letter before "1990"
        typical = np.sort(np.argsort(-sims, kind="stable")[:30])
        wordy = [str(words[members[i]]) for i in typical if any(ch.isalpha() for ch in str(words[members[i]]))]
        out[c] = (wordy or [str(words[members[i]]) for i in typical])[:top_n]
    return out


def topic_labels(coords: np.ndarray, *, texts: Sequence[str] | None = None,
                 vectors: np.ndarray | None = None, words: Sequence[str] | None = None,
                 column: Sequence[Any] | None = None, projection: str = "",
                 seed: int = 0) -> Job[MapLabels]:
    """Automatic topics at two levels. Name regions by ``column`` (majority value), by ``vectors``
    with ``words`` (the member words nearest the centroid), or by ``texts`` (c-TF-IDF)."""
    xy = _check_coords(coords)
    n = len(xy)
    for name, values in (("texts", texts), ("vectors", vectors), ("words", words), ("column", column)):
        if values is not None and len(values) != n:
            raise LabelError(f"{name} has {len(values)} entries for {n} points")
    if column is None and texts is None and (vectors is None or words is None):
        raise LabelError("give texts, a label column, or vectors with words to name the regions")
    return _topic_job(xy, texts, vectors, words, column, projection, seed)


def _topic_job(xy, texts, vectors, words, column, projection, seed) -> Job[MapLabels]:
    n = len(xy)
    broad_k, fine_k = region_counts(n)
    yield Progress(0, 4, "Finding the map's regions")
    levels = [(BROAD, regions(xy, broad_k, seed))]
    yield Progress(1, 4, "Finding the map's regions")
    levels.append((FINE, regions(xy, fine_k, seed + 1)))
    yield Progress(2, 4, "Naming the regions")
    if column is not None:
        values = np.asarray(column).astype(str)

        def name(labels, ids, top_n):
            return _majority_names(labels, values, ids)
    elif vectors is not None and words is not None:
        units = unit_rows(np.asarray(vectors, dtype=np.float32))
        word_array = np.asarray(words).astype(str)

        def name(labels, ids, top_n):
            return _centroid_names(labels, units, word_array, ids, top_n)
    else:
        terms = _TermCounts(texts)

        def name(labels, ids, top_n):
            return terms.names(labels, ids, top_n)
    yield Progress(3, 4, "Naming the regions")
    out: list[tuple[str, np.ndarray, float, int, int]] = []
    (_, broad_labels), (_, fine_labels) = levels
    broad_ids = [int(c) for c in np.unique(broad_labels)]
    broad_terms = name(broad_labels, broad_ids, 5)
    for c in broad_ids:
        members = xy[broad_labels == c]
        if broad_terms[c] and len(members) >= 2:
            anchor, radius = _anchor(members)
            out.append((_short(", ".join(broad_terms[c][:2])), anchor, radius, len(members), BROAD))
    fine_ids = [int(c) for c in np.unique(fine_labels)]
    fine_terms = name(fine_labels, fine_ids, 6)
    for c in fine_ids:
        inside = fine_labels == c
        if inside.sum() < 2:
            continue
        # a fine label says what is particular to its part of the broad region around it
        parent = int(np.bincount(broad_labels[inside]).argmax())
        said = set(broad_terms.get(parent, [])[:2])
        terms = [t for t in fine_terms[c] if t not in said][:2]
        if terms:
            anchor, radius = _anchor(xy[inside])
            out.append((_short(", ".join(terms)), anchor, radius, int(inside.sum()), FINE))
    yield Progress(4, 4, "Naming the regions")
    return _pack("topics", projection, out)


def labels_for(embeddings: Any, coords: np.ndarray, source: str = "topics", projection: str = "",
               color_by: str | None = None) -> Job[MapLabels]:
    """The label job for an EmbeddingSet's map: "topics" names regions by the set's own content
    (c-TF-IDF of texts, nearest words for word sets, the majority of a label column for images,
    preferring ``color_by``), "column:<name>" labels that column's categories."""
    if source.startswith("column:"):
        name = source[len("column:"):]
        if name not in embeddings.metadata:
            raise LabelError(f"no column {name!r} to label the map by")
        return category_labels(coords, embeddings.metadata[name], name, projection)
    if source != "topics":
        raise LabelError(f"unknown label source {source!r}")
    if embeddings.modality == "word":
        return topic_labels(coords, vectors=embeddings.vectors, words=embeddings.texts, projection=projection)
    if embeddings.modality == "text":
        return topic_labels(coords, texts=embeddings.texts, projection=projection)
    column = label_column(embeddings.metadata, color_by)
    if column is None:
        raise LabelError("images without a label column have no topics; label the map by a column")
    return topic_labels(coords, column=embeddings.metadata[column], projection=projection)


def label_column(metadata: dict[str, np.ndarray], preferred: str | None = None) -> str | None:
    """A categorical column fit to name regions (2 to 100 distinct values), ``preferred`` first."""
    names = ([preferred] if preferred in metadata else []) + [c for c in metadata if c != preferred]
    for name in names:
        values = np.asarray(metadata[name])
        if values.dtype.kind in "fc":
            continue
        if 2 <= len(np.unique(values.astype(str))) <= 100:
            return name
    return None


def category_labels(coords: np.ndarray, values: Sequence[Any], column: str = "", projection: str = "",
                    max_categories: int = 60, seed: int = 0) -> Job[MapLabels]:
    """A broad label per category at its largest island, fine labels at its other islands (the
    ``max_categories`` most frequent categories)."""
    xy = _check_coords(coords)
    values = np.asarray(values)
    if len(values) != len(xy):
        raise LabelError(f"the column has {len(values)} values for {len(xy)} points")
    return _category_job(xy, values.astype(str), column, projection, max_categories, seed)


def _category_job(xy, values, column, projection, max_categories, seed) -> Job[MapLabels]:
    names, counts = np.unique(values, return_counts=True)
    order = np.argsort(-counts, kind="stable")[:max_categories]
    out = []
    for step, i in enumerate(order):
        yield Progress(step, len(order), "Placing the categories")
        members = xy[values == names[i]]
        if len(members) < 2:
            continue
        k = int(min(4, max(1, len(members) // 50)))
        parts = regions(members, k, seed) if k > 1 else np.zeros(len(members), dtype=np.int64)
        sizes = np.bincount(parts)
        islands: list[tuple[np.ndarray, float]] = []
        for part in np.argsort(-sizes, kind="stable"):
            if sizes[part] < max(2, 0.1 * len(members)):
                continue
            anchor, radius = _anchor(members[parts == part])
            # a part that overlaps an island already labelled is the same island, cut in two
            if any(np.hypot(*(anchor - a)) < radius + r for a, r in islands):
                continue
            out.append((_short(names[i]), anchor, radius, int(sizes[part]), BROAD if not islands else FINE))
            islands.append((anchor, radius))
    return _pack(f"column:{column}", projection, out)


def _check_coords(coords: np.ndarray) -> np.ndarray:
    xy = np.asarray(coords, dtype=np.float64)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise LabelError(f"map coordinates must be (N, 2), got {xy.shape}")
    if len(xy) == 0:
        raise LabelError("the map has no points to label")
    if not np.isfinite(xy).all():
        raise LabelError("the map has points without a position (NaN)")
    return xy


def _pack(source: str, projection: str, rows: list) -> MapLabels:
    if not rows:
        return MapLabels(source, projection, [], np.zeros((0, 2)), np.zeros(0), np.zeros(0, np.int64),
                         np.zeros(0, np.int64))
    return MapLabels(source, projection, [r[0] for r in rows], np.array([r[1] for r in rows], dtype=np.float64),
                     np.array([r[2] for r in rows], dtype=np.float64), np.array([r[3] for r in rows], np.int64),
                     np.array([r[4] for r in rows], np.int64))


# ------------------------------------------------------------------------------------------------
# Placement, in screen pixels


def shown_at_zoom(level: np.ndarray, extent_px: np.ndarray, view_px: float) -> np.ndarray:
    """Which labels suit the current zoom: a fine label once its region spans FINE_MIN_EXTENT_PX
    pixels, a broad one until its region spans BROAD_MAX_EXTENT_FACTOR times the view."""
    level = np.asarray(level)
    extent_px = np.asarray(extent_px, dtype=np.float64)
    fine_ok = extent_px >= FINE_MIN_EXTENT_PX
    broad_ok = extent_px <= BROAD_MAX_EXTENT_FACTOR * view_px
    return np.where(level == FINE, fine_ok, broad_ok)


def boxes_intersect(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Whether box ``a`` (x0, y0, x1, y1) intersects each row of ``b`` (touching edges do not)."""
    b = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    return (a[0] < b[:, 2]) & (b[:, 0] < a[2]) & (a[1] < b[:, 3]) & (b[:, 1] < a[3])


def place_labels(boxes: np.ndarray, priority: np.ndarray, viewport: tuple[float, float, float, float] | None = None,
                 obstacles: np.ndarray | None = None, gap: float = 2.0) -> np.ndarray:
    """Greedy placement: labels in order of ``priority`` (highest first, ties by position in the
    input); a label is kept when its box (x0, y0, x1, y1, grown by ``gap`` pixels) lies inside
    ``viewport`` and intersects neither a kept box nor an obstacle. Returns the kept indices in the
    order placed."""
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    order = np.argsort(-np.asarray(priority, dtype=np.float64), kind="stable")
    taken = np.zeros((len(boxes) + (0 if obstacles is None else len(obstacles)), 4))
    count = 0
    if obstacles is not None and len(obstacles):
        taken[:len(obstacles)] = np.asarray(obstacles, dtype=np.float64).reshape(-1, 4)
        count = len(obstacles)
    kept = []
    for i in order:
        box = boxes[i] + np.array([-gap, -gap, gap, gap])
        if viewport is not None:
            vx0, vy0, vx1, vy1 = viewport
            if box[0] < vx0 or box[1] < vy0 or box[2] > vx1 or box[3] > vy1:
                continue
        if count and boxes_intersect(box, taken[:count]).any():
            continue
        taken[count] = box
        count += 1
        kept.append(int(i))
    return np.asarray(kept, dtype=np.int64)


def label_priority(labels: MapLabels) -> np.ndarray:
    """Broad before fine, then bigger regions first."""
    size = labels.size.astype(np.float64)
    return np.where(labels.level == BROAD, 1e12, 0.0) + size
