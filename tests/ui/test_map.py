"""Map interactions: box and lasso selection, search, legend toggles, the selection table."""

from __future__ import annotations

import csv

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from explorer.core.selection import points_in_box, points_in_polygon


def send_mouse(widget, kind, pos: QPoint, buttons, modifiers=Qt.KeyboardModifier.NoModifier):
    button = Qt.MouseButton.LeftButton if kind != QEvent.Type.MouseMove else Qt.MouseButton.NoButton
    local = QPointF(pos)
    event = QMouseEvent(kind, local, QPointF(widget.mapToGlobal(pos)), button, buttons, modifiers)
    QApplication.sendEvent(widget, event)


def drag(qtbot, widget, points: list[QPoint], modifiers=Qt.KeyboardModifier.NoModifier):
    """Press, move through ``points`` with the left button held, release (what QTest can't do)."""
    left = Qt.MouseButton.LeftButton
    send_mouse(widget, QEvent.Type.MouseButtonPress, points[0], left, modifiers)
    for point in points[1:]:
        qtbot.wait(25)  # pyqtgraph's scene takes at most one move event per 1/60 s
        send_mouse(widget, QEvent.Type.MouseMove, point, left, modifiers)
    send_mouse(widget, QEvent.Type.MouseButtonRelease, points[-1], Qt.MouseButton.NoButton, modifiers)


def to_data(window, pos: QPoint) -> tuple[float, float]:
    view = window.scatter
    point = view.view_box.mapSceneToView(view.mapToScene(pos))
    return point.x(), point.y()


def test_box_selection_selects_exactly_the_points_inside(opened, qtbot):
    viewport = opened.scatter.viewport()
    opened.mode_actions["box"].trigger()
    centre = viewport.rect().center()
    corners = [centre + QPoint(-120, -90), centre + QPoint(0, 0), centre + QPoint(120, 90)]
    drag(qtbot, viewport, corners)
    (x0, y0), (x1, y1) = to_data(opened, corners[0]), to_data(opened, corners[-1])
    expected = points_in_box(opened.scatter.coords(), x0, y0, x1, y1).tolist()
    assert len(expected) > 5
    assert opened.state.selection == expected
    table = opened.selection_panel
    assert table.model.rowCount() == len(expected)
    assert f"{len(expected):,} selected" == table.count.text()
    # Shift+drag elsewhere adds; a pan-mode drag never selects.
    other = [centre + QPoint(150, -150), centre + QPoint(250, -60)]
    drag(qtbot, viewport, other, Qt.KeyboardModifier.ShiftModifier)
    assert set(expected) <= set(opened.state.selection)
    opened.mode_actions["pan"].trigger()
    before = opened.state.selection
    drag(qtbot, viewport, [centre, centre + QPoint(40, 40)])
    assert opened.state.selection == before


def test_lasso_selection(opened, qtbot):
    viewport = opened.scatter.viewport()
    opened.mode_actions["lasso"].trigger()
    c = viewport.rect().center()
    triangle = [c + QPoint(-150, 100), c + QPoint(0, -150), c + QPoint(150, 100), c + QPoint(-150, 100)]
    drag(qtbot, viewport, triangle)
    selected = opened.state.selection
    polygon = np.array([to_data(opened, p) for p in triangle])
    expected = points_in_polygon(opened.scatter.coords(), polygon).tolist()
    assert len(expected) > 5 and selected == expected


def test_selection_table_focus_and_delete_sync_with_map(opened, qtbot):
    opened.state.select([3, 10, 42])
    panel = opened.selection_panel
    assert [panel.model.data(panel.model.index(r, 1)) for r in range(3)] == \
        [opened.state.project.embeddings.texts[i] for i in (3, 10, 42)]
    panel.table.selectRow(1)
    assert opened.state.focus == 10
    focus_xy = opened.scatter.focus_item.getData()
    assert np.allclose([focus_xy[0][0], focus_xy[1][0]], opened.scatter.coords()[10])
    panel.table.setFocus()
    qtbot.keyClick(panel.table, Qt.Key.Key_Delete)
    assert opened.state.selection == [3, 42]
    assert opened.state.focus is None


