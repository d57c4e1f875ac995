"""Nearest neighbours of an item, of a selection's centroid, or of typed text, and the approximate
index that speeds them up on large sets.

Which space is searched: the original embedding space (exactly, or through the project's index
when one is built for the metric), except for typed text over an image set whose model reads no
text: that is matched among the images' ConSE vectors (ImageNet classes placed in a text model's
space, explorer.embedders.conse), exactly, and the result says it is an approximation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from explorer.actions.errors import ActionError, reported
from explorer.actions.tables import Table, with_metadata
from explorer.core.embedding_set import EmbeddingSet
from explorer.core.neighbors import Neighbors
from explorer.core.progress import Job, Progress

#: What the neighbours are of.
ITEM, CENTROID, TEXT = "item", "centroid", "text"


@dataclass(frozen=True)
class NeighborsRequest:
    source: str = TEXT  # ITEM (the first of ``items``), CENTROID (of ``items``) or TEXT
    text: str = ""  # with TEXT: an item's id or text, or any text to embed with the project's model
    items: tuple[int, ...] = ()
    k: int = 10
    metric: str = "cosine"
    device: str | None = None  # torch device for embedding typed text


@dataclass(frozen=True)
class NeighborsOutcome:
    neighbors: Neighbors
    query: str  # what was asked: the typed text, or the item / centroid
    description: str  # what it was resolved as ("item government", "text embedded with ...")
    search: str  # "exact", or the index that answered (with its measured recall)
    space: str | None = None  # None: the original space; else the ConSE matrix searched
    dim: int = field(default=0)  # dimensions of the original space

    def space_description(self) -> str:
        if self.space is None:
            return f"original {self.dim}-d embedding space"
        return (f"{self.space}: images placed in {self.space.split('/', 1)[-1]}'s text space through "
                "ImageNet classes (ConSE approximation)")

    def table(self, emb: EmbeddingSet) -> Table:
        indices = [int(i) for i in self.neighbors.indices]
        metric = self.neighbors.metric
        columns = with_metadata({"rank": list(range(1, len(indices) + 1)), "id": emb.ids[indices],
                                 "text": emb.texts[indices], metric: np.asarray(self.neighbors.scores, dtype=float)},
                                emb, indices)
        meta = {"query": self.query, "resolved_as": self.description, "metric": metric,
                "space": self.space_description(), "k": len(indices), "search": self.search}
        return Table(columns, meta)


def saved_outcome(saved, dim: int = 0) -> NeighborsOutcome:
    """A neighbours result as a project keeps it (its session's NeighborsSession record)."""
    return NeighborsOutcome(saved.result, saved.description, saved.description, saved.how, saved.space, dim)


def find_neighbors(project, request: NeighborsRequest) -> Job[NeighborsOutcome]:
    """The job answering ``request`` over ``project``. The project's vectors and index are taken
    now, on the caller's thread; the returned generator only computes."""
    emb, index = project.embeddings, project.neighbor_index
    if request.source == TEXT and not request.text.strip():
        raise ActionError("type a word, an item's text or id, or any text to embed")
    if request.source in (ITEM, CENTROID) and not request.items:
        raise ActionError("select a point on the map first")
    return _find(emb, index, request)


def _find(emb: EmbeddingSet, index, request: NeighborsRequest) -> Job[NeighborsOutcome]:
    from explorer.core.ann_index import describe_search, nearest_auto  # noqa: PLC0415
    from explorer.core.neighbors import nearest  # noqa: PLC0415
    from explorer.embedders.base import EmbedderError  # noqa: PLC0415
    from explorer.embedders.query import query_vector, search_space  # noqa: PLC0415

    metric, k = request.metric, request.k
    exclude: list[int] = []
    if request.source == TEXT:
        text = request.text.strip()
        try:
            query = yield from query_vector(emb, text, request.device)
        except EmbedderError as err:
            raise ActionError(str(err)) from None
        vector, description = query.vector, query.description
        exclude = [query.item] if query.item is not None else []
        if query.space is not None:  # typed text over images: searched among their ConSE vectors
            yield Progress(0, 1, "Searching")
            result = nearest(search_space(emb, query), vector, k=k, metric=metric, exclude=exclude)
            return NeighborsOutcome(result, text, description, "exact", query.space, emb.dim)
        asked = text
    elif request.source == ITEM:
        item = request.items[0]
        vector, exclude = emb.vectors[item], [item]
        description = asked = f"item {emb.ids[item]}"
    else:
        rows = list(request.items)
        vector = (emb.unit_vectors[rows] if metric == "cosine" else emb.vectors[rows]).mean(axis=0)
        exclude = rows
        description = asked = f"centroid of {len(rows):,} selected items"
    how = describe_search(index, emb.vectors, metric)
    yield Progress(0, 1, "Searching the index" if how != "exact" else "Searching")
    try:
        result = nearest_auto(emb.vectors, vector, k=k, metric=metric, exclude=exclude,
                              unit_vectors=emb.unit_vectors if metric == "cosine" else None, index=index)
    except ValueError as err:
        raise ActionError(str(err)) from None
    return NeighborsOutcome(result, asked, description, how, None, emb.dim)


# ------------------------------------------------------------------------------ the index


@dataclass(frozen=True)
class IndexRequest:
    metric: str = "cosine"


def build_index(project, request: IndexRequest) -> Job:
    """An approximate neighbour index for the project's vectors (recall measured); returns an
    ApproximateIndex to keep as ``project.neighbor_index``."""
    from explorer.core.ann_index import build_index_job  # noqa: PLC0415

    return reported(build_index_job(project.embeddings.vectors, request.metric))
