from __future__ import annotations

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from explorer.ui.projection_dialog import ProjectionDialog


def _fill_dialog(method_label: str, **values):
    def fill():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, ProjectionDialog):
            QTimer.singleShot(20, fill)
            return
        dialog.method.setCurrentText(method_label)
        method = dialog.method.currentData()
        for key, value in values.items():
            dialog.fields[method][key].setValue(value)
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()

    QTimer.singleShot(20, fill)


def test_new_tsne_projection_moves_on_the_map_then_is_stored(opened, qtbot):
    previews = []
    opened.state.preview_changed.connect(lambda: previews.append(opened.state.preview is not None))
    _fill_dialog("t-SNE", n_iter=150, perplexity=20.0, seed=1)
    with qtbot.waitSignal(opened.projection_ready, timeout=120_000) as blocker:
        opened.new_projection_action.trigger()
    assert blocker.args == ["t-SNE"]
    assert any(previews), "the layout should be shown while it optimises"
    assert opened.state.preview is None
    project = opened.state.project
    assert project.view.projection == "t-SNE"
    assert project.projections["t-SNE"].params["perplexity"] == 20.0
    assert opened.projection_combo.currentText() == "t-SNE"
    np.testing.assert_array_equal(opened.scatter.coords(), project.projections["t-SNE"].coords)
    assert opened.isWindowModified()


def test_cancel_a_running_projection(opened, qtbot):
    opened.projections.compute_projection("tsne", "slow", {"n_iter": 5000})
    qtbot.waitUntil(lambda: opened.cancel_button.isVisible(), timeout=10_000)
    qtbot.waitUntil(lambda: opened.state.preview is not None, timeout=60_000)
    with qtbot.waitSignal(opened.projections.runner.cancelled, timeout=10_000):
        opened.cancel_button.click()
    assert "slow" not in opened.state.project.projections
    assert opened.state.preview is None
    qtbot.waitUntil(lambda: not opened.cancel_button.isVisible(), timeout=5_000)


def test_cancel_a_running_umap_stops_its_process(opened, qtbot):
    from explorer.core.umap_process import UmapProcess

    opened.projections.compute_projection("umap", "UMAP slow", {"n_neighbors": 15})
    qtbot.waitUntil(lambda: opened.cancel_button.isVisible(), timeout=10_000)
    qtbot.waitUntil(lambda: UmapProcess._shared is not None, timeout=10_000)
    process = UmapProcess._shared.process
    qtbot.wait(300)
    with qtbot.waitSignal(opened.projections.runner.cancelled, timeout=10_000):
        opened.cancel_button.click()
    assert process.poll() is not None, "the UMAP process must be stopped, not left running"
    assert "UMAP slow" not in opened.state.project.projections


def test_umap_warm_up_then_compute(opened, qtbot, monkeypatch):
    from explorer.core.umap_process import UmapProcess, prewarm

    monkeypatch.setenv("EXPLORER_UMAP_WARMUP", "1")
    assert prewarm() in (True, False)
    assert UmapProcess._shared is not None and UmapProcess._shared.alive()
    previews = []
    opened.state.preview_changed.connect(lambda: previews.append(opened.state.preview is not None))
    with qtbot.waitSignal(opened.projection_ready, timeout=240_000):
        opened.projections.compute_projection("umap", "UMAP", {"n_neighbors": 10, "seed": 2})
    coords = opened.state.project.projections["UMAP"].coords
    assert coords.shape == (400, 2) and np.isfinite(coords).all()
    assert UmapProcess._shared is not None and not UmapProcess._shared.warming
    assert previews.count(True) >= 5, "the UMAP layout should move on the map while it optimises"
