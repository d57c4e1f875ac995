from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from explorer.io.project_file import FORMAT_VERSION, load_project
from explorer.ui.main_window import MainWindow


def isolated_point(window) -> int:
    """A point with no other point within 12 screen pixels, so a hover or click is unambiguous."""
    view = window.scatter
    coords = view.coords()
    pixel_w, pixel_h = view.view_box.viewPixelSize()
    screen = coords / np.array([pixel_w, pixel_h], dtype=np.float32)
    rect = view.view_box.viewRect()
    for i in np.argsort(np.abs(coords[:, 0] - rect.center().x()) + np.abs(coords[:, 1] - rect.center().y())):
        d = np.sqrt(((screen - screen[i]) ** 2).sum(axis=1))
        d[i] = np.inf
        if d.min() > 12:
            return int(i)
    raise AssertionError("no isolated point")


def viewport_pos(window, index: int) -> QPoint:
    view = window.scatter
    return view.mapFromScene(view.scene_pos_of(index))


def test_open_from_file_menu(window, qtbot, v1_project_path, monkeypatch):
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(v1_project_path), ""))
    with qtbot.waitSignal(window.project_opened, timeout=10_000):
        window.open_action.trigger()
    assert window.state.project is not None
    assert "400 points" in window.summary_label.text()
    assert "glove-6B-50d" in window.summary_label.text()
    assert "glove_400.eexp" in window.windowTitle()
    assert window.scatter.cloud.point_count == 400
    assert window.projection_combo.currentText() == "PCA"
    assert window.color_combo.currentText() == "band"
    assert str(v1_project_path) in window.files.recent_files()


def test_map_is_painted_in_colour(opened, qtbot):
    from explorer.core.colors import CATEGORICAL

    opened.state.select([])  # nothing emphasised, nothing dimmed
    opened.scatter.cloud.set_point_opacity(1.0)
    image = opened.scatter.grab().toImage()
    colours = {image.pixelColor(x, y).name() for x in range(0, image.width(), 3)
               for y in range(0, image.height(), 3)}
    assert {c.lower() for c in CATEGORICAL[:3]} <= colours  # the three bands' colours
    assert opened.scatter.cloud.render_count >= 1


def test_hover_shows_tooltip_with_text_and_label(opened, qtbot):
    index = isolated_point(opened)
    qtbot.mouseMove(opened.scatter.viewport(), viewport_pos(opened, index))
    qtbot.waitUntil(lambda: opened.state.hovered == index, timeout=3000)
    word = opened.state.project.embeddings.texts[index]
    band = opened.state.project.embeddings.metadata["band"][index]
    assert word in opened.scatter.tooltip_text
    assert f"band: {band}" in opened.scatter.tooltip_text
    assert opened.hover_label.text() == word


def test_click_selects_and_side_panel_shows_item(opened, qtbot):
    index = isolated_point(opened)
    qtbot.mouseClick(opened.scatter.viewport(), Qt.MouseButton.LeftButton, pos=viewport_pos(opened, index))
    assert opened.state.selection == [index]
    emb = opened.state.project.embeddings
    panel = opened.item_panel
    assert panel.heading.text() == emb.texts[index]  # titled by the item's text
    assert emb.texts[index] in panel.text_view.toPlainText()
    assert panel.neighbours.count() == 10
    assert opened.windowTitle().startswith("glove_400.eexp")
    assert opened.isWindowModified()
    # Neighbours are in the original space: the first row is the true nearest word by cosine.
    units = emb.vectors / np.linalg.norm(emb.vectors, axis=1, keepdims=True)
    sims = units @ units[index]
    sims[index] = -np.inf
    first = panel.neighbours.item(0)
    assert first.data(Qt.ItemDataRole.UserRole) == int(np.argmax(sims))
    # Clicking a neighbour selects it on the map.
    rect = panel.neighbours.visualItemRect(first)
    qtbot.mouseClick(panel.neighbours.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened.state.selection == [int(np.argmax(sims))]


def test_click_on_empty_space_clears_and_ctrl_click_adds(opened, qtbot):
    viewport = opened.scatter.viewport()
    a = isolated_point(opened)
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=viewport_pos(opened, a))
    coords = opened.scatter.coords()
    b = int(np.argmax(np.linalg.norm(coords - coords[a], axis=1)))
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier,
                     pos=viewport_pos(opened, b))
    assert opened.state.selection == sorted([a, b])
    assert "2 items selected" in opened.item_panel.heading.text()
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=QPoint(3, 3))
    assert opened.state.selection == []
    assert opened.item_panel.heading.text() == "Nothing selected"


