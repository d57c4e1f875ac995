"""Fit and finish (issue 10, points 7, 8 and 11): panels that fit the side dock, readable dialogs,
progress that always says something, no stale messages, modality-aware panels, the theme, icons,
help pages and the window layout restored on the next start."""

from __future__ import annotations

import configparser
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QSize, Qt
from PySide6.QtGui import QAction, QPalette
from PySide6.QtWidgets import QApplication, QLabel

from explorer.core import EmbeddingSet, Project, ViewState
from explorer.core.progress import Progress
from explorer.core.projections import axes_projection
from explorer.ui import job_progress, theme
from explorer.ui.axes_dialog import AxesDialog
from explorer.ui.help_dialogs import HelpDialog, ShortcutsDialog, shortcut_rows
from explorer.ui.import_dialog import ImportDialog
from explorer.ui.job_progress import JobProgress, elapsed_text
from explorer.ui.main_window import MainWindow
from explorer.ui.projection_dialog import METHOD_NAMES, ProjectionDialog
from explorer.ui.workers import JobRunner, connect_current

from .test_main_window import isolated_point, viewport_pos

WINDOW = QSize(1280, 820)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def system_theme():
    """Every test starts and ends with the platform's palette (the theme is application-wide)."""
    theme.apply_theme("system")
    yield
    theme.apply_theme("system")


def at_default_size(window, qtbot):
    window.resize(WINDOW)
    window.analysis_dock.show()
    window.analysis_dock.raise_()
    qtbot.wait(50)
    return window


def small_project(modality: str, texts: list[str], model_id: str) -> Project:
    rng = np.random.default_rng(0)
    emb = EmbeddingSet(vectors=rng.standard_normal((len(texts), 6)), ids=[f"i{i}" for i in range(len(texts))],
                       texts=texts, modality=modality, model_id=model_id)
    return Project(emb, {"PCA": axes_projection(emb.vectors, emb.vectors[0], name="PCA")}, ViewState())


SENTENCES = ["The film was a delight from start to finish, warm and funny.", "A tedious, overlong mess.",
             "Brilliant performances lift a thin script.", "I laughed, I cried, I went home happy."]
IMAGES = ["0/a.png", "1/b.png", "2/c.png", "3/d.png"]


# ---------------------------------------------------------------------------------- point 7: fit
@pytest.mark.parametrize("with_project", [None, "word", "text", "image"])
def test_no_panel_page_needs_a_scroll_bar_at_the_default_size(window, qtbot, v1_project_path, with_project):
    if with_project == "word":
        assert window.files.open_project(v1_project_path, block=True, ask=False)
    elif with_project == "text":  # the pages that say why they do not apply must fit too
        window.state.set_project(small_project("text", SENTENCES, "all-MiniLM-L6-v2"))
    elif with_project == "image":
        window.state.set_project(small_project("image", IMAGES, "efficientnet-lite0"))
    at_default_size(window, qtbot)
    tabs = window.analysis_tabs
    pages = [(i, None) for i in range(tabs.count())]
    pages += [(3, j) for j in range(window.bias_panel.pages.count())]  # the Bias page's own pages
    for i, j in pages:
        tabs.setCurrentIndex(i)
        if j is not None:
            window.bias_panel.pages.setCurrentIndex(j)
        qtbot.wait(20)
        scroll = tabs.widget(i)
        panel = scroll.widget()
        needed = panel.minimumSizeHint()
        room = scroll.viewport().size()
        assert needed.width() <= room.width(), f"{tabs.tabText(i)} needs {needed.width()} px, has {room.width()}"
        assert not scroll.horizontalScrollBar().isVisible(), tabs.tabText(i)
        # every page, Bias included, fits the dock's height too
        assert needed.height() <= room.height(), f"{tabs.tabText(i)} needs {needed.height()} px high"
        assert not scroll.verticalScrollBar().isVisible(), tabs.tabText(i)


