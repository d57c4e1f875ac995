"""Project files for the window: open, save and save as, the unsaved-changes prompt, Open Recent,
the autosave to a recovery folder with the offer to recover after a crash, and what must finish
before the window closes."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, QTimer
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox

from explorer.actions.files import open_job, save_job
from explorer.core.progress import Progress
from explorer.core.project import Project
from explorer.core.umap_process import prewarm as prewarm_umap
from explorer.io.project_file import SUFFIX, load_project, recovered_message, save_project
from explorer.io.recovery import Recovery
from explorer.ui import APP_NAME
from explorer.ui.workers import JobRunner, connect_current

AUTOSAVE_MS = 60_000
MAX_RECENT = 10
PROJECT_FILTER = f"Embedding Explorer projects (*{SUFFIX});;All files (*)"


class FilesController(QObject):
    """File > Open, Open Recent, Save and Save As for ``window`` (its state, settings, status bar,
    ``show_error``, ``recent_menu`` and the project_opened / project_saved signals). Owns the
    loader, saver and autosaver jobs."""

    def __init__(self, window: QMainWindow, recovery_folder: str | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.state = window.state
        folder = recovery_folder or str(Path(QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.AppDataLocation)) / "recovery")
        self.recovery = Recovery(folder)
        self.loader = JobRunner(self)
        self.saver = JobRunner(self)
        self.autosaver = JobRunner(self)
        self.autosave_timer = QTimer(self)
        self.autosave_timer.setInterval(AUTOSAVE_MS)
        self.autosave_timer.timeout.connect(self.autosave)
        self.autosave_timer.start()
        self._pending_path: Path | None = None  # the file the loader is reading
        self._saving: tuple[Path, int] | None = None  # the file the saver writes, the revision it holds
        connect_current(self.loader, "finished", self._on_loaded)
        connect_current(self.loader, "failed", lambda msg: window.show_error("Cannot open project", msg))
        connect_current(self.saver, "finished", self._on_saved)
        connect_current(self.saver, "failed", lambda msg: window.show_error("Cannot save project", msg))

    # ------------------------------------------------------------------ open
    def open_dialog(self) -> None:
        if not self.confirm_discard():
            return
        start = str(self.state.path.parent) if self.state.path else str(Path.cwd())
        path, _ = QFileDialog.getOpenFileName(self.window, "Open project", start, PROJECT_FILTER)
        if path:
            self.open_project(path, ask=False)

    def open_project(self, path: str | Path, block: bool = False, ask: bool = True) -> bool:
        """Open a project in a worker (or at once with ``block``); the open project stays as it is
        until the new one has loaded completely, and stays if loading fails."""
        if ask and not self.confirm_discard():
            return False
        path = Path(path).expanduser().resolve()
        trusted = self.window.source_data.trusted_folders()
        if block:
            try:
                project = load_project(path, trusted)
            except Exception as err:  # noqa: BLE001 - reported in one line
                self.window.show_error("Cannot open project", str(err))
                return False
            self.show_opened(project, path)
            return True
        self._pending_path = path
        self.loader.start(open_job(path, trusted), f"open {path.name}")
        return True

    def _on_loaded(self, project: Project) -> None:
        self.show_opened(project, self._pending_path)

    def show_opened(self, project: Project, path: Path) -> None:
        """Make ``project``, read from ``path``, the open one (also for a project read elsewhere,
        as the screenshot command does)."""
        self.state.set_project(project, path)
        self.add_recent(path)
        source = project.source
        if project.embeddings.image_paths is not None and source is not None and source.root is None:
            self.window.statusBar().showMessage(
                f"The images of this project are not in a folder it may use here ({source.stored_root}); "
                "File > Source Data > Locate the Data Folder… points it at them", 15000)
        else:
            self.window.statusBar().showMessage(f"Opened {path}", 4000)
        self.window.project_opened.emit(str(path))
        # Compile UMAP's numba code in a background process now, not on the user's first click.
        QTimer.singleShot(2000, prewarm_umap)

    # ------------------------------------------------------------------ save
    def save(self, block: bool = False) -> bool:
        if self.state.project is None:
            return False
        if self.state.path is None:
            return self.save_as_dialog()
        return self.save_to(self.state.path, block=block)

    def save_as_dialog(self, block: bool = False) -> bool:
        """Ask for a file and save there (in a worker, or at once with ``block``)."""
        if self.state.project is None:
            return False
        start = str(self.state.path) if self.state.path else str(Path.cwd() / f"untitled{SUFFIX}")
        path, _ = QFileDialog.getSaveFileName(self.window, "Save project as", start, PROJECT_FILTER)
        if not path:
            return False
        if not path.endswith(SUFFIX):
            path += SUFFIX
        return self.save_to(path, block=block)

    def save_to(self, path: str | Path, block: bool = False) -> bool:
        project = self.state.project
        if project is None:
            return False
        path = Path(path).expanduser().resolve()
        self._record_view()
        self._saving = (path, self.state.revision)
        if block:
            try:
                save_project(project, path)
            except Exception as err:  # noqa: BLE001
                self.window.show_error("Cannot save project", str(err))
                return False
            self._on_saved(path)
            return True
        self.saver.start(save_job(project, path), f"save {path.name}")
        return True

    def _on_saved(self, _path: Path) -> None:
        target, revision = self._saving
        if self.state.path != target:
            self.state.set_path(target)
        if self.state.revision == revision:  # nothing changed while the file was written
            self.state.set_dirty(False)
        self.add_recent(target)
        if not self.state.dirty:
            self.recovery.clear()
        self.window.statusBar().showMessage(f"Saved {target}", 4000)
        self.window.project_saved.emit(str(target))

    def _record_view(self) -> None:
        """Before a save: the visible area of the map, which the view changes without the user
        (fits, new layouts). Everything else the session keeps is written as it changes."""
        self.window.scatter.record_view()

    def confirm_discard(self) -> bool:
        """True when there are no unsaved changes, or the user saved or discarded them."""
        if not self.state.dirty:
            return True
        answer = QMessageBox.question(
            self.window, APP_NAME, "The project has unsaved changes. Save them first?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)
        if answer == QMessageBox.StandardButton.Save:
            if self.state.path is None:
                # saved before returning, so that the quit, open or import asked for goes on
                return self.save_as_dialog(block=True)
            return self.save_to(self.state.path, block=True)
        return answer == QMessageBox.StandardButton.Discard

    # ------------------------------------------------------------------ recent files
    def recent_files(self) -> list[str]:
        value = self.window.settings.value("recent_files", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or [])]

    def add_recent(self, path: Path) -> None:
        """``path`` first in Open Recent, once, and at most MAX_RECENT entries."""
        entries = [str(path)] + [p for p in self.recent_files() if p != str(path)]
        self.window.settings.setValue("recent_files", entries[:MAX_RECENT])

    def clear_recent(self) -> None:
        self.window.settings.setValue("recent_files", [])

    def fill_recent_menu(self) -> None:
        menu = self.window.recent_menu
        menu.clear()
        entries = self.recent_files()
        for entry in entries:
            action = menu.addAction(Path(entry).name)
            action.setToolTip(entry)
            action.setStatusTip(entry)
            action.triggered.connect(lambda _=False, p=entry: self.open_project(p))
        if entries:
            menu.addSeparator()
            menu.addAction("Clear list", self.clear_recent)
        else:
            menu.addAction("No recent projects").setEnabled(False)

    # ------------------------------------------------------------------ autosave and recovery
    def autosave(self) -> None:
        """Write unsaved work to the recovery folder, in a worker (the file the user chose is untouched)."""
        if self.state.project is None or not self.state.dirty or self.autosaver.running:
            return
        self._record_view()
        project, original = self.state.project, self.state.path

        def job():
            yield Progress(0, 1, "Autosaving")
            return self.recovery.save(project, original)

        self.autosaver.start(job(), "autosave")

    def offer_recovery(self) -> bool:
        """After a crash: offer the newest recovery file; True if it was opened."""
        freed = recovered_message(self.recovery.clean_interrupted())  # autosaves killed half-way
        if freed:
            self.window.statusBar().showMessage(freed, 8000)
        orphans = self.recovery.orphans()
        if not orphans:
            return False
        newest = orphans[0]
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(newest.saved_at))
        name = newest.original.name if newest.original else "an unsaved project"
        answer = QMessageBox.question(
            self.window, APP_NAME, f"Embedding Explorer did not close properly. Recover the unsaved work on "
            f"{name} autosaved at {when}?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes)
        if answer != QMessageBox.StandardButton.Yes:
            for orphan in orphans:
                self.recovery.discard(orphan)
            return False
        try:
            project = load_project(newest.project_path, self.window.source_data.trusted_folders())
        except Exception as err:  # noqa: BLE001 - a damaged recovery file is reported, not raised
            self.window.show_error("Cannot recover", str(err))
            return False
        self.state.set_project(project, newest.original)
        self.state.set_dirty(True)
        for orphan in orphans:
            self.recovery.discard(orphan)
        return True

    # ------------------------------------------------------------------ closing
    def finish(self) -> None:
        """The window closes (its changes saved or discarded): stop loading, let a save end, stop
        autosaving and remove this session's recovery file."""
        self.loader.cancel()
        self.saver.wait(30)  # never cut a save short
        self.autosave_timer.stop()
        self.autosaver.wait(30)
        self.recovery.clear()  # saved or discarded on purpose: nothing to recover
