"""Widgets bind to the session both ways: an edit lands in the project's typed record and marks it
dirty; a record changed elsewhere shows in its widget; a reopened project puts its values back.
Tests of state -> widget and widget -> state are separate (napari's habit)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from explorer.ui.menus import MENUS, commands


def test_panel_edits_go_to_the_record_and_mark_dirty(opened, qtbot):
    win = opened
    view = win.state.project.view
    assert not win.state.dirty
    win.analogy_panel.positive.setText("paris germany")
    assert view.analogy.positive == "paris germany" and win.state.dirty
    win.state.set_dirty(False)
    win.neighbors_panel.k.setValue(23)
    assert view.neighbors.k == 23 and win.state.dirty
    win.state.set_dirty(False)
    win.clusters_panel.normalize.setChecked(not win.clusters_panel.normalize.isChecked())
    assert view.clusters.normalize is win.clusters_panel.normalize.isChecked() and win.state.dirty
    win.state.set_dirty(False)
    index = win.bias_panel.std.findData("sample")
    win.bias_panel.std.setCurrentIndex(index)
    assert view.bias.std == "sample" and win.state.dirty


def test_a_record_changed_elsewhere_shows_in_its_widget(opened):
    win = opened
    view = win.state.project.view
    view.analogy.k = 7
    view.neighbors.query = "typed elsewhere"
    view.clusters.method = "hdbscan"
    assert win.analogy_panel.k.value() == 7
    assert win.neighbors_panel.query.text() == "typed elsewhere"
    assert win.clusters_panel.method.currentData() == "hdbscan"


def test_opening_a_project_fills_unchosen_inputs_without_marking_it_dirty(opened):
    win = opened
    view = win.state.project.view
    assert not win.state.dirty
    # the format-1 fixture chose nothing: each record took its panel's default
    assert view.neighbors.k == win.neighbors_panel.k.value()
    assert view.analogy.positive == win.analogy_panel.positive.text()
    assert view.bias.permutations == win.bias_panel.permutations.value()


def test_panel_inputs_and_appearance_survive_save_and_reopen(opened, qtbot, tmp_path, settings,
                                                             recovery_folder):
    from explorer.ui.main_window import MainWindow

    win = opened
    win.analogy_panel.positive.setText("paris germany")
    win.analogy_panel.k.setValue(4)
    win.neighbors_panel.query.setText("the")
    win.bias_panel.probe_words.setPlainText("one two three")
    win.size_box.setValue(5.5)
    win.opacity_slider.setValue(40)
    assert win.state.project.view.point_size == 5.5 and win.state.project.view.opacity == 0.4
    path = tmp_path / "saved.eexp"
    with qtbot.waitSignal(win.project_saved, timeout=20_000):
        win.files.save_to(path)
    assert not win.state.dirty
    fresh = MainWindow(settings=settings, recovery_folder=recovery_folder)
    try:
        with qtbot.waitSignal(fresh.project_opened, timeout=20_000):
            fresh.files.open_project(path)
        assert fresh.analogy_panel.positive.text() == "paris germany"
        assert fresh.analogy_panel.k.value() == 4
        assert fresh.neighbors_panel.query.text() == "the"
        assert fresh.bias_panel.probe_words.toPlainText() == "one two three"
        assert fresh.size_box.value() == 5.5 and fresh.opacity_slider.value() == 40
        assert fresh.scatter.cloud.radius == 5.5
        assert not fresh.state.dirty
    finally:
        fresh.state.set_dirty(False)
        fresh.close()
        fresh.deleteLater()


def test_a_pan_by_the_user_is_recorded(opened, qtbot):
    win = opened
    win.state.set_dirty(False)
    box = win.scatter.view_box
    box.translateBy(x=0.5, y=0.0)
    box.sigRangeChangedManually.emit(box.state["mouseEnabled"])
    qtbot.waitUntil(lambda: win.state.dirty, timeout=3000)
    (x0, x1), (y0, y1) = box.viewRange()
    assert win.state.project.view.view_range == [x0, x1, y0, y1]


def test_menus_come_from_the_one_table(window):
    assert [menu.title() for menu in window.menuBar().findChildren(type(window.file_menu))
            if menu.parent() is window.menuBar()][:len(MENUS)] == [text for _, text, _ in MENUS]
    for command in commands():
        action = getattr(window, f"{command.name}_action")
        assert action.text() == command.text
        if command.needs_project:
            assert not action.isEnabled()  # no project open yet


def test_clear_selection_from_the_menu_table(opened, qtbot):
    win = opened
    win.state.select([1, 2])
    win.clear_selection_action.trigger()
    assert win.state.selection == []
    qtbot.keyClick(win.scatter, Qt.Key.Key_Escape)


def test_locating_the_data_folder_goes_through_the_source_data_controller(opened, tmp_path):
    win = opened
    win.state.set_dirty(False)
    win.source_data.locate_data(str(tmp_path))
    assert win.state.project.source.root == tmp_path.resolve() and win.state.dirty
    assert str(tmp_path.resolve()) in win.source_data.trusted_folders()
    assert "Data folder set to" in win.statusBar().currentMessage()