def test_toolbar_fits_the_default_width(window, qtbot):
    at_default_size(window, qtbot)
    assert window.toolbar.sizeHint().width() <= WINDOW.width()


@pytest.mark.parametrize("method", list(METHOD_NAMES))
def test_projection_dialog_fields_readable_for_every_method(qtbot, method):
    dialog = ProjectionDialog(["UMAP"], 1000)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    for start in range(len(METHOD_NAMES)):  # whichever method was shown before
        dialog.method.setCurrentIndex(start)
        dialog.method.setCurrentIndex(dialog.method.findData(method))
        qtbot.wait(10)
        for name, field in dialog.fields[method].items():
            assert field.isVisible(), name
            assert field.height() >= field.sizeHint().height(), f"{method}: {name} squashed to {field.height()} px"
        hint = dialog.sizeHint()
        assert hint.width() <= WINDOW.width() and hint.height() <= WINDOW.height()


def test_every_dialog_fits_the_window(window, qtbot):
    for dialog in (ProjectionDialog([], 10, window), AxesDialog(window), ImportDialog("", window),
                   ShortcutsDialog(window), HelpDialog("Getting started", "getting_started", window)):
        hint = dialog.sizeHint()
        assert hint.width() <= WINDOW.width() and hint.height() <= WINDOW.height(), type(dialog).__name__
        dialog.deleteLater()


def test_progress_shows_percentage_or_elapsed_seconds_at_a_fixed_width(qtbot, monkeypatch):
    now = [100.0]
    monkeypatch.setattr(job_progress.time, "monotonic", lambda: now[0])
    bar = JobProgress()
    qtbot.addWidget(bar)
    width = bar.width()
    bar.show_step(Progress(0, None, "Computing affinities"))
    assert bar.label() == "Computing affinities — 0 s"
    now[0] += 45
    bar._render()  # what the one-second ticker does
    assert bar.label() == "Computing affinities — 45 s"
    assert bar.format() == bar.label()
    bar.show_step(Progress(0, None, "Computing affinities"))  # the same phase: its clock goes on
    assert bar.label().endswith("45 s")
    bar.show_step(Progress(0, 1000, "Computing t-SNE affinities"))  # a size, but one step at 0 %
    now[0] += 12
    bar._render()
    assert bar.label() == "Computing t-SNE affinities — 12 s"
    bar.show_step(Progress(250, 1000, "Optimising"))
    assert bar.label() == "Optimising — 25%" and bar.value() == 250
    bar.show_step(Progress(1, None, "A very long phase name that would never fit in the status bar " * 3))
    assert "…" in bar.format() and "\n" not in bar.format()
    assert bar.width() == width  # never changes width
    assert bar.ticker.isActive()
    bar.finish()
    assert not bar.isVisible() and not bar.ticker.isActive()


def test_elapsed_text():
    assert [elapsed_text(s) for s in (0, 7.9, 65, 3725)] == ["0 s", "7 s", "1 min 05 s", "1 h 02 min"]


def test_progress_of_a_cancelled_job_is_dropped(qtbot):
    runner = JobRunner()
    seen = []
    connect_current(runner, "progressed", lambda step: seen.append(step.message))

    def job():
        yield Progress(0, 10, "Optimising")
        while True:
            yield Progress(1, 10, "Optimising")

    generation = runner.start(job(), "slow")
    try:
        qtbot.waitUntil(lambda: bool(seen), timeout=5000)
        with qtbot.waitSignal(runner.cancelled, timeout=5000):
            runner.cancel()
        seen.clear()
        runner.progressed.emit(generation, Progress(2, 10, "Optimising"))  # queued before the cancel
        assert seen == []
    finally:
        runner.cancel()
        assert runner.wait(5)


