"""Model families behind one small protocol (see base.Embedder). Heavy imports are lazy."""

from explorer.embedders.base import Embedder, EmbedderError, embed_all, pick_device

__all__ = ["Embedder", "EmbedderError", "embed_all", "pick_device"]
