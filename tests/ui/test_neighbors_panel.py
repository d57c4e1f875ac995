from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt


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