def test_status_never_goes_back_after_cancel(opened, qtbot):
    runner = opened.projections.runner

    def job():
        while True:
            yield Progress(1, 10, "Optimising")

    generation = runner.start(job(), "slow")
    qtbot.waitUntil(lambda: opened.progress_bar.message == "Optimising", timeout=5000)
    opened.cancel_jobs()
    assert opened.statusBar().currentMessage() == "Cancelled"
    runner.progressed.emit(generation, Progress(2, 10, "Optimising"))  # a late message from the old job
    qtbot.waitUntil(lambda: not runner.running, timeout=5000)
    assert opened.statusBar().currentMessage() == "Cancelled"
    assert not opened.progress_bar.isVisible()


def test_panel_jobs_report_in_the_status_bar(opened, qtbot):
    """A panel's job (clusters, WEAT's permutations, an analogy) shows the same bar, with a number,
    and the status bar's Cancel stops it."""
    shown = []
    opened.progress_bar.show_step = lambda step, original=opened.progress_bar.show_step: (
        shown.append(step.message), original(step))
    panel = opened.analogy_panel
    words = opened.state.project.embeddings.texts
    panel.positive.setText(f"{words[10]} {words[11]}")
    panel.negative.setText(words[12])
    with qtbot.waitSignal(panel.results_shown, timeout=60_000):
        panel.run_button.click()
    assert "Computing" in shown
    qtbot.waitUntil(lambda: not opened.progress_bar.isVisible(), timeout=5000)
    panels = (opened.neighbors_panel, opened.analogy_panel, opened.clusters_panel, opened.bias_panel)
    assert all(p.runner in opened.runners for p in panels)


def test_projection_box_shows_the_projection_being_computed(opened, qtbot):
    opened.projections.compute_projection("tsne", "t-SNE slow", {"n_iter": 5000})
    qtbot.waitUntil(lambda: opened.cancel_button.isVisible(), timeout=10_000)
    assert opened.projection_combo.currentText() == "t-SNE slow (computing…)"
    assert "computing t-SNE slow" in opened.summary_label.text()
    with qtbot.waitSignal(opened.projections.runner.cancelled, timeout=30_000):
        opened.cancel_button.click()
    assert opened.projection_combo.currentText() == "PCA"
    assert opened.projection_combo.findText("t-SNE slow (computing…)") < 0
    assert "computing" not in opened.summary_label.text()


def test_hover_label_goes_when_the_mouse_leaves_the_map(opened, qtbot):
    index = isolated_point(opened)
    qtbot.mouseMove(opened.scatter.viewport(), viewport_pos(opened, index))
    qtbot.waitUntil(lambda: opened.state.hovered == index, timeout=3000)
    assert opened.hover_label.text()
    QApplication.sendEvent(opened.scatter, QEvent(QEvent.Type.Leave))
    assert opened.state.hovered is None
    assert opened.hover_label.text() == ""
    # leave the cursor off that point: a later test hovering the same spot must see a real move
    qtbot.mouseMove(opened.scatter.viewport(), QPoint(2, 2))


def test_item_panel_is_titled_by_the_item_text(window, qtbot):
    long_text = "A remarkably long review sentence " * 6
    window.state.set_project(small_project("text", [long_text, *SENTENCES[1:]], "fake-text"))
    at_default_size(window, qtbot)
    window.item_dock.raise_()
    window.state.select([0])
    qtbot.wait(20)
    heading = window.item_panel.heading
    assert heading.text() == " ".join(long_text.split())
    assert heading.shown_text().endswith("…") and heading.shown_text() != heading.text()
    assert heading.fontMetrics().horizontalAdvance(heading.shown_text()) <= heading.width()
    assert "i0" not in heading.shown_text()
    window.state.select([1])
    assert heading.text() == SENTENCES[1]


# ---------------------------------------------------------------------------------- point 8: modality
def test_word_sets_get_analogies_and_weat(opened):
    analogy, bias = opened.analogy_panel, opened.bias_panel
    assert analogy.run_button.isEnabled() and not analogy.reason.isVisibleTo(analogy)
    assert analogy.note.isVisibleTo(analogy)
    assert analogy.positive.text() == "king woman"
    assert bias.preset.currentText().startswith("WEAT 1")
    assert not bias.seat.isChecked()
    assert bias.weat_button.isEnabled() and bias.direction_button.isEnabled()


