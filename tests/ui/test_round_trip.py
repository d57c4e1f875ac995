"""Every kind of state a user sets up survives Save and reopening in a fresh window: the same
picture, the same panels, the same bookmarks."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from explorer.ui.main_window import MainWindow
from tests.ui.conftest import glove_project_file


@pytest.fixture(scope="module")
def glove_5k(tmp_path_factory):
    return glove_project_file(tmp_path_factory, 5_000)


def table_rows(table) -> list[list[str]]:
    return [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())]


def test_everything_the_user_set_up_comes_back(window, qtbot, glove_5k, settings, recovery_folder, tmp_path):
    win = window
    with qtbot.waitSignal(win.project_opened, timeout=20_000):
        win.files.open_project(glove_5k)
    state = win.state
    key = state.project.embeddings.key_to_index
    # --- map: projection, colouring, hidden category, search, size, opacity, zoom
    state.add_column("band", np.array(["first" if i < 1000 else "rest" for i in range(5000)]))
    state.toggle_category("rest")
    win.search_box.setText("^wom")
    win.regex_box.setChecked(True)
    win.size_box.setValue(4.5)
    win.opacity_slider.setValue(60)
    win.scatter.view_box.setRange(xRange=(-1, 1), yRange=(-1, 1), padding=0)
    # --- selection, focus, bookmarks
    state.select([key["he"], key["she"], key["woman"]])
    state.set_focus(key["she"])
    state.add_bookmark("pronouns", [key["he"], key["she"], key["they"]])
    state.select([key["he"], key["she"], key["woman"]])
    # --- panels: analogy, clusters, bias (direction and WEAT)
    analogy = win.analogy_panel
    analogy.positive.setText("king woman")
    analogy.negative.setText("man")
    analogy.method.setCurrentIndex(1)
    with qtbot.waitSignal(analogy.results_shown, timeout=10_000):
        qtbot.mouseClick(analogy.run_button, Qt.MouseButton.LeftButton)
    clusters = win.clusters_panel
    clusters.n_clusters.setValue(5)
    with qtbot.waitSignal(clusters.results_shown, timeout=60_000):
        clusters.run_button.click()
    state.set_color_by("band")  # colour by something else than the clusters afterwards
    state.toggle_category("rest")
    bias = win.bias_panel
    bias.probe_words.setPlainText("nurse engineer doctor teacher")
    with qtbot.waitSignal(bias.direction_shown, timeout=10_000):
        bias.direction_button.click()
    bias.preset.setCurrentText("Custom word sets")
    for set_key, words in zip("XYAB", ("he, him, man, boy", "she, her, woman, girl", "work, office, money",
                                       "home, family, children")):
        bias.sets[set_key].setText(words)
    bias.permutations.setValue(500)
    with qtbot.waitSignal(bias.weat_shown, timeout=60_000):
        bias.weat_button.click()
    # the analogy ran last among the panels that mark the map: its marks are what the user sees
    with qtbot.waitSignal(analogy.results_shown, timeout=10_000):
        analogy.run_button.click()
    before = {
        "projection": state.project.view.projection, "color_by": state.project.view.color_by,
        "hidden": set(state.hidden_categories), "selection": state.selection, "focus": state.focus,
        "search": (state.search_text, state.search_regex, list(state.search_matches)),
        "bookmarks": dict(state.project.bookmarks), "arrows": list(state.arrows),
        "highlighted": list(state.highlighted), "radius": win.scatter.cloud.radius,
        "opacity": win.opacity_slider.value(), "range": win.scatter.view_box.viewRange(),
        "analogy": (table_rows(analogy.table), analogy.status.text(), analogy.method.currentData()),
        "clusters": (table_rows(clusters.table), clusters.status.text(), clusters.n_clusters.value()),
        "direction": (table_rows(bias.direction_table), bias.direction_status.text()),
        "weat": (table_rows(bias.weat_table), bias.weat_status.text(), bias.permutations.value()),
        "columns": list(state.project.embeddings.metadata),
    }
    path = tmp_path / "session.eexp"
    assert win.files.save_to(path, block=True)

    fresh = MainWindow(settings=settings, recovery_folder=recovery_folder)
    fresh.resize(win.size())
    fresh.show()
    qtbot.waitExposed(fresh)
    try:
        with qtbot.waitSignal(fresh.project_opened, timeout=20_000):
            fresh.files.open_project(path)
        s = fresh.state
        assert s.project.view.projection == before["projection"]
        assert s.project.view.color_by == before["color_by"] == "band"
        assert s.hidden_categories == before["hidden"] == {"rest"}
        assert dict(fresh.scatter.legend_entries()) == {"first": True, "rest": False}
        assert s.selection == before["selection"] and s.focus == before["focus"]
        assert (s.search_text, s.search_regex, list(s.search_matches)) == before["search"]
        assert fresh.search_box.text() == "^wom" and fresh.regex_box.isChecked()
        assert s.project.bookmarks == before["bookmarks"]
        assert s.arrows == before["arrows"] and list(s.highlighted) == before["highlighted"]
        assert fresh.scatter.cloud.radius == before["radius"] == 4.5
        assert fresh.size_box.value() == 4.5 and fresh.opacity_slider.value() == before["opacity"] == 60
        (x0, x1), (y0, y1) = fresh.scatter.view_box.viewRange()
        (bx0, bx1), (by0, by1) = before["range"]
        assert abs((x0 + x1) / 2 - (bx0 + bx1) / 2) < 0.05 and abs((y0 + y1) / 2 - (by0 + by1) / 2) < 0.05
        assert list(s.project.embeddings.metadata) == before["columns"]
        a, c, b = fresh.analogy_panel, fresh.clusters_panel, fresh.bias_panel
        assert (table_rows(a.table), a.status.text(), a.method.currentData()) == before["analogy"]
        assert a.export_button.isEnabled()
        assert (table_rows(c.table), c.status.text(), c.n_clusters.value()) == before["clusters"]
        assert (table_rows(b.direction_table), b.direction_status.text()) == before["direction"]
        assert (table_rows(b.weat_table), b.weat_status.text(), b.permutations.value()) == before["weat"]
        assert not s.dirty  # reopening is not an edit
        # the bookmark menu selects the bookmarked items
        fresh.bookmarks.fill_menu()
        entry = next(a for a in fresh.bookmarks_menu.actions() if a.text().startswith("pronouns"))
        entry.trigger()
        assert s.selection == sorted(before["bookmarks"]["pronouns"])
        # clicking a restored cluster row still selects that cluster
        c.table.cellClicked.emit(0, 0)
        assert len(s.selection) == int(table_rows(c.table)[0][1])
    finally:
        fresh.state.set_dirty(False)
        fresh.close()
        fresh.deleteLater()


def test_bookmarks_from_the_menu(window, qtbot, glove_5k, monkeypatch):
    with qtbot.waitSignal(window.project_opened, timeout=20_000):
        window.files.open_project(glove_5k)
    window.state.select([1, 2, 3])
    monkeypatch.setattr("explorer.ui.controllers.bookmarks.QInputDialog.getText", lambda *a, **k: ("first three", True))
    window.bookmark_action.trigger()
    assert window.state.project.bookmarks == {"first three": [1, 2, 3]} and window.state.dirty
    window.state.select([])
    window.state.select_bookmark("first three")
    assert window.state.selection == [1, 2, 3]
    window.state.remove_bookmark("first three")
    assert window.state.project.bookmarks == {}


def test_format_2_fixture_shows_its_saved_session(window, qtbot):
    from tests.conftest import FIXTURES

    with qtbot.waitSignal(window.project_opened, timeout=20_000):
        window.files.open_project(FIXTURES / "projects" / "v2" / "glove_400_session.eexp")
    state = window.state
    key = state.project.embeddings.key_to_index
    assert window.search_box.text() == "^s" and window.regex_box.isChecked()
    assert window.size_box.value() == 3.5 and window.opacity_slider.value() == 70
    assert dict(window.scatter.legend_entries())["other"] is False
    assert state.focus == key["she"] and state.selection == sorted([key["he"], key["she"]])
    assert window.analogy_panel.table.rowCount() == 5 and window.analogy_panel.positive.text() == "he her"
    assert window.clusters_panel.table.rowCount() == 4
    assert window.bias_panel.direction_table.rowCount() == 4
    assert len(window.scatter.arrow_heads) == 1
