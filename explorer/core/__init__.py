"""Pure data and maths: no Qt here (checked by the import-linter contract in pyproject.toml)."""

from explorer.core.embedding_set import EmbeddingSet
from explorer.core.progress import Cancelled, Progress, run_to_end
from explorer.core.project import Project, Projection, ViewState

__all__ = [
    "Cancelled",
    "EmbeddingSet",
    "Progress",
    "Project",
    "Projection",
    "ViewState",
    "run_to_end",
]