def test_sentence_sets_offer_seat_and_disable_what_does_not_apply(window, qtbot):
    window.state.set_project(small_project("text", SENTENCES, "all-MiniLM-L6-v2"))
    analogy, bias = window.analogy_panel, window.bias_panel
    assert not analogy.run_button.isEnabled() and not analogy.positive.isEnabled()
    assert analogy.reason.isVisibleTo(analogy) and "sentences" in analogy.reason.text()
    assert not analogy.note.isVisibleTo(analogy)
    assert analogy.positive.text() == ""  # no king/woman/man offered
    assert bias.seat.isChecked() and bias.weat_button.isEnabled()
    assert bias.preset.currentText().startswith("SEAT 1")
    assert all(bias.preset.itemText(i).startswith("SEAT") for i in range(bias.preset.count() - 1))
    assert not bias.direction_button.isEnabled() and "sentences" in bias.direction_reason.text()


def test_image_sets_disable_word_probes_with_a_reason(window):
    window.state.set_project(small_project("image", IMAGES, "efficientnet-lite0"))
    analogy, bias = window.analogy_panel, window.bias_panel
    assert not analogy.run_button.isEnabled() and "images" in analogy.reason.text()
    assert not bias.weat_button.isEnabled() and "efficientnet-lite0" in bias.weat_reason.text()
    assert bias.weat_reason.isVisibleTo(bias.weat_box)
    assert not bias.direction_button.isEnabled() and "images" in bias.direction_reason.text()
    # a CLIP model embeds text in the images' space: SEAT applies there
    window.state.set_project(small_project("image", IMAGES, "open_clip:ViT-B-32:/models/clip.pt"))
    assert bias.weat_button.isEnabled() and bias.seat.isChecked()
    assert not bias.weat_reason.isVisibleTo(bias.weat_box)


def test_presets_follow_the_new_project_not_the_last_one(opened):
    bias = opened.bias_panel
    bias.preset.setCurrentIndex(5)
    opened.analogy_panel.positive.setText("paris germany")
    opened.state.set_dirty(False)
    opened.state.set_project(small_project("text", SENTENCES, "all-MiniLM-L6-v2"))
    assert bias.preset.currentIndex() == 0 and bias.preset.currentText().startswith("SEAT 1")
    first = next(iter(bias.presets.values()))
    assert bias.sets["X"].text() == ", ".join(first.sets[0])
    assert opened.analogy_panel.positive.text() == ""


def test_saved_preset_comes_back_with_its_project(opened, qtbot, tmp_path):
    bias = opened.bias_panel
    bias.preset.setCurrentIndex(3)
    chosen = bias.preset.currentText()
    path = tmp_path / "p.eexp"
    assert opened.files.save_to(path, block=True)
    opened.state.set_project(small_project("text", SENTENCES, "all-MiniLM-L6-v2"))
    assert opened.files.open_project(path, block=True, ask=False)
    assert bias.preset.currentText() == chosen
    assert not opened.state.dirty  # the per-project defaults are not edits


def test_sentence_project_keeps_its_own_choices(window, tmp_path):
    window.state.set_project(small_project("text", SENTENCES, "all-MiniLM-L6-v2"))
    bias = window.bias_panel
    bias.preset.setCurrentIndex(2)
    bias.sets["A"].setText("joy, love")
    path = tmp_path / "texts.eexp"
    assert window.files.save_to(path, block=True)
    window.state.set_project(small_project("word", ["king", "queen", "man", "woman"], "glove-6B-50d"))
    assert bias.preset.currentText().startswith("WEAT 1")
    assert window.files.open_project(path, block=True, ask=False)
    assert bias.preset.currentText().startswith("SEAT 3") and bias.sets["A"].text() == "joy, love"
    assert bias.seat.isChecked() and not window.state.dirty


