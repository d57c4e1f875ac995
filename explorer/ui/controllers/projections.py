"""New maps for the window: Map > New Projection (PCA, t-SNE, UMAP) and Custom Axes, computed in a
worker, the layout shown moving on the map while it optimises, and the name of the projection being
computed (the window's projection box shows it until it is done, cancelled or failed)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMainWindow

from explorer.actions.projections import AxesRequest, ProjectionRequest, axes_job, projection_job
from explorer.core.progress import Progress
from explorer.ui.axes_dialog import AxesDialog
from explorer.ui.controllers import start_job
from explorer.ui.projection_dialog import ProjectionDialog
from explorer.ui.workers import JobRunner, connect_current


class ProjectionController(QObject):
    """Projections and custom axes for ``window`` (its state, status bar, ``show_error`` and the
    projection_ready signal). Owns the projector job."""

    computing_changed = Signal()  # ``computing`` names another projection, or none

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.state = window.state
        self.runner = JobRunner(self)
        self.computing: str | None = None  # the projection being computed
        connect_current(self.runner, "progressed", self._on_progress)
        connect_current(self.runner, "finished", self._on_done)
        connect_current(self.runner, "cancelled", self._on_cancelled)
        connect_current(self.runner, "failed", self._on_failed)

    def new_projection_dialog(self) -> None:
        project = self.state.project
        if project is None:
            return
        dialog = ProjectionDialog(list(project.projections), len(project.embeddings), self.window)
        if dialog.exec():
            self.compute_projection(*dialog.choice())

    def compute_projection(self, method: str, name: str, params: dict) -> None:
        """Compute in a worker; t-SNE shows its layout moving on the map while it optimises."""
        project = self.state.project
        if project is None:
            return
        if start_job(self.window, self.runner,
                     lambda: projection_job(project.embeddings, ProjectionRequest(method, params, name)),
                     f"{method} projection", "Cannot compute the projection"):
            self._show_computing(name)

    def custom_axes_dialog(self) -> None:
        if self.state.project is None:
            return
        dialog = AxesDialog(self.window)
        if dialog.exec():
            self.compute_axes(*dialog.ends())

    def compute_axes(self, x_from: str, x_to: str, y_from: str = "", y_to: str = "") -> None:
        emb = self.state.project.embeddings
        request = AxesRequest(x_from, x_to, y_from, y_to, tuple(self.state.selection))
        if start_job(self.window, self.runner, lambda: axes_job(emb, request), "custom axes",
                     "Cannot compute the axes"):
            self._show_computing("custom axes")

    def _show_computing(self, name: str | None) -> None:
        self.computing = name
        self.computing_changed.emit()

    def _on_progress(self, step: Progress) -> None:
        if step.partial is not None:
            self.state.set_preview(step.partial)

    def _on_done(self, projection) -> None:
        self.computing = None  # the new projection fills the projection box
        self.state.set_preview(None)
        self.state.add_projection(projection)
        self.window.statusBar().showMessage(f"Projection {projection.name} ready", 4000)
        self.window.projection_ready.emit(projection.name)

    def _on_cancelled(self) -> None:
        self.state.set_preview(None)
        self._show_computing(None)

    def _on_failed(self, message: str) -> None:
        self.state.set_preview(None)
        self._show_computing(None)
        self.window.show_error("Cannot compute the projection", message)
