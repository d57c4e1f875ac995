"""The window's controllers (explorer/ui/controllers): files, imports, projections, driven through the
window as the menus drive them."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QFileDialog, QMessageBox

from explorer.io.project_file import load_project
from explorer.ui.controllers.files import MAX_RECENT

# ---------------------------------------------------------------------------------------- files


def test_recent_files_newest_first_each_once_and_capped(window, tmp_path):
    files = window.files
    paths = [str(tmp_path / f"p{i}.eexp") for i in range(MAX_RECENT + 2)]
    for path in paths:
        files.add_recent(Path(path))
    files.add_recent(Path(paths[5]))  # opened again: moves to the top, not listed twice
    newest_first = [paths[5]] + [p for p in reversed(paths) if p != paths[5]]
    assert files.recent_files() == newest_first[:MAX_RECENT]

    window.recent_menu.aboutToShow.emit()
    texts = [a.text() for a in window.recent_menu.actions() if not a.isSeparator()]
    assert texts == [Path(p).name for p in newest_first[:MAX_RECENT]] + ["Clear list"]
    next(a for a in window.recent_menu.actions() if a.text() == "Clear list").trigger()
    assert files.recent_files() == []
    window.recent_menu.aboutToShow.emit()
    assert [a.text() for a in window.recent_menu.actions()] == ["No recent projects"]


def test_a_single_recent_file_read_back_as_text_is_a_list(window):
    window.settings.setValue("recent_files", "/somewhere/one.eexp")  # what an INI file gives for one entry
    assert window.files.recent_files() == ["/somewhere/one.eexp"]


def test_an_edit_made_while_saving_keeps_the_project_unsaved(opened, qtbot, tmp_path):
    path = tmp_path / "saved.eexp"
    with qtbot.waitSignal(opened.project_saved, timeout=20_000):
        assert opened.files.save_to(path)
        opened.state.select([5])  # before the worker's result reaches the GUI thread
    assert opened.state.path == path.resolve()
    assert opened.state.dirty and opened.isWindowModified()
    assert opened.files.recent_files()[0] == str(path.resolve())

    with qtbot.waitSignal(opened.project_saved, timeout=20_000):
        opened.files.save_to(path)  # nothing changes this time
    assert not opened.state.dirty and not opened.isWindowModified()


def _answer(monkeypatch, button):
    asked = []

    def question(*args, **kwargs):
        asked.append(args[2])
        return button

    monkeypatch.setattr(QMessageBox, "question", question)
    return asked


def test_confirm_discard_asks_nothing_without_changes(opened, monkeypatch):
    asked = _answer(monkeypatch, QMessageBox.StandardButton.Cancel)
    assert not opened.state.dirty
    assert opened.files.confirm_discard()
    assert asked == []


@pytest.mark.parametrize(("button", "agreed"), [(QMessageBox.StandardButton.Cancel, False),
                                                (QMessageBox.StandardButton.Discard, True)])
def test_confirm_discard_cancel_or_discard_leaves_the_file(opened, monkeypatch, project_copy, button, agreed):
    assert opened.files.open_project(project_copy, block=True)
    before = project_copy.read_bytes()
    opened.state.select([2])
    asked = _answer(monkeypatch, button)
    assert opened.files.confirm_discard() is agreed
    assert asked == ["The project has unsaved changes. Save them first?"]
    assert project_copy.read_bytes() == before and opened.state.dirty


def test_confirm_discard_save_writes_the_open_file_first(opened, monkeypatch, project_copy):
    assert opened.files.open_project(project_copy, block=True)
    opened.state.select([2, 7])
    _answer(monkeypatch, QMessageBox.StandardButton.Save)
    assert opened.files.confirm_discard()
    assert not opened.state.dirty
    assert load_project(project_copy).view.selected == [2, 7]


def test_confirm_discard_save_of_an_untitled_project_stops_if_no_file_is_chosen(window, monkeypatch,
                                                                               v1_project_path):
    window.state.set_project(load_project(v1_project_path), None)  # as an import leaves it
    window.state.select([3])
    _answer(monkeypatch, QMessageBox.StandardButton.Save)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: ("", ""))
    assert not window.files.confirm_discard()
    assert window.state.dirty and window.state.path is None


def test_confirm_discard_save_of_an_untitled_project_saves_before_going_on(window, monkeypatch, tmp_path,
                                                                           v1_project_path):
    """Save in the prompt, then a file name: the project is written before the prompt returns, so
    the quit, open or import the user asked for goes on (it was cancelled while a worker saved)."""
    window.state.set_project(load_project(v1_project_path), None)
    window.state.select([3, 4])
    _answer(monkeypatch, QMessageBox.StandardButton.Save)
    target = tmp_path / "kept"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    assert window.files.confirm_discard()
    assert not window.state.dirty and window.state.path == target.with_suffix(".eexp").resolve()
    assert load_project(target.with_suffix(".eexp")).view.selected == [3, 4]


def _drop(window, path: Path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    window.dropEvent(QDropEvent(QPoint(50, 50).toPointF(), Qt.DropAction.CopyAction, mime,
                                Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))


def test_dropping_a_project_opens_it(window, qtbot, project_copy, monkeypatch):
    monkeypatch.setattr(window.imports, "import_dialog", lambda *a: pytest.fail("a project is not imported"))
    with qtbot.waitSignal(window.project_opened, timeout=10_000) as blocker:
        _drop(window, project_copy)
    assert blocker.args == [str(project_copy.resolve())]
    assert window.state.path == project_copy.resolve()


# ---------------------------------------------------------------------------------------- imports


def test_isolate_selection_makes_a_new_unsaved_project(opened, qtbot):
    opened.state.select([0, 1])
    opened.imports.isolate_selection()
    assert "at least 3" in opened.statusBar().currentMessage()
    chosen = [4, 9, 16, 25, 36]
    opened.state.select(chosen)
    opened.state.set_dirty(False)
    texts = [opened.state.project.embeddings.texts[i] for i in chosen]
    with qtbot.waitSignal(opened.import_finished, timeout=20_000) as blocker:
        opened.isolate_action.trigger()
    assert blocker.args == ["Isolated 5 items"]
    project = opened.state.project
    assert list(project.embeddings.texts) == texts
    assert project.current_projection.method == "pca"
    assert opened.state.path is None and opened.state.dirty
    assert opened.windowTitle().startswith("untitled")


# ---------------------------------------------------------------------------------------- projections


def test_a_failed_projection_clears_the_name_in_the_projection_box(opened, qtbot):
    opened.state.select([])
    with qtbot.waitSignal(opened.error_shown, timeout=20_000) as blocker:
        opened.projections.compute_axes("selection", "the")
        # until the job answers, the box and the summary name what is being computed
        assert opened.projections.computing == "custom axes"
        assert opened.projection_combo.currentText() == "custom axes (computing…)"
        assert "computing custom axes" in opened.summary_label.text()
    assert "nothing is selected" in blocker.args[0]
    assert opened.projections.computing is None
    assert opened.projection_combo.findText("custom axes (computing…)") < 0
    assert opened.projection_combo.currentText() == "PCA"
    assert "computing" not in opened.summary_label.text()
    assert opened.state.preview is None


def test_a_refused_request_is_shown_at_once_and_computes_nothing(opened, qtbot):
    with qtbot.waitSignal(opened.error_shown, timeout=1000) as blocker:
        opened.projections.compute_projection("nope", "Nope", {})
    assert "unknown projection method" in blocker.args[0]
    assert opened.projections.computing is None and not opened.projections.runner.running
    assert opened.projection_combo.findText("Nope (computing…)") < 0
