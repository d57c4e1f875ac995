"""Text queries over images when the image model knows no text: ConSE (Norouzi et al., 2014).

An ImageNet classifier gives each image probabilities over the 1000 classes; the image is placed in
a text model's space at the probability-weighted mean of the text embeddings of its top classes'
prompts ("a photo of a tabby cat."). A typed query, embedded with the same text model, is then
compared to those vectors by cosine. It is an approximation: it only knows what ImageNet's classes
name (cats, rockets, coffee; not people, colours or scenes) and the UI must say so.

The vectors are kept with the embedding set as ``extra_vectors[conse_space(text_model)]``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from explorer.core.neighbors import unit_rows
from explorer.core.progress import Job, Progress
from explorer.embedders.base import Embedder, EmbedderError, cache_dir

CONSE_PREFIX = "conse/"
PROMPT = "a photo of a {}."
TOP = 10  # classes per image, as in the paper's T = 10

_CLASS_EMBEDDINGS: dict[str, np.ndarray] = {}  # per cache key, for this session


def conse_space(text_model_id: str) -> str:
    """The name of the extra per-item matrix that holds the images in ``text_model_id``'s space."""
    return f"{CONSE_PREFIX}{text_model_id}"


def text_model_of(space: str) -> str | None:
    """The text model of a ConSE matrix name, or None if ``space`` is not one."""
    return (space[len(CONSE_PREFIX):] or None) if space.startswith(CONSE_PREFIX) else None


def describe(text_model_id: str) -> str:
    """How a query searched through ConSE is shown to the user: always named an approximation."""
    return f"text matched to images through ImageNet classes (ConSE approximation, {text_model_id})"


# ---------------------------------------------------------------------------------------- classes


def imagenet_class_names() -> list[str]:
    """The 1000 ImageNet-1k classes in the standard index order (the order of the classifier's
    logits). open_clip's names, written for text prompts ("tabby cat", "golden retriever"), read from
    its data module without importing open_clip itself (slow); else torchvision's ("tabby")."""
    spec = importlib.util.find_spec("open_clip")
    if spec is not None and spec.submodule_search_locations:
        path = Path(next(iter(spec.submodule_search_locations))) / "zero_shot_metadata.py"
        try:
            module_spec = importlib.util.spec_from_file_location("_explorer_open_clip_classes", path)
            module = importlib.util.module_from_spec(module_spec)
            module_spec.loader.exec_module(module)
            names = list(module.IMAGENET_CLASSNAMES)
            if len(names) == 1000:
                return names
        except Exception:  # noqa: BLE001 - a moved or changed file: fall back to torchvision
            pass
    try:
        from torchvision.models import ResNet18_Weights  # noqa: PLC0415

        return list(ResNet18_Weights.IMAGENET1K_V1.meta["categories"])
    except ImportError as err:
        raise EmbedderError("no ImageNet class names: open_clip_torch or torchvision is needed") from err


def class_prompts(names: Sequence[str] | None = None) -> list[str]:
    return [PROMPT.format(name) for name in (imagenet_class_names() if names is None else names)]


def _cache_key(text_model_id: str, prompts: Sequence[str]) -> str:
    digest = hashlib.sha256("\n".join([text_model_id, *prompts]).encode("utf-8")).hexdigest()[:16]
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(text_model_id).name or text_model_id)[:60]
    return f"conse-classes-{slug}-{digest}"


def _read_cached(path: Path, rows: int) -> np.ndarray | None:
    try:
        matrix = np.load(path, allow_pickle=False)
    except (OSError, ValueError):
        return None
    if matrix.ndim != 2 or matrix.shape[0] != rows or matrix.dtype != np.float32 or not np.isfinite(matrix).all():
        return None
    return matrix


def _write_cached(path: Path, matrix: np.ndarray) -> None:
    """Atomically, and quietly: a cache that cannot be written only costs time next session."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".npy.part")
        try:
            with os.fdopen(handle, "wb") as file:
                np.save(file, matrix, allow_pickle=False)
            os.replace(temporary, path)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
    except OSError:
        pass


def class_embeddings_job(embedder: Embedder, prompts: Sequence[str] | None = None,
                         batch_size: int = 64) -> Job[np.ndarray]:
    """The unit text embeddings (C, D) float32 of the class prompts, made once per text model:
    kept for the session, and on disk (see ``cache_dir``). Yields Progress between batches."""
    prompts = class_prompts() if prompts is None else list(prompts)
    key = _cache_key(embedder.id, prompts)
    if key in _CLASS_EMBEDDINGS:
        return _CLASS_EMBEDDINGS[key]
    folder = cache_dir()
    path = folder / f"{key}.npy" if folder is not None else None
    matrix = _read_cached(path, len(prompts)) if path is not None else None
    if matrix is None:
        parts = []
        done = 0
        yield Progress(0, len(prompts), f"Embedding {len(prompts):,} ImageNet class names with {embedder.id}")
        for batch in getattr(embedder, "embed_texts", embedder.embed)(prompts, batch_size=batch_size):
            parts.append(np.asarray(batch, dtype=np.float32))
            done += len(batch)
            yield Progress(done, len(prompts), f"Embedding ImageNet class names with {embedder.id}: "
                                               f"{done:,} of {len(prompts):,}")
        matrix = unit_rows(np.concatenate(parts).astype(np.float32))
        if not np.isfinite(matrix).all():
            raise EmbedderError(f"{embedder.id} gave no vector for some ImageNet class names")
        if path is not None:
            _write_cached(path, matrix)
    _CLASS_EMBEDDINGS[key] = matrix
    return matrix


# ---------------------------------------------------------------------------------------- vectors


def conse_vectors(probabilities: np.ndarray, class_embeddings: np.ndarray, top: int = TOP) -> np.ndarray:
    """(N, D) float32: each row the mean of the ``top`` most probable classes' embeddings, weighted
    by their probabilities, sum_t p(c_t) e(c_t) / sum_t p(c_t). Rows with no probability are zero."""
    probabilities = np.asarray(probabilities, dtype=np.float32)
    class_embeddings = np.asarray(class_embeddings, dtype=np.float32)
    if probabilities.ndim != 2 or class_embeddings.ndim != 2 or probabilities.shape[1] != class_embeddings.shape[0]:
        raise ValueError(f"probabilities {probabilities.shape} do not match class embeddings "
                         f"{class_embeddings.shape}")
    n, classes = probabilities.shape
    top = max(1, min(top, classes))
    order = np.argpartition(-probabilities, top - 1, axis=1)[:, :top] if top < classes else \
        np.broadcast_to(np.arange(classes), (n, classes))
    weights = np.take_along_axis(probabilities, order, axis=1)
    out = np.zeros((n, class_embeddings.shape[1]), dtype=np.float32)
    for t in range(top):  # one (N, D) term at a time: no (N, top, D) temporary for big sets
        out += weights[:, t, None] * class_embeddings[order[:, t]]
    total = weights.sum(axis=1, keepdims=True)
    return np.divide(out, total, out=np.zeros_like(out), where=total > 0)