# ---------------------------------------------------------------------------------- point 11: desktop
def test_theme_switch_changes_palette_and_map_and_is_remembered(window, qtbot, settings, recovery_folder):
    window.set_theme("dark")
    assert theme.is_dark(QApplication.palette())
    background = window.scatter.backgroundBrush().color()
    assert background.lightness() < 80
    assert settings.value(theme.SETTINGS_KEY) == "dark"
    assert window.theme_actions["dark"].isChecked()
    window.set_theme("light")
    assert not theme.is_dark(QApplication.palette())
    assert window.scatter.backgroundBrush().color().lightness() > 200
    window.theme_actions["dark"].trigger()  # the View ▸ Theme menu
    assert settings.value(theme.SETTINGS_KEY) == "dark"
    window.state.set_dirty(False)
    theme.apply_theme("system")
    again = MainWindow(settings=settings, recovery_folder=recovery_folder)
    try:
        assert again.theme_name == "dark" and theme.is_dark(QApplication.palette())
        assert again.theme_actions["dark"].isChecked()
    finally:
        again.close()
        again.deleteLater()


def test_system_theme_is_the_platform_palette(window):
    before = QApplication.palette().color(QPalette.ColorRole.Window)
    window.set_theme("dark")
    window.set_theme("system")
    assert QApplication.palette().color(QPalette.ColorRole.Window) == before


def test_toolbar_actions_have_icons_and_tooltips(window):
    buttons = [a for a in window.toolbar.actions() if not a.isSeparator() and a.text()]
    assert len(buttons) >= 8
    for action in buttons:
        assert not action.icon().isNull(), action.text()
        assert action.toolTip() and action.toolTip() != action.text().replace("&", ""), action.text()
    assert "(Ctrl+O)" in window.open_action.toolTip()


@pytest.mark.parametrize("name", sorted(p.stem for p in (ROOT / "explorer/resources/icons").glob("*.svg")))
def test_every_icon_draws(name):
    image = theme.icon(name).pixmap(24, 24).toImage()
    inked = sum(image.pixelColor(x, y).alpha() > 0 for x in range(24) for y in range(24))
    assert inked > 20, f"{name}.svg draws nothing"


def test_icons_follow_the_palette():
    dark, light = theme.dark_palette(), theme.light_palette()
    def darkest(palette):
        image = theme.icon("open", palette).pixmap(24, 24).toImage()
        inked = [image.pixelColor(x, y) for x in range(24) for y in range(24) if image.pixelColor(x, y).alpha() > 200]
        return np.mean([c.lightness() for c in inked])
    assert darkest(dark) > 180 and darkest(light) < 80


def test_keyboard_shortcuts_dialog_lists_every_shortcut(window, qtbot):
    rows = shortcut_rows(window)
    listed = {(keys, action) for keys, action, _ in rows}
    for action in window.findChildren(QAction):
        for sequence in action.shortcuts():
            if action.menu() is None and not sequence.isEmpty() and action.associatedObjects():
                keys = sequence.toString(sequence.SequenceFormat.NativeText)
                assert any(keys in k for k, _ in listed), f"{action.text()} ({keys}) missing"
    assert ("Ctrl+O", "Open") in listed
    assert ("Ctrl+F", "Search the texts and labels") in listed
    assert any(keys == "Del" for keys, _ in listed)  # the selection table's own shortcut
    assert any(where.startswith("File") for *_, where in rows)
    window.shortcuts_action.trigger()
    dialog = window.shortcuts_dialog
    qtbot.waitExposed(dialog)
    assert dialog.table.rowCount() == len(rows)
    dialog.close()


def test_getting_started_page_comes_from_resources(window, qtbot):
    window.getting_started_action.trigger()
    dialog = window.help_dialog
    qtbot.waitExposed(dialog)
    text = dialog.browser.toPlainText()
    assert "Getting started" in text and "Keyboard Shortcuts" in text
    assert window.getting_started_action in window.help_menu.actions()
    assert window.shortcuts_action in window.help_menu.actions()
    dialog.close()


