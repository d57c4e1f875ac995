"""A project: the embedding set, its 2-D projections and the session (how the map is shown,
explorer.core.session)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from explorer.core.embedding_set import EmbeddingSet
from explorer.core.session import ViewState


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
class DataSource:
    """Where the items came from. ``root`` is the folder that image paths are relative to; it is
    None when a reopened project's data folder was not found (or not trusted) on this machine."""

    path: str = ""  # the file or folder that was imported, as the user chose it
    kind: str = ""  # texts, images, image-table, vectors, ...
    options: dict[str, Any] = field(default_factory=dict)  # the import options, to redo it
    root: Path | None = None
    stored_root: str = ""  # the root as the project file gave it, to tell the user what is missing
    # A copy of the source data inside the project, when the user asked for one: relative path ->
    # bytes, packed as names + one blob + offsets (no object arrays).
    copy: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    keep_copy: bool = False

    def copied_files(self) -> dict[str, bytes]:
        if self.copy is None:
            return {}
        names, blob, offsets = self.copy
        return {str(name): blob[offsets[i]:offsets[i + 1]].tobytes() for i, name in enumerate(names.tolist())}


@dataclass(eq=False)
class Project:
    embeddings: EmbeddingSet
    projections: dict[str, Projection] = field(default_factory=dict)
    view: ViewState = field(default_factory=ViewState)
    title: str = ""
    description: str = ""
    # An approximate nearest-neighbour index over the vectors (explorer.core.ann_index), when built.
    neighbor_index: Any | None = None
    bookmarks: dict[str, list[int]] = field(default_factory=dict)  # named selections
    source: DataSource | None = None

    def image_file(self, index: int) -> Path | None:
        """The image file of item ``index`` on this machine, or None when it cannot be found
        inside the data folder (a path that would leave that folder is refused: ValueError)."""
        from explorer.core.paths import UnfollowablePathError, resolve_inside  # noqa: PLC0415

        emb = self.embeddings
        if emb.image_paths is None or self.source is None or self.source.root is None:
            return None
        try:
            path = resolve_inside(self.source.root, emb.image_paths[index])
            return path if path.is_file() else None
        except (UnfollowablePathError, OSError):  # a loop of links, a name too long: not found
            return None

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
        image_paths=None if emb.image_paths is None else emb.image_paths[rows], thumbnails=thumbnails,
        extra_vectors={name: matrix[rows] for name, matrix in emb.extra_vectors.items()})
    source = None
    if project.source is not None:  # same data folder; the copy (if any) stays with the original
        source = DataSource(project.source.path, project.source.kind, dict(project.source.options),
                            project.source.root, project.source.stored_root)
    return Project(part, {}, ViewState(color_by=project.view.color_by),
                   title=title or f"{len(rows):,} items of {project.title or 'a project'}", source=source)
