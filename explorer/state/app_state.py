"""AppState: what is loaded, shown, selected and hovered. Views read it and write it; they never
talk to each other (glue's hub / napari's evented models, in miniature)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from explorer.core.project import Project, Projection
from explorer.state.events import Signal


class AppState:
    def __init__(self) -> None:
        self.project: Project | None = None
        self.path: Path | None = None
        self.dirty = False
        self.revision = 0  # counts changes, so a save can tell whether it saved the latest
        self.hovered: int | None = None
        self.project_changed = Signal()  # a new project (or none) was loaded
        self.projection_changed = Signal()  # the shown projection changed
        self.colors_changed = Signal()  # the colouring column changed
        self.selection_changed = Signal()  # selected items changed
        self.hover_changed = Signal()  # the hovered item changed
        self.dirty_changed = Signal()  # the unsaved-changes flag changed
        self.path_changed = Signal()  # the project's file changed (open, save as)
        self.projections_changed = Signal()  # a projection was added or removed
        self.preview_changed = Signal()  # a running layout's intermediate coordinates
        self.preview: np.ndarray | None = None

    # ----------------------------------------------------------------------------- project
    def set_project(self, project: Project | None, path: Path | None = None) -> None:
        self.project = project
        self.hovered = None
        self.preview = None
        self.path = Path(path) if path is not None else None
        self.project_changed.emit()
        self.path_changed.emit()
        self.set_dirty(False)

    def set_path(self, path: Path) -> None:
        self.path = Path(path)
        self.path_changed.emit()

    def set_dirty(self, dirty: bool = True) -> None:
        if dirty:
            self.revision += 1
        if dirty != self.dirty:
            self.dirty = dirty
            self.dirty_changed.emit()

    # ----------------------------------------------------------------------------- view
    @property
    def selection(self) -> list[int]:
        return list(self.project.view.selected) if self.project else []

    def select(self, indices: list[int] | np.ndarray) -> None:
        if self.project is None:
            return
        n = len(self.project.embeddings)
        cleaned = sorted({int(i) for i in indices if 0 <= int(i) < n})
        if cleaned != self.project.view.selected:
            self.project.view.selected = cleaned
            self.selection_changed.emit()
            self.set_dirty()

    def set_hovered(self, index: int | None) -> None:
        if index != self.hovered:
            self.hovered = index
            self.hover_changed.emit()

    def set_projection(self, name: str) -> None:
        if self.project is None or name not in self.project.projections:
            return
        if name != self.project.view.projection:
            self.project.view.projection = name
            self.projection_changed.emit()
            self.set_dirty()

    def add_projection(self, projection: Projection, show: bool = True) -> None:
        if self.project is None:
            return
        self.project.add_projection(projection)
        self.projections_changed.emit()
        self.set_dirty()
        if show:
            self.project.view.projection = None  # force a change even when the name is reused
            self.set_projection(projection.name)

    def set_preview(self, coords: np.ndarray | None) -> None:
        """Show intermediate coordinates of a layout being optimised (None: back to the project)."""
        if self.project is not None and coords is not None and len(coords) != len(self.project.embeddings):
            return
        self.preview = coords
        self.preview_changed.emit()

    def set_color_by(self, column: str | None) -> None:
        if self.project is None:
            return
        if column is not None and column not in self.project.embeddings.metadata:
            raise KeyError(column)
        if column != self.project.view.color_by:
            self.project.view.color_by = column
            self.colors_changed.emit()
            self.set_dirty()
