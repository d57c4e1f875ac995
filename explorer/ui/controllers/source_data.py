"""Where a project's data lives: a copy kept inside the project, extracting it, locating the image
folder on this machine, and the folders the user has chosen (which a project may read from)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QMainWindow

from explorer.io.source_copy import copy_source_job, extract_source_job
from explorer.ui.workers import JobRunner, connect_current


class SourceDataController(QObject):
    """File > Source Data for ``window`` (its state, settings, status bar and the menu table's
    keep_copy / extract_copy / locate_data actions)."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.state = window.state
        self.runner = JobRunner(self)
        connect_current(self.runner, "finished", self._on_copied)
        connect_current(self.runner, "failed", self._on_failed)

    # ------------------------------------------------------------------ folders the user chose
    def trusted_folders(self) -> list[str]:
        """Folders the user chose (imported from, located, extracted into): a project's data folder
        is used only inside one of these or inside the project's own folder."""
        value = self.window.settings.value("trusted_folders", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or [])]

    def trust_folder(self, folder: str | Path) -> None:
        folder = str(Path(folder).expanduser().resolve())
        entries = [folder] + [f for f in self.trusted_folders() if f != folder]
        self.window.settings.setValue("trusted_folders", entries[:50])

    # ------------------------------------------------------------------ a copy inside the project
    def set_keep_copy(self, keep: bool) -> None:
        project = self.state.project
        if project is None or project.source is None:
            return
        if not keep:
            project.source.copy, project.source.keep_copy = None, False
            self.state.data_changed()
            return

        def job():
            yield from copy_source_job(project)
            return "copied"

        self.runner.start(job(), "copy the source data")

    def extract_copy_dialog(self) -> None:
        project = self.state.project
        if project is None or project.source is None or project.source.copy is None:
            self.window.statusBar().showMessage("This project holds no copy of its data", 4000)
            return
        folder = QFileDialog.getExistingDirectory(self.window, "Extract the data into (an empty folder)")
        if folder:
            self.extract_copy(folder)

    def extract_copy(self, folder: str) -> None:
        self.trust_folder(folder)
        self.runner.start(extract_source_job(self.state.project, folder), "extract the source data")

    def _on_copied(self, result) -> None:
        self.state.data_changed()
        if isinstance(result, Path):
            self.window.statusBar().showMessage(f"Extracted the data into {result}", 6000)
        else:
            self.window.statusBar().showMessage("The project now keeps a copy of its data (saved with it)", 6000)
        self.sync_actions()

    def _on_failed(self, message: str) -> None:
        self.sync_actions()
        self.window.show_error("Source data", message)

    # ------------------------------------------------------------------ the image folder
    def locate_data_dialog(self) -> None:
        if self.state.project is None:
            return
        folder = QFileDialog.getExistingDirectory(self.window, "The folder that holds this project's images")
        if folder:
            self.locate_data(folder)

    def locate_data(self, folder: str) -> None:
        project = self.state.project
        if project is None:
            return
        self.trust_folder(folder)
        self.state.set_data_root(Path(folder))
        found = sum(project.image_file(i) is not None for i in range(min(len(project.embeddings), 200))) \
            if project.embeddings.image_paths is not None else 0
        self.window.statusBar().showMessage(f"Data folder set to {folder}"
                                            + (f"; {found} of the first 200 images found" if found else ""), 6000)

    def sync_actions(self) -> None:
        """The Source Data menu as the open project allows."""
        window, project = self.window, self.state.project
        source = project.source if project is not None else None
        window.keep_copy_action.blockSignals(True)
        window.keep_copy_action.setChecked(bool(source is not None and source.keep_copy))
        window.keep_copy_action.blockSignals(False)
        window.keep_copy_action.setEnabled(bool(source is not None and source.path))
        window.extract_copy_action.setEnabled(bool(source is not None and source.copy is not None))
        window.locate_data_action.setEnabled(project is not None and project.embeddings.image_paths is not None)
