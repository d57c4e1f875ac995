"""SEAT-style probes for sentence encoders (May et al. 2019): each word is put into neutral
templates ("This is {term}."), the sentences are embedded with the project's model, and the word's
vector is the mean of its sentences' unit vectors. WEAT then runs on those vectors."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from explorer.core.progress import Job, Progress
from explorer.embedders.base import Embedder

TEMPLATES = ("This is {term}.", "That is {term}.", "There is {term}.", "Here is {term}.",
             "{term} is here.", "{term} is there.")


def seat_lookup(embedder: Embedder, words: Sequence[str],
                templates: Sequence[str] = TEMPLATES) -> Job[dict[str, np.ndarray]]:
    """word -> mean unit vector of the word in every template."""
    unique = list(dict.fromkeys(words))
    sentences = [template.format(term=word) for word in unique for template in templates]
    parts = []
    embed_texts = getattr(embedder, "embed_texts", embedder.embed)  # open_clip: embed() takes images
    for batch in embed_texts(sentences, batch_size=64):
        parts.append(np.asarray(batch, dtype=np.float64))
        yield Progress(sum(len(p) for p in parts), len(sentences), "Embedding template sentences")
    vectors = np.concatenate(parts).reshape(len(unique), len(templates), -1)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=2, keepdims=True), 1e-12)
    return {word: vectors[i].mean(axis=0) for i, word in enumerate(unique)}
