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
    embedder = _EMBEDDERS.get(emb.model_id)
    if embedder is None:
        embedder = _EMBEDDERS[emb.model_id] = make_embedder(emb.model_id, device)
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
