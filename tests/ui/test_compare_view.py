"""The compare window driven through its real widgets: two sets' maps side by side, B aligned onto
A, hover / selection / zoom linked, and a comparison's result row selecting in both."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from explorer.core.project import Projection, VectorSet
from explorer.io.project_file import load_project, save_project


def isolated(coords: np.ndarray, view) -> int:
    """A point at least 12 px from any other in ``view`` (so that a pointer picks it alone)."""
    pixel_w, pixel_h = view.view_box.viewPixelSize()
    px = coords / [pixel_w, pixel_h]
    for i in np.argsort(np.linalg.norm(px - np.median(px, axis=0), axis=1)):
        d = np.linalg.norm(px - px[i], axis=1)
        d[i] = np.inf
        if d.min() > 12:
            return int(i)
    raise AssertionError("no isolated point")


def at(view, index: int) -> QPoint:
    return view.mapFromScene(view.scene_pos_of(index))


@pytest.fixture
def compare(window, qtbot, v1_project_path, tmp_path):
    """The GloVe fixture with a second set whose map is A's PCA turned, mirrored, scaled and moved,
    plus a little noise; the compare window open on it."""
    project = load_project(v1_project_path)
    a = project.projections["PCA"].coords.astype(np.float64)
    rng = np.random.default_rng(5)
    turn = np.array([[0.0, 1.0], [1.0, 0.0]]) @ np.array([[0.8, -0.6], [0.6, 0.8]])  # reflection
    b = 7.0 * a @ turn + [30.0, -12.0] + rng.normal(0, 0.02, a.shape)
    other = (project.embeddings.vectors + rng.normal(0, 0.3, project.embeddings.vectors.shape)).astype(np.float32)
    project.add_set(VectorSet("noisy", "noise", other, {"PCA": Projection("PCA", "pca", b)}))
    path = save_project(project, tmp_path / "two.eexp")
    with qtbot.waitSignal(window.project_opened, timeout=10_000):
        window.files.open_project(path)
    window.compare_maps_action.trigger()
    view = window.compare_maps.window
    view.move(window.geometry().right() + 20, 0)  # not over the main window: the pointer finds it
    qtbot.waitExposed(view)
    qtbot.wait(30)
    return window, view


def test_b_is_aligned_onto_a(compare):
    window, view = compare
    a = window.state.project.projections["PCA"].coords
    assert view.set_b.currentText() == "noisy" and view.map_b_choice.currentText() == "PCA"
    np.testing.assert_allclose(view.map_b.coords(), a, atol=0.05 * np.ptp(a))
    assert view.alignment.disparity < 0.01 and "Procrustes" in view.fit_note.text()


def test_hover_in_a_marks_the_item_in_b(compare, qtbot):
    window, view = compare
    index = isolated(view.map_a.coords(), view.map_a)
    qtbot.mouseMove(view.map_a.viewport(), at(view.map_a, index))
    qtbot.waitUntil(lambda: window.state.hovered == index, timeout=3000)
    x, y = view.map_b.hover_item.getData()
    np.testing.assert_allclose([x[0], y[0]], view.map_b.coords()[index])


def test_selecting_in_a_shows_in_b_and_the_other_way(compare, qtbot):
    window, view = compare
    index = isolated(view.map_a.coords(), view.map_a)
    qtbot.mouseClick(view.map_a.viewport(), Qt.MouseButton.LeftButton, pos=at(view.map_a, index))
    assert window.state.selection == [index]
    x, y = view.map_b.selection_item.getData()
    np.testing.assert_allclose(np.c_[x, y], view.map_b.coords()[[index]])
    other = isolated(view.map_b.coords(), view.map_b)
    qtbot.mouseClick(view.map_b.viewport(), Qt.MouseButton.LeftButton, pos=at(view.map_b, other))
    assert window.state.selection == [other]
    x, y = view.map_a.selection_item.getData()
    np.testing.assert_allclose(np.c_[x, y], view.map_a.coords()[[other]])


def test_zooming_a_moves_b(compare, qtbot):
    _, view = compare
    view.map_a.view_box.scaleBy((0.25, 0.25))
    qtbot.wait(10)
    np.testing.assert_allclose(view.map_b.view_box.viewRange(), view.map_a.view_box.viewRange(), rtol=1e-6)
    view.map_b.view_box.translateBy(x=0.5, y=0.2)  # and panning B moves A
    np.testing.assert_allclose(view.map_a.view_box.viewRange(), view.map_b.view_box.viewRange(), rtol=1e-6)


def test_a_compare_result_row_selects_in_both_maps(compare, qtbot):
    window, view = compare
    panel = window.quality_panel
    panel.tool.setCurrentIndex(panel.tool.findData("compare"))
    panel.other.setCurrentText("noisy")
    with qtbot.waitSignal(panel.results_shown, timeout=60_000):
        qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    assert panel.side_by_side_button.isVisibleTo(panel)
    panel.table.selectRow(0)
    chosen = int(panel.outcome.result.order[0])
    assert window.state.selection == [chosen]
    for side in (view.map_a, view.map_b):
        x, y = side.selection_item.getData()
        np.testing.assert_allclose(np.c_[x, y], side.coords()[[chosen]])


def test_switching_sets_swaps_the_sides_and_closing_stops_following(compare, qtbot):
    window, view = compare
    window.set_combo.activated.emit(window.set_combo.findText("noisy"))
    assert view.title_a.text().startswith("<b>A</b>: noisy") and view.set_b.currentText() == "glove-6B-50d"
    np.testing.assert_allclose(view.map_b.coords(), window.state.project.projections["PCA"].coords,
                               atol=0.05 * np.ptp(window.state.project.projections["PCA"].coords))
    view.close()
    qtbot.waitUntil(lambda: window.compare_maps.window is None, timeout=3000)
    window.state.select([1, 2])  # nothing left listening from the closed window


def test_a_set_without_a_map_gets_one_from_the_compare_window(window, qtbot, tmp_path):
    """A set from a format-3 file has no map: the window offers to compute a PCA of it."""
    from tests.io.test_embedding_sets_file import V3_FIXTURE

    with qtbot.waitSignal(window.project_opened, timeout=10_000):
        window.files.open_project(V3_FIXTURE)
    window.compare_maps_action.trigger()
    view = window.compare_maps.window
    assert view.set_b.currentText() == "squared" and view.map_b_choice.count() == 0
    assert view.map_button.isVisibleTo(view) and view.map_b.coords() is None
    with qtbot.waitSignal(view.runner.finished, timeout=30_000):
        qtbot.mouseClick(view.map_button, Qt.MouseButton.LeftButton)
    project = window.state.project
    assert list(project.set_projections("squared")) == ["PCA"] and window.state.dirty
    assert view.map_b_choice.currentText() == "PCA" and not view.map_button.isVisibleTo(view)
    centred = project.set_vectors("squared") - project.set_vectors("squared").mean(axis=0)
    first = np.linalg.svd(centred, full_matrices=False)[2][0]
    pc1 = project.set_projections("squared")["PCA"].coords[:, 0]
    assert abs(np.corrcoef(pc1, centred @ first)[0, 1]) > 0.999  # the first principal component
    assert view.map_b.coords() is not None and len(view.map_b.coords()) == 200