def test_export_selection_csv(opened, qtbot, tmp_path):
    opened.state.select([0, 1, 2])
    out = tmp_path / "sel.csv"
    opened.selection_panel.export(str(out))
    with out.open() as f:
        rows = list(csv.DictReader(f))
    assert [r["text"] for r in rows] == ["the", ",", "."]
    assert rows[0]["band"] == "stop word"


def test_search_highlights_and_counts(opened, qtbot):
    texts = opened.state.project.embeddings.texts
    qtbot.keyClicks(opened.search_box, "an")
    expected = [i for i, t in enumerate(texts) if "an" in t.lower()]
    # the items' own text only ("frequent", a metadata value, is not searched unless chosen)
    assert opened.state.search_matches.tolist() == expected
    assert opened.search_count.text() == f"{len(expected):,} matches"
    # the matches and the selection are brought forward, the rest dimmed
    emphasised = set(expected) | set(opened.state.selection)
    assert set(np.flatnonzero(opened.scatter.cloud._emphasis).tolist()) == emphasised
    opened.select_matches_button.click()
    assert opened.state.selection == expected
    opened.state.select([])
    opened.search_box.clear()
    assert opened.state.search_matches is None and opened.scatter.cloud._emphasis is None
    opened.regex_box.setChecked(True)
    qtbot.keyClicks(opened.search_box, "^(the|of)$")
    assert opened.state.search_matches.tolist() == [texts.tolist().index("the"), texts.tolist().index("of")]
    opened.search_box.setText("(")
    assert opened.search_count.text() == "bad regex"


def test_legend_click_hides_a_category(opened, qtbot):
    view = opened.scatter
    entries = view.legend_entries()
    assert [label for label, _ in entries] == ["common", "frequent", "stop word"]
    sample = view.legend.items[2][0]
    qtbot.mouseClick(opened.scatter.viewport(), Qt.MouseButton.LeftButton,
                     pos=view.mapFromScene(sample.sceneBoundingRect().center()))
    assert opened.state.hidden_categories == {"stop word"}
    assert view.legend_entries()[2] == ("stop word", False)
    visible = view.cloud._visible
    bands = opened.state.project.embeddings.metadata["band"]
    assert not visible[bands == "stop word"].any() and visible[bands != "stop word"].all()
    # A hidden point can't be hovered or picked.
    hidden = int(np.flatnonzero(bands == "stop word")[0])
    x, y = view.coords()[hidden]
    pw, ph = view.view_box.viewPixelSize()
    assert view.cloud.pick(float(x), float(y), pw, ph, tolerance_px=0) != hidden
    opened.color_combo.setCurrentText("frequency_rank")
    assert opened.state.hidden_categories == set() and view.cloud._visible.all()


def test_point_size_and_opacity_controls(opened, qtbot):
    opened.size_box.setValue(6)
    assert opened.scatter.cloud.radius == 6
    opened.opacity_slider.setValue(40)
    assert opened.scatter.cloud.opacity_value == 0.4


def test_isolate_selection_makes_a_new_project_with_its_own_map(opened, qtbot):
    chosen = list(range(40, 90))
    opened.state.select(chosen)
    texts = opened.state.project.embeddings.texts[chosen].tolist()
    opened.state.set_dirty(False)
    with qtbot.waitSignal(opened.import_finished, timeout=30_000):
        opened.isolate_action.trigger()
    project = opened.state.project
    assert project.embeddings.texts.tolist() == texts
    assert project.view.projection == "PCA" and project.projections["PCA"].coords.shape == (50, 2)
    assert project.view.color_by == "band"
    assert opened.state.path is None and opened.isWindowModified()
