"""Turn what a user typed into a vector in a project's space: an item (by id or text), or free text
embedded with the project's own model (loaded lazily, so call this in a worker)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explorer.core.embedding_set import EmbeddingSet
from explorer.core.progress import Job, Progress
from explorer.embedders.base import EmbedderError
from explorer.embedders.registry import make_embedder

_EMBEDDERS: dict[str, object] = {}  # one loaded model per id, kept for the next query


def embedder_for(model_id: str, device: str | None = None):
    """The project's model, loaded once per session."""
    if not model_id:
        raise EmbedderError("the project names no model")
    if model_id not in _EMBEDDERS:
        _EMBEDDERS[model_id] = make_embedder(model_id, device)
    return _EMBEDDERS[model_id]


@dataclass
class QueryVector:
    vector: np.ndarray
    item: int | None  # the item the query names, if it is one (excluded from its own neighbours)
    description: str


def query_vector(emb: EmbeddingSet, query: str, device: str | None = None) -> Job[QueryVector]:
    index = emb.key_to_index.get(query)
    if index is None and emb.modality == "word":
        index = emb.key_to_index.get(query.lower())
    if index is not None:
        yield Progress(1, 1, "")
        return QueryVector(emb.vectors[index], index, f"item {emb.ids[index]}")
    if not emb.model_id:
        raise EmbedderError(f"{query!r} is not an item, and the project names no model to embed it with")
    yield Progress(0, 1, f"Loading {emb.model_id}")
    embedder = embedder_for(emb.model_id, device)
    if "text" not in embedder.modalities:
        raise EmbedderError(f"{emb.model_id} cannot embed text; pick an item instead")
    texts = getattr(embedder, "embed_texts", embedder.embed)
    vector = next(iter(texts([query])))[0]
    if not np.isfinite(vector).all():
        raise EmbedderError(f"{query!r} is not in the vocabulary of {emb.model_id}")
    if vector.shape[0] != emb.dim:
        raise EmbedderError(f"{emb.model_id} gives {vector.shape[0]} dimensions; the project has {emb.dim}")
    yield Progress(1, 1, "")
    return QueryVector(vector, None, f"text embedded with {emb.model_id}")


def axis_end(emb: EmbeddingSet, text: str, selection: list[int], device: str | None = None) -> Job[np.ndarray]:
    """One end of a custom axis, as a unit vector: "selection" (the selection's centroid), items
    separated by commas (their centroid), or any text (embedded with the project's model)."""
    text = text.strip()
    if not text:
        raise EmbedderError("each end of an axis needs a term, items, or 'selection'")
    if text.lower() == "selection":
        if not selection:
            raise EmbedderError("'selection' was asked for, but nothing is selected")
        return emb.unit_vectors[selection].mean(axis=0)
    parts = [p.strip() for p in text.split(",") if p.strip()]
    vectors = []
    for part in parts:
        query = yield from query_vector(emb, part, device)
        norm = np.linalg.norm(query.vector)
        vectors.append(query.vector / norm if norm else query.vector)
    return np.mean(vectors, axis=0)


def axes_job(emb: EmbeddingSet, x_from: str, x_to: str, y_from: str = "", y_to: str = "",
             selection: list[int] | None = None, device: str | None = None) -> Job:
    """A custom-axes projection: x runs from ``x_from`` to ``x_to`` (and y likewise, if given)."""
    from explorer.core.projections import axes_projection  # noqa: PLC0415

    selection = selection or []
    start = yield from axis_end(emb, x_from, selection, device)
    end = yield from axis_end(emb, x_to, selection, device)
    y_direction = None
    if y_from.strip() or y_to.strip():
        y_start = yield from axis_end(emb, y_from, selection, device)
        y_end = yield from axis_end(emb, y_to, selection, device)
        y_direction = y_end - y_start
    name = f"Axes {x_from.strip()}→{x_to.strip()}"
    params = {"x": [x_from, x_to], "y": [y_from, y_to] if y_direction is not None else None}
    return axes_projection(emb.vectors, end - start, y_direction, name=name, params=params)
