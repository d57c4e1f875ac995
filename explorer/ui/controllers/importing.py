"""New projects for the window: File > New Project from Data (the import dialog; reading, embedding
and mapping in a worker) and Map > Isolate Selection (the selected items as a project of their own,
with their own map). The open project stays until the new one is ready."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMainWindow

from explorer.actions.files import import_job
from explorer.actions.importer import ImportOptions
from explorer.actions.projections import IsolateRequest, isolate_job
from explorer.core.project import Project
from explorer.ui.controllers import start_job
from explorer.ui.import_dialog import ImportDialog
from explorer.ui.workers import JobRunner, connect_current


class ImportController(QObject):
    """Imports and isolated selections for ``window`` (its state, status bar, ``show_error``, the
    files and source_data controllers and the import_finished signal). Owns the importer job."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.state = window.state
        self.runner = JobRunner(self)
        self.last_report = ""  # what the last import said (items, model, rows skipped)
        connect_current(self.runner, "finished", self._on_imported)
        connect_current(self.runner, "failed", lambda msg: window.show_error("Cannot import the data", msg))

    def import_dialog(self, source: str = "") -> None:
        if not self.window.files.confirm_discard():
            return
        dialog = ImportDialog(source, self.window)
        if dialog.exec():
            self.import_data(dialog.options())

    def import_data(self, options: ImportOptions) -> None:
        """Read, embed and map in a worker; the open project stays until the new one is ready."""
        self.runner.start(import_job(options), f"import {Path(options.source).name}")

    def isolate_selection(self) -> None:
        """Re-project just the selected items, as a new (unsaved) project, with the current method."""
        project = self.state.project
        if project is None or len(self.state.selection) < 3:
            self.window.statusBar().showMessage("Select at least 3 points to isolate them", 4000)
            return
        if not self.window.files.confirm_discard():
            return
        current = project.current_projection
        method = current.method if current is not None and current.method in ("pca", "tsne", "umap") else "pca"
        params = dict(current.params) if current is not None and method == current.method else {}
        request = IsolateRequest(tuple(self.state.selection), method, params)
        start_job(self.window, self.runner, lambda: isolate_job(project, request), "isolate selection",
                  "Cannot isolate the selection")

    def _on_imported(self, result) -> None:
        if isinstance(result, Project):  # an isolated selection
            self.state.set_project(result, None)
            self.state.set_dirty(True)
            self.window.import_finished.emit(f"Isolated {len(result.embeddings):,} items")
            return
        self.state.set_project(result.project, None)
        self.state.set_dirty(True)
        if result.project.source is not None and result.project.source.root is not None:
            # the user chose it: its images may be read
            self.window.source_data.trust_folder(result.project.source.root)
        emb = result.project.embeddings
        message = (f"Imported {len(emb):,} items ({emb.model_id}, {result.embedded:,} embedded) in "
                   f"{result.seconds:.0f} s. {result.report.summary()}")
        self.last_report = message
        if result.report.rows_skipped:
            self.window.show_error("Some rows were skipped", message)
        else:
            self.window.statusBar().showMessage(message, 8000)
        self.window.import_finished.emit(message)