def test_switch_projection_and_colouring(opened, qtbot):
    before = opened.scatter.cloud._xy.copy()
    opened.projection_combo.setCurrentText("PCA 2-3")
    assert opened.state.project.view.projection == "PCA 2-3"
    assert not np.allclose(opened.scatter.cloud._xy, before)
    assert "PCA 2-3" in opened.summary_label.text()
    opened.color_combo.setCurrentText("frequency_rank")
    assert opened.state.project.view.color_by == "frequency_rank"
    assert opened.scatter.coloring.kind == "numeric"
    opened.color_combo.setCurrentText("(none)")
    assert opened.state.project.view.color_by is None
    assert not opened.scatter.legend.isVisible()


def test_save_with_shortcut_then_reopen_restores_the_view(opened, qtbot, project_copy, settings):
    with qtbot.waitSignal(opened.project_opened, timeout=10_000):
        opened.files.open_project(project_copy)
    index = isolated_point(opened)
    qtbot.mouseClick(opened.scatter.viewport(), Qt.MouseButton.LeftButton, pos=viewport_pos(opened, index))
    opened.projection_combo.setCurrentText("PCA 2-3")
    opened.color_combo.setCurrentText("frequency_rank")
    assert opened.isWindowModified()
    with qtbot.waitSignal(opened.project_saved, timeout=10_000):
        qtbot.keyClick(opened, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert not opened.isWindowModified()

    fresh = MainWindow(settings=settings)
    qtbot.addWidget(fresh)
    with qtbot.waitSignal(fresh.project_opened, timeout=10_000):
        fresh.files.open_project(project_copy)
    assert fresh.state.selection == [index]
    assert fresh.projection_combo.currentText() == "PCA 2-3"
    assert fresh.color_combo.currentText() == "frequency_rank"
    assert fresh.item_panel.heading.text() == opened.item_panel.heading.text()


def test_save_as_writes_a_new_file(opened, qtbot, tmp_path, monkeypatch):
    target = tmp_path / "renamed"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    with qtbot.waitSignal(opened.project_saved, timeout=10_000):
        opened.save_as_action.trigger()
    saved = tmp_path / "renamed.eexp"
    assert load_project(saved).summary()["items"] == 400
    assert opened.state.path == saved
    assert "renamed.eexp" in opened.windowTitle()


def _expect_refusal(window, qtbot, path, fragment):
    before = window.state.project
    with qtbot.waitSignal(window.error_shown, timeout=10_000) as blocker:
        window.files.open_project(path)
    assert fragment in blocker.args[0]
    assert window.state.project is before  # the open project is untouched
    assert window.findChild(QMessageBox, "error_box").text() == blocker.args[0]


def test_corrupt_file_is_refused_and_open_project_kept(opened, qtbot, tmp_path):
    bad = tmp_path / "broken.eexp"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip")
    _expect_refusal(opened, qtbot, bad, "not an Embedding Explorer project")
    assert opened.state.project.embeddings.texts[0] == "the"


def test_future_version_is_refused_and_open_project_kept(opened, qtbot, tmp_path, v1_project_path):
    future = tmp_path / "future.eexp"
    with zipfile.ZipFile(v1_project_path) as src, zipfile.ZipFile(future, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "manifest.json":
                manifest = json.loads(data)
                manifest["format_version"] = FORMAT_VERSION + 5
                data = json.dumps(manifest).encode()
            dst.writestr(name, data)
    _expect_refusal(opened, qtbot, future, "newer Embedding Explorer")


def _answer_next_question(button):
    def answer():
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            box.button(button).click()
        else:
            QTimer.singleShot(20, answer)

    QTimer.singleShot(20, answer)


def test_close_with_unsaved_changes_asks(opened, qtbot):
    opened.state.select([1])
    assert opened.state.dirty
    _answer_next_question(QMessageBox.StandardButton.Cancel)
    assert not opened.close()
    assert opened.isVisible()
    _answer_next_question(QMessageBox.StandardButton.Discard)
    assert opened.close()


def test_recent_menu_reopens(opened, qtbot, v1_project_path):
    opened.recent_menu.aboutToShow.emit()
    actions = [a for a in opened.recent_menu.actions() if a.text() == v1_project_path.name]
    assert actions
    opened.state.select([])
    opened.state.set_dirty(False)
    with qtbot.waitSignal(opened.project_opened, timeout=10_000):
        actions[0].trigger()


@pytest.mark.parametrize("shortcut", ["Ctrl+O", "Ctrl+S", "Ctrl+Shift+S", "Ctrl+Q"])
def test_standard_shortcuts(window, shortcut):
    bound = {a.shortcut().toString() for a in (window.open_action, window.save_action,
                                                window.save_as_action, window.quit_action)}
    assert shortcut in bound
