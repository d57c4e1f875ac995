"""A project: the items, one or more embeddings of them (sets), each with its own 2-D projections,
neighbour index and panel results, and the session (how the map is shown, explorer.core.session).

One set is active at a time and is lent to the rest of the code: ``project.embeddings`` holds the
items with the active set's vectors and model id, ``project.projections`` and
``project.neighbor_index`` are the active set's, and ``project.view`` holds its session fields
(``SetSession``). ``switch_set`` parks them in their ``VectorSet`` and lends another's, so every
panel, the map and the index work on the chosen set without knowing there are others."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from explorer.core.embedding_set import EmbeddingSet
from explorer.core.session import SetSession, ViewState


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


@dataclass(eq=False)
class VectorSet:
    """One embedding of the project's items (a model's vectors, row i = item i) with its maps, its
    neighbour index and its session fields. While the set is active these are lent to the project
    and ``vectors`` is None here (see the module's docstring)."""

    name: str
    model_id: str = ""
    vectors: np.ndarray | None = None
    projections: dict[str, Projection] = field(default_factory=dict)
    neighbor_index: Any | None = None
    session: SetSession = field(default_factory=SetSession)


OWN_SET = "vectors"  # names the project's vectors when they have no model id


def default_set_name(model_id: str, taken: Any = ()) -> str:
    """The name of a project's first set: its model id (or "vectors"), made unique."""
    base = model_id.strip() or OWN_SET
    name, n = base, 2
    while name in taken:
        name, n = f"{base} ({n})", n + 1
    return name


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
    # Every embedding of the items by name, in the order the user sees them; the active one's data
    # is lent to ``embeddings``/``projections``/``neighbor_index``/``view``.
    sets: dict[str, VectorSet] = field(default_factory=dict)
    active_set: str = ""

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
        if not self.active_set:
            self.active_set = default_set_name(self.embeddings.model_id, self.sets)
        if self.active_set not in self.sets:
            self.sets = {self.active_set: VectorSet(self.active_set, self.embeddings.model_id), **self.sets}
        for vector_set in self.sets.values():
            if vector_set.name != self.active_set:
                self._check_set(vector_set)

    # ------------------------------------------------------------------ embedding sets
    def set_names(self) -> list[str]:
        return list(self.sets)

    def set_vectors(self, name: str) -> np.ndarray:
        """The vectors of set ``name`` (KeyError if there is none)."""
        return self.embeddings.vectors if name == self.active_set else self.sets[name].vectors

    def set_model(self, name: str) -> str:
        return self.embeddings.model_id if name == self.active_set else self.sets[name].model_id

    def set_projections(self, name: str) -> dict[str, Projection]:
        return self.projections if name == self.active_set else self.sets[name].projections

    def set_index(self, name: str) -> Any | None:
        return self.neighbor_index if name == self.active_set else self.sets[name].neighbor_index

    def _check_set(self, vector_set: VectorSet) -> None:
        vectors = vector_set.vectors
        if vectors is None or np.ndim(vectors) != 2 or len(vectors) != len(self.embeddings) or vectors.shape[1] == 0:
            shape = None if vectors is None else np.shape(vectors)
            raise ValueError(f"set {vector_set.name!r} must be an (N, D) matrix with N = {len(self.embeddings)}, "
                             f"got {shape}")
        vector_set.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        for projection in vector_set.projections.values():
            self.check_projection(projection)

    def add_set(self, vector_set: VectorSet) -> None:
        """Keep another embedding of the items (ValueError: a name in use, a matrix of another size)."""
        name = vector_set.name.strip()
        if not name:
            raise ValueError("a set needs a name")
        if name in self.sets:
            raise ValueError(f"the project has a set named {name!r} already; choose another name")
        vector_set.name = name
        self._check_set(vector_set)
        self.sets[name] = vector_set

    def remove_set(self, name: str) -> None:
        if name == self.active_set:
            raise ValueError(f"{name!r} is the active set; switch to another one first")
        if name not in self.sets:
            raise KeyError(name)
        del self.sets[name]

    def switch_set(self, name: str) -> None:
        """Make set ``name`` the active one: its vectors, maps, index and session fields are lent
        to the project and the previous set's are parked (KeyError for an unknown set)."""
        if name not in self.sets:
            raise KeyError(name)
        if name == self.active_set:
            return
        old, new = self.sets[self.active_set], self.sets[name]
        emb = self.embeddings
        old.vectors, old.model_id = emb.vectors, emb.model_id
        old.projections, old.neighbor_index = self.projections, self.neighbor_index
        emb.vectors, emb.model_id = new.vectors, new.model_id
        emb.__dict__.pop("unit_vectors", None)  # cached for the previous vectors
        self.projections, self.neighbor_index = new.projections, new.neighbor_index
        new.vectors, new.projections, new.neighbor_index = None, {}, None
        self.active_set = name
        incoming = new.session
        new.session = SetSession()
        old.session = self.view.swap_set(incoming)
        if self.view.projection not in self.projections:
            self.view.projection = next(iter(self.projections), None)

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
            "active_set": self.active_set,
            "sets": {name: {"model": self.set_model(name), "dimensions": int(self.set_vectors(name).shape[1]),
                            "projections": list(self.set_projections(name))} for name in self.sets},
            "columns": emb.column_names,
            "projections": {
                name: {"method": p.method, "params": p.params} for name, p in self.projections.items()
            },
            "color_by": self.view.color_by,
        }

    @classmethod
    def from_table(cls, data: Any, text: str | None = None, vectors: Any = None, labels: str | None = None,
                   **options: Any) -> Project:
        """A project from a pandas / Arrow table of vectors, for notebooks (explorer.core.tables)."""
        from explorer.core.tables import project_from_table  # noqa: PLC0415

        return project_from_table(data, text=text, vectors=vectors, labels=labels, **options)

    def to_table(self, vectors: bool = True):
        """The items as a pyarrow Table: ids, texts, metadata, map coordinates, vectors."""
        from explorer.core.tables import project_to_table  # noqa: PLC0415

        return project_to_table(self, vectors=vectors)


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
    sets = {name: VectorSet(name, project.set_model(name), project.set_vectors(name)[rows])
            for name in project.sets if name != project.active_set}
    return Project(part, {}, ViewState(color_by=project.view.color_by),
                   title=title or f"{len(rows):,} items of {project.title or 'a project'}", source=source,
                   sets=sets, active_set=project.active_set)
