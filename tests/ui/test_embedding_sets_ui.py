"""The set switch in the window: the toolbar's Set box moves the map, the panels and the index to
another embedding of the items, and each set's panel results come back when it is chosen again."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from explorer.core.project import Projection, VectorSet
from explorer.io.project_file import load_project, save_project


def cosine_top(vectors, row, k):
    units = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    sims = units @ units[row]
    sims[row] = -np.inf
    return np.argsort(-sims, kind="stable")[:k]


def open_with_two_sets(window, qtbot, v1_project_path, tmp_path):
    project = load_project(v1_project_path)
    emb = project.embeddings
    other = np.sqrt(np.abs(emb.vectors)).astype(np.float32) * np.sign(emb.vectors)  # another geometry
    coords = np.random.default_rng(0).standard_normal((len(emb), 2)).astype(np.float32)
    project.add_set(VectorSet("signed-sqrt", "sqrt-model", other, {"B map": Projection("B map", "pca", coords)}))
    path = save_project(project, tmp_path / "two.eexp")
    with qtbot.waitSignal(window.project_opened, timeout=10_000):
        window.files.open_project(path)
    qtbot.wait(20)
    return other, coords


def search_item(panel, qtbot, word):
    panel.query.clear()
    qtbot.keyClicks(panel.query, word)
    with qtbot.waitSignal(panel.results_shown, timeout=10_000):
        qtbot.keyClick(panel.query, Qt.Key.Key_Return)
    return [panel.table.item(r, 1).text() for r in range(panel.table.rowCount())]


def test_switching_sets_moves_map_panels_and_results(window, qtbot, v1_project_path, tmp_path):
    other, coords = open_with_two_sets(window, qtbot, v1_project_path, tmp_path)
    state, combo = window.state, window.set_combo
    project = state.project
    emb = project.embeddings
    vectors_a = emb.vectors.copy()
    assert combo.isVisible() and [combo.itemText(i) for i in range(combo.count())] == ["glove-6B-50d", "signed-sqrt"]
    panel = window.neighbors_panel
    window.show_analysis(panel)
    word = emb.key_to_index["government"]
    shown_a = search_item(panel, qtbot, "government")
    assert shown_a == [emb.texts[i] for i in cosine_top(vectors_a, word, 10)]

    combo.activated.emit(combo.findText("signed-sqrt"))  # what a click on the entry sends
    assert project.active_set == "signed-sqrt" and state.dirty
    np.testing.assert_array_equal(window.scatter.cloud._xy, coords)  # the map shows B's own map
    assert window.projection_combo.currentText() == "B map"
    assert panel.table.rowCount() == 0  # B has no neighbours yet
    shown_b = search_item(panel, qtbot, "government")
    assert shown_b == [emb.texts[i] for i in cosine_top(other, word, 10)] and shown_b != shown_a
    assert "50-d" in panel.note.text()

    combo.activated.emit(combo.findText("glove-6B-50d"))
    assert panel.table.rowCount() == 10
    assert [panel.table.item(r, 1).text() for r in range(10)] == shown_a  # A's results came back
    assert window.projection_combo.currentText() == "PCA"
    np.testing.assert_array_equal(window.scatter.cloud._xy, project.projections["PCA"].coords)
    assert state.highlighted.tolist() == cosine_top(vectors_a, word, 10).tolist()


def test_the_active_set_is_saved(window, qtbot, v1_project_path, tmp_path):
    open_with_two_sets(window, qtbot, v1_project_path, tmp_path)
    window.state.switch_set("signed-sqrt")
    path = tmp_path / "saved.eexp"
    assert window.files.save_to(path, block=True)
    assert load_project(path).active_set == "signed-sqrt"


def test_one_set_hides_the_switch(opened):
    assert not opened.set_combo.isVisible()


def test_embed_again_from_the_map_menu_adds_a_set_with_its_map(window, qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    from explorer.core import EmbeddingSet, Project

    words = ["king", "queen", "man", "woman", "paris", "france", "berlin", "germany", "cat", "dog"]
    emb = EmbeddingSet(np.random.default_rng(0).standard_normal((10, 6)).astype(np.float32), words, words,
                       modality="word", model_id="random-6")
    path = save_project(Project(emb), tmp_path / "w.eexp")
    with qtbot.waitSignal(window.project_opened, timeout=10_000):
        window.files.open_project(path)
    assert not window.set_combo.isVisible()
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("glove-6B-50d", True))
    panel = window.quality_panel
    with qtbot.waitSignal(panel.set_added, timeout=60_000):
        window.embed_again_action.trigger()
    assert window.analysis_tabs.currentWidget().isAncestorOf(panel)  # where the progress shows
    combo = window.set_combo
    qtbot.waitUntil(combo.isVisible, timeout=3000)  # the toolbar lays its entries out when idle
    assert [combo.itemText(i) for i in range(combo.count())] == ["random-6", "glove-6B-50d"]
    combo.activated.emit(1)
    assert window.state.project.embeddings.dim == 50 and window.projection_combo.currentText() == "PCA"
    assert window.scatter.cloud.point_count == 10


def test_long_set_and_column_names_leave_the_toolbar_room_at_1280_px(window, qtbot, v1_project_path, tmp_path):
    """The compare sample's names ("kNN agreement all-MiniLM-L6-v2 vs mpnet (Jaccard@10)") once
    widened the toolbar to 1,675 px and squeezed the search box and the opacity slider to slivers."""
    project = load_project(v1_project_path)
    emb = project.embeddings
    emb.metadata["kNN agreement all-MiniLM-L6-v2 vs all-mpnet-base-v2 (Jaccard@10)"] = np.zeros(len(emb))
    project.add_set(VectorSet("all-MiniLM-L6-v2@onnx-int8 (quantised)", "m", emb.vectors.copy()))
    path = save_project(project, tmp_path / "long.eexp")
    window.resize(1280, 820)
    window.show()
    with qtbot.waitSignal(window.project_opened, timeout=10_000):
        window.files.open_project(path)
    window.color_combo.setCurrentIndex(window.color_combo.count() - 1)
    qtbot.wait(50)
    assert window.set_combo.isVisible()
    assert window.search_box.width() >= 100 and window.opacity_slider.width() >= 60
    # the list that drops down still shows the whole name
    window.color_combo.showPopup()
    view = window.color_combo.view()
    assert view.width() >= view.sizeHintForColumn(0)
    window.color_combo.hidePopup()
