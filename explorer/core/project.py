"""A project: the embedding set, its 2-D projections and how the map is shown."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from explorer.core.embedding_set import EmbeddingSet


@dataclass(eq=False)
class Projection:
    """Named (N, 2) coordinates computed by ``method`` with ``params``."""

    name: str
    method: str
    coords: np.ndarray
    params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.coords = np.ascontiguousarray(self.coords, dtype=np.float32)
        if self.coords.ndim != 2 or self.coords.shape[1] != 2:
            raise ValueError(f"projection {self.name!r} must be (N, 2), got {self.coords.shape}")


@dataclass
class ViewState:
    """How the map looks: which projection, which colouring, which item is selected."""

    projection: str | None = None
    color_by: str | None = None
    selected: list[int] = field(default_factory=list)


@dataclass(eq=False)
class Project:
    embeddings: EmbeddingSet
    projections: dict[str, Projection] = field(default_factory=dict)
    view: ViewState = field(default_factory=ViewState)
    title: str = ""
    description: str = ""
    # An approximate nearest-neighbour index over the vectors (explorer.core.ann_index), when built.
    neighbor_index: Any | None = None

    def __post_init__(self) -> None:
        for projection in self.projections.values():
            self.check_projection(projection)
        if self.view.projection is None and self.projections:
            self.view.projection = next(iter(self.projections))

    def check_projection(self, projection: Projection) -> None:
        if len(projection.coords) != len(self.embeddings):
            raise ValueError(
                f"projection {projection.name!r} has {len(projection.coords)} points "
                f"but the project has {len(self.embeddings)} items"
            )

    def add_projection(self, projection: Projection) -> None:
        self.check_projection(projection)
        self.projections[projection.name] = projection

    @property
    def current_projection(self) -> Projection | None:
        if self.view.projection in self.projections:
            return self.projections[self.view.projection]
        return None

    def summary(self) -> dict[str, Any]:
        emb = self.embeddings
        return {
            "title": self.title,
            "items": len(emb),
            "dimensions": emb.dim,
            "modality": emb.modality,
            "model": emb.model_id,
            "columns": emb.column_names,
            "projections": {
                name: {"method": p.method, "params": p.params} for name, p in self.projections.items()
            },
            "color_by": self.view.color_by,
        }


def subset(project: Project, indices: list[int] | np.ndarray, title: str = "") -> Project:
    """A new project holding only the items at ``indices`` (no projections: compute them anew,
    since a layout of the subset alone shows its own structure)."""
    rows = np.asarray(sorted(set(int(i) for i in indices)), dtype=np.int64)
    if len(rows) == 0:
        raise ValueError("nothing is selected")
    emb = project.embeddings
    thumbnails = None
    if emb.thumbnails is not None:
        thumbnails = EmbeddingSet.pack_blobs([emb.thumbnail(int(i)) for i in rows])
    part = EmbeddingSet(
        vectors=emb.vectors[rows], ids=emb.ids[rows], texts=emb.texts[rows], modality=emb.modality,
        model_id=emb.model_id, metadata={k: v[rows] for k, v in emb.metadata.items()},
        image_paths=None if emb.image_paths is None else emb.image_paths[rows], thumbnails=thumbnails)
    return Project(part, {}, ViewState(color_by=project.view.color_by),
                   title=title or f"{len(rows):,} items of {project.title or 'a project'}")
