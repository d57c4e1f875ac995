from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import Qt

from explorer.core import ann_index
from explorer.core.ann_index import ApproximateIndex
from explorer.core.progress import Progress


def cosine_order(vectors, query, exclude):
    units = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    sims = units @ (query / np.linalg.norm(query))
    sims[exclude] = -np.inf
    return np.argsort(-sims, kind="stable")


def test_typed_word_query_lists_neighbours_and_marks_them(opened, qtbot):
    panel = opened.neighbors_panel
    opened.show_analysis(panel)
    emb = opened.state.project.embeddings
    qtbot.keyClicks(panel.query, "government")
    with qtbot.waitSignal(panel.results_shown, timeout=10_000):
        qtbot.keyClick(panel.query, Qt.Key.Key_Return)
    index = emb.key_to_index["government"]
    expected = cosine_order(emb.vectors, emb.vectors[index], [index])[:10]
    shown = [panel.table.item(r, 1).text() for r in range(panel.table.rowCount())]
    assert shown == [emb.texts[i] for i in expected]
    assert "original 50-d space" in panel.note.text()
    assert opened.state.highlighted.tolist() == expected.tolist()
    # Clicking a row selects that point.
    rect = panel.table.visualItemRect(panel.table.item(2, 1))
    qtbot.mouseClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened.state.selection == [int(expected[2])]


def test_selection_centroid_and_euclidean(opened, qtbot):
    panel = opened.neighbors_panel
    opened.state.select([5, 6, 7])
    panel.source.setCurrentText("Selection centroid")
    panel.metric_box.setCurrentText("euclidean")
    panel.k.setValue(5)
    with qtbot.waitSignal(panel.results_shown, timeout=10_000):
        panel.run_button.click()
    emb = opened.state.project.embeddings
    centre = emb.vectors[[5, 6, 7]].mean(axis=0)
    d = np.linalg.norm(emb.vectors - centre, axis=1)
    d[[5, 6, 7]] = np.inf
    assert panel.result.indices.tolist() == np.argsort(d)[:5].tolist()
    np.testing.assert_allclose(panel.result.scores, np.sort(d)[:5], rtol=1e-5)


def test_unknown_word_is_reported_not_raised(opened, qtbot):
    panel = opened.neighbors_panel
    panel.query.setText("qwertyuiopasdf")
    panel.source.setCurrentText("Typed query")
    with qtbot.waitSignal(panel.runner.failed, timeout=60_000):
        panel.run_button.click()
    assert "not in the vocabulary" in panel.note.text()


def test_build_index_from_the_panel_then_search_with_it(opened, qtbot):
    panel = opened.neighbors_panel
    opened.show_analysis(panel)
    opened.state.set_dirty(False)
    assert panel.index_status.text().startswith("Search: exact")
    assert panel.index_button.isEnabled() and not panel.index_cancel.isVisible()
    with qtbot.waitSignal(panel.index_runner.finished, timeout=60_000):
        qtbot.mouseClick(panel.index_button, Qt.MouseButton.LeftButton)
        assert panel.index_cancel.isVisible() and not panel.index_button.isEnabled()
    qtbot.waitUntil(lambda: panel.index_button.isEnabled())
    index = opened.state.project.neighbor_index
    assert isinstance(index, ApproximateIndex) and index.metric == "cosine"
    assert opened.state.dirty  # the index is kept with the project
    assert f"approximate (faiss IVF, recall@10 = {index.recall:.3f} vs exact)" in panel.index_status.text()
    assert not panel.index_cancel.isVisible()

    emb = opened.state.project.embeddings
    index_of = emb.key_to_index["government"]
    panel.query.setText("government")
    panel.source.setCurrentText("Typed query")
    with qtbot.waitSignal(panel.results_shown, timeout=10_000):
        panel.run_button.click()
    assert "search: approximate (faiss IVF, recall@10 = " in panel.note.text()
    assert "original 50-d space" in panel.note.text()
    assert index_of not in panel.result.indices.tolist()
    expected = cosine_order(emb.vectors, emb.vectors[index_of], [index_of])[:10]
    assert len(set(panel.result.indices.tolist()) & set(expected.tolist())) >= 8

    # another metric has no index: the search is exact, and the note says so
    panel.metric_box.setCurrentText("euclidean")
    assert "index is for cosine" in panel.index_status.text()
    with qtbot.waitSignal(panel.results_shown, timeout=10_000):
        panel.run_button.click()
    assert panel.note.text().endswith("search: exact.")


def test_cancelling_the_index_build_keeps_exact_search(opened, qtbot, monkeypatch):
    panel = opened.neighbors_panel

    def slow_build(vectors, metric):  # the real build of 400 rows ends before Cancel can be clicked
        for step in range(1000):
            yield Progress(step, 1000, "Learning lists")
            time.sleep(0.01)
        raise AssertionError("the build should have been stopped")

    monkeypatch.setattr(ann_index, "build_index_job", slow_build)  # what the index action runs
    panel.build_index()
    qtbot.waitUntil(lambda: panel.index_progress.value() > 0, timeout=10_000)
    with qtbot.waitSignal(panel.index_runner.cancelled, timeout=10_000):
        qtbot.mouseClick(panel.index_cancel, Qt.MouseButton.LeftButton)
    assert opened.state.project.neighbor_index is None
    assert panel.index_button.isEnabled() and not panel.index_progress.isVisible()
    assert panel.index_status.text().startswith("Search: exact")


class _ImageOnlyModel:
    modalities = ("image",)


def test_typed_text_over_images_uses_conse_and_says_so(window, qtbot, monkeypatch, tmp_path):
    """An image set whose model reads no text: typed text is matched through the images' ConSE
    vectors, and the panel names the approximation; the result survives save and reopen."""
    from explorer.core import EmbeddingSet, Project, ViewState
    from explorer.embedders import query as query_module
    from tests.doubles import FakeEmbedder

    text_model = FakeEmbedder(8)
    monkeypatch.setitem(query_module._EMBEDDERS, "image-model", _ImageOnlyModel())
    monkeypatch.setitem(query_module._EMBEDDERS, "fake-text", text_model)
    rng = np.random.default_rng(0)
    conse = rng.standard_normal((6, 8)).astype(np.float32)
    conse[4] = text_model.vector("a red balloon") * 3  # item 4 is the balloon photo
    emb = EmbeddingSet(vectors=rng.standard_normal((6, 5)), ids=[f"i{i}" for i in range(6)],
                       texts=[f"photo{i}.png" for i in range(6)], modality="image", model_id="image-model",
                       extra_vectors={"conse/fake-text": conse})
    from explorer.core.projections import axes_projection

    project = Project(emb, {"PCA": axes_projection(emb.vectors, emb.vectors[0], name="PCA")}, ViewState())
    window.state.set_project(project)
    panel = window.neighbors_panel
    panel.query.setText("a red balloon")
    with qtbot.waitSignal(panel.results_shown, timeout=10_000):
        qtbot.keyClick(panel.query, Qt.Key.Key_Return)
    assert panel.table.item(0, 1).text() == "photo4.png"
    assert "ConSE" in panel.note.text() and "approximation" in panel.note.text()
    assert panel.table_columns()["text"][0] == "photo4.png"
    path = tmp_path / "images.eexp"
    assert window.files.save_to(path, block=True)
    window.state.set_project(None)
    assert window.files.open_project(path, block=True, ask=False)
    assert panel.table.item(0, 1).text() == "photo4.png" and "ConSE" in panel.note.text()
    assert panel.query.text() == "a red balloon"
