"""Turn what a user typed into a vector in a project's space: an item (by id or text), or free text
embedded with the project's own model (loaded lazily, so call this in a worker).

Images embedded with a model that knows no text (EfficientNet-lite0) may carry a ConSE matrix
(``extra_vectors["conse/<text model>"]``, see explorer.embedders.conse): free text is then embedded
with that text model and must be searched in that matrix, not in ``emb.vectors``. ``QueryVector.space``
says which; ``search_space`` gives the matrix.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import numpy as np

from explorer.core.embedding_set import EmbeddingSet
from explorer.core.progress import Job, Progress
from explorer.embedders.base import DEFAULT_TEXT_MODEL, EmbedderError
from explorer.embedders.conse import (
    CONSE_PREFIX,
    conse_space,
    describe,
    text_model_of,
)
from explorer.embedders.registry import make_embedder
from explorer.embedders.word_vectors import GLOVE_ID

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
    # Which matrix to search: None for the set's own vectors, else a key of ``emb.extra_vectors``
    # (e.g. "conse/all-MiniLM-L6-v2": images placed in a text model's space, an approximation).
    space: str | None = None


def search_space(emb: EmbeddingSet, query: QueryVector) -> np.ndarray:
    """The (N, D) matrix that ``query.vector`` is to be compared with."""
    if query.space is None:
        return emb.vectors
    matrix = emb.extra_vectors.get(query.space)
    if matrix is None:
        raise EmbedderError(f"this project has no {query.space!r} vectors to search")
    return matrix


def conse_space_of(emb: EmbeddingSet) -> str | None:
    """The project's ConSE matrix, if it has one (the bundled text model's first)."""
    if emb.modality != "image":
        return None
    preferred = conse_space(DEFAULT_TEXT_MODEL)
    if preferred in emb.extra_vectors:
        return preferred
    return next((name for name in emb.extra_vectors if name.startswith(CONSE_PREFIX)), None)


def query_vector(emb: EmbeddingSet, query: str, device: str | None = None) -> Job[QueryVector]:
    index = emb.key_to_index.get(query)
    if index is None and emb.modality == "word":
        index = emb.key_to_index.get(query.lower())
    if index is not None:
        yield Progress(1, 1, "")
        return QueryVector(emb.vectors[index], index, f"item {emb.ids[index]}")
    if emb.modality == "word" and emb.model_id != GLOVE_ID:
        # vectors read from a file: the vocabulary is all there is (no model is named after the file)
        raise EmbedderError(not_in_vocabulary(emb, query))
    if not emb.model_id:
        raise EmbedderError(f"{query!r} is not an item, and this project's vectors were imported as they are, "
                            "with no model to embed new text: type an item's text or id (or import again "
                            "with --model naming the model that made the vectors)")
    space = conse_space_of(emb)
    yield Progress(0, 1, f"Loading {emb.model_id}")
    try:
        embedder = embedder_for(emb.model_id, device)
    except EmbedderError:
        if space is None:
            raise
        embedder = None  # the image model is missing here, but the ConSE vectors need only text
    if embedder is None or "text" not in embedder.modalities:
        if space is None:
            raise EmbedderError(f"{emb.model_id} cannot embed text, and this image project has no "
                                "ImageNet-class (ConSE) vectors to match text with; pick an item instead"
                                + (", or import the images again" if emb.model_id == "efficientnet-lite0"
                                   else ""))
        return (yield from _conse_query(emb, query, space, device))
    texts = getattr(embedder, "embed_texts", embedder.embed)
    vector = next(iter(texts([query])))[0]
    if not np.isfinite(vector).all():
        raise EmbedderError(not_in_vocabulary(emb, query, emb.model_id))
    if vector.shape[0] != emb.dim:
        raise EmbedderError(f"{emb.model_id} gives {vector.shape[0]} dimensions; the project has {emb.dim}")
    yield Progress(1, 1, "")
    return QueryVector(vector, None, f"text embedded with {emb.model_id}")


def close_spellings(words, word: str, n: int = 5) -> list[str]:
    """Up to ``n`` words of ``words`` spelled like ``word`` (difflib's ratio >= 0.75), best first."""
    word = word.strip().lower()
    near = {w for w in map(str, words) if abs(len(w) - len(word)) <= 2}
    return difflib.get_close_matches(word, sorted(near), n=n, cutoff=0.75)


def not_in_vocabulary(emb: EmbeddingSet, word: str, vocabulary: str | None = None) -> str:
    """One line: the word is missing from the vocabulary, and the close spellings it has."""
    close = close_spellings(emb.texts, word)
    where = vocabulary or f"this project ({len(emb):,} words)"
    hint = f"; close spellings: {', '.join(close)}" if close else "; no close spellings"
    return f"{word!r} is not in the vocabulary of {where}{hint}"


def _conse_query(emb: EmbeddingSet, query: str, space: str, device: str | None) -> Job[QueryVector]:
    text_model = text_model_of(space)
    yield Progress(0, 1, f"Loading {text_model}")
    vector = np.asarray(next(iter(embedder_for(text_model, device).embed([query])))[0], dtype=np.float32)
    matrix = emb.extra_vectors[space]
    if vector.shape[0] != matrix.shape[1]:
        raise EmbedderError(f"{text_model} gives {vector.shape[0]} dimensions; the project's ConSE "
                            f"vectors have {matrix.shape[1]}")
    yield Progress(1, 1, "")
    return QueryVector(vector, None, describe(text_model), space=space)


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
        if query.space is not None:
            raise EmbedderError(f"{part!r} cannot be an axis end: {emb.model_id} knows no text, and typed "
                                "text is matched to these images only through ImageNet classes (ConSE "
                                f"approximation) in {text_model_of(query.space)}'s space, not in the "
                                "map's image space; use items or 'selection' as axis ends")
        norm = np.linalg.norm(query.vector)
        vectors.append(query.vector / norm if norm else query.vector)
    return np.mean(vectors, axis=0)