def test_window_layout_and_active_tab_restored_on_next_start(qtbot, settings, recovery_folder):
    first = MainWindow(settings=settings, recovery_folder=recovery_folder)
    first.resize(760, 560)  # inside the offscreen screen (800x600)
    first.show()
    qtbot.waitExposed(first)
    first.analysis_dock.raise_()
    first.analysis_tabs.setCurrentIndex(3)
    first.selection_dock.hide()
    first.removeDockWidget(first.item_dock)
    first.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, first.item_dock)
    first.item_dock.show()
    qtbot.wait(20)
    first.close()
    first.deleteLater()

    second = MainWindow(settings=settings, recovery_folder=recovery_folder)
    second.show()
    qtbot.waitExposed(second)
    try:
        assert second.size() == QSize(760, 560)
        assert second.analysis_tabs.currentIndex() == 3
        assert not second.selection_dock.isVisible()
        assert second.dockWidgetArea(second.item_dock) == Qt.DockWidgetArea.LeftDockWidgetArea
        assert second.analysis_tabs.isVisible()
    finally:
        second.close()
        second.deleteLater()


def test_analysis_dock_raised_over_the_item_dock_is_restored(qtbot, settings, recovery_folder):
    first = MainWindow(settings=settings, recovery_folder=recovery_folder)
    first.show()
    qtbot.waitExposed(first)
    qtbot.wait(20)
    assert not first.analysis_dock_raised()  # the item dock is in front by default
    first.analysis_dock.raise_()
    first.analysis_tabs.setCurrentIndex(1)
    qtbot.wait(20)
    assert first.analysis_dock_raised()
    first.close()
    first.deleteLater()
    second = MainWindow(settings=settings, recovery_folder=recovery_folder)
    second.show()
    qtbot.waitExposed(second)
    try:
        qtbot.waitUntil(second.analysis_dock_raised, timeout=2000)
        assert second.analysis_tabs.currentIndex() == 1
    finally:
        second.close()
        second.deleteLater()


def test_desktop_file_and_icon_installed_idempotently(tmp_path):
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path)}
    exe = "/opt/some where/.venv/bin/explorer"
    script = ROOT / "scripts" / "install_desktop.sh"
    first = subprocess.run([str(script), exe], env=env, capture_output=True, text=True, check=True)
    assert "embedding-explorer.desktop" in first.stdout
    second = subprocess.run([str(script), exe], env=env, capture_output=True, text=True, check=True)
    assert second.stdout == ""  # nothing to do the second time
    desktop = tmp_path / "applications" / "embedding-explorer.desktop"
    entry = configparser.ConfigParser(interpolation=None)
    entry.read(desktop)
    section = entry["Desktop Entry"]
    assert section["Exec"] == f'"{exe}" %f'
    assert section["Icon"] == theme.APP_ICON and section["Type"] == "Application"
    icon = tmp_path / "icons" / "hicolor" / "scalable" / "apps" / f"{theme.APP_ICON}.svg"
    assert icon.read_bytes() == (ROOT / "explorer/resources/icons" / f"{theme.APP_ICON}.svg").read_bytes()


def test_make_run_installs_the_launcher():
    makefile = (ROOT / "Makefile").read_text()
    run = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "scripts/install_desktop.sh" in run


def test_resources_are_package_data():
    for parts in (("help", "getting_started.html"), ("embedding-explorer.desktop",), ("weat_presets.json",),
                  ("icons", f"{theme.APP_ICON}.svg")):
        assert theme.resource_path(*parts).is_file(), parts
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '"resources/**/*"' in pyproject


def test_hint_labels_follow_the_palette(window):
    """Notes use the palette's placeholder colour (readable in both themes), not a fixed grey."""
    notes = [label for label in window.findChildren(QLabel)
             if label.foregroundRole() == QPalette.ColorRole.PlaceholderText]
    assert len(notes) >= 3
    assert all("color: #" not in label.styleSheet() for label in window.findChildren(QLabel))
