"""The Data-quality panel driven like a user: each check runs in the worker, fills a sortable table
whose rows select their items on the map, and adds its score as a column the map is coloured by;
Cancel stops a running check; bad input is one line in the panel."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from explorer.core.compare import compare
from explorer.core.embedding_set import EmbeddingSet
from explorer.core.progress import run_to_end
from explorer.core.project import Project, Projection
from explorer.core.quality import duplicates, outliers
from explorer.state import AppState
from explorer.ui.panels.quality_panel import QualityPanel


def make_project(n: int = 300, dim: int = 16, seed: int = 0) -> Project:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((3, dim)) * 4
    which = rng.integers(0, 3, n)
    vectors = (centres[which] + rng.standard_normal((n, dim))).astype(np.float32)
    vectors[10] = vectors[11] * 2  # a near-duplicate pair
    names = np.array(["cat", "dog", "fox"])
    labels = names[which]
    labels[:3] = names[(which[:3] + 1) % 3]  # three wrong labels
    emb = EmbeddingSet(vectors, [f"id{i}" for i in range(n)], [f"item {i}" for i in range(n)],
                       metadata={"animal": labels, "size": rng.uniform(0, 1, n)})
    return Project(emb, {"pca": Projection("pca", "pca", vectors[:, :2])})


@pytest.fixture
def panel(qtbot):
    state = AppState()
    state.set_project(make_project())
    widget = QualityPanel(state)
    qtbot.addWidget(widget)
    yield widget
    widget.runner.cancel()
    widget.runner.wait(10)


def choose(panel: QualityPanel, tool: str) -> None:
    panel.tool.setCurrentIndex(panel.tool.findData(tool))


def run(panel: QualityPanel, qtbot, timeout: int = 60_000) -> None:
    with qtbot.waitSignal(panel.results_shown, timeout=timeout):
        qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)


def cell(panel: QualityPanel, row: int, header: str) -> str:
    headers = [panel.table.horizontalHeaderItem(c).text() for c in range(panel.table.columnCount())]
    return panel.table.item(row, headers.index(header)).text()


def test_outliers_fill_a_ranked_table_colour_the_map_and_select(panel, qtbot):
    choose(panel, "outliers")
    # the fields shown follow the check
    assert panel.method.isVisibleTo(panel) and not panel.threshold.isVisibleTo(panel)
    run(panel, qtbot)
    state = panel.state
    emb = state.project.embeddings
    expected = run_to_end(outliers(emb.vectors, "lof", k=20))
    assert panel.table.rowCount() == len(emb)
    assert [cell(panel, r, "id") for r in range(3)] == [f"id{i}" for i in expected.order[:3]]
    assert state.project.view.color_by == "outlier score (lof, k=20)"
    np.testing.assert_allclose(emb.metadata["outlier score (lof, k=20)"], expected.scores)
    # sorting by score ascending puts the least unusual first; a click selects that item
    headers = [panel.table.horizontalHeaderItem(c).text() for c in range(panel.table.columnCount())]
    panel.table.sortItems(headers.index("score"), Qt.SortOrder.AscendingOrder)
    assert cell(panel, 0, "id") == f"id{expected.order[-1]}"
    panel.table.selectRow(0)
    assert state.selection == [int(expected.order[-1])]
    assert "most unusual first" in panel.status.text()


def test_duplicates_row_selects_its_group(panel, qtbot):
    choose(panel, "duplicates")
    assert panel.threshold.isVisibleTo(panel) and not panel.method.isVisibleTo(panel)
    panel.threshold.setValue(0.99)
    run(panel, qtbot)
    choose(panel, "label-issues")  # the count column just added is no label to check
    assert panel.label_column.findData(panel.state.project.view.color_by) < 0
    assert panel.label_column.findData("animal") >= 0
    expected = run_to_end(duplicates(panel.state.project.embeddings.vectors, 0.99))
    assert panel.table.rowCount() == sum(len(g) for g in expected.groups) >= 2
    panel.table.selectRow(0)
    assert set(panel.state.selection) == set(expected.groups[0].tolist())
    assert {10, 11} <= set(np.concatenate(expected.groups).tolist())
    assert panel.state.project.view.color_by.startswith("near-duplicates")


def test_label_issues_put_the_wrong_labels_first(panel, qtbot):
    choose(panel, "label-issues")
    assert panel.label_column.findData("size") < 0  # measurements are not labels
    panel.label_column.setCurrentIndex(panel.label_column.findData("animal"))
    panel.folds.setValue(3)
    run(panel, qtbot)
    top = {cell(panel, r, "id") for r in range(6)}
    assert {"id0", "id1", "id2"} <= top
    assert panel.state.project.view.color_by == "label issue (animal)"


def test_probe_of_the_selection_and_its_direction_as_an_axis(panel, qtbot):
    state = panel.state
    animals = state.project.embeddings.metadata["animal"]
    state.select(np.flatnonzero(animals == "dog"))
    choose(panel, "probe")
    panel.label_column.setCurrentIndex(panel.label_column.findData(""))
    panel.folds.setValue(3)
    run(panel, qtbot)
    assert "accuracy" in panel.status.text() and "selection against the rest" in panel.status.text()
    assert [cell(panel, r, "class") for r in range(2)] == ["rest", "selected"]
    assert state.project.view.color_by == "probe P(selected)"
    assert panel.axis_button.isVisibleTo(panel)
    panel.table.setCurrentCell(1, 0)
    panel.axis_button.click()
    assert state.project.view.projection == "probe: rest → selected"
    coords = state.project.projections["probe: rest → selected"].coords
    assert coords[animals == "dog", 0].mean() > coords[animals != "dog", 0].mean()


def test_compare_with_another_project_file(panel, qtbot, tmp_path):
    from explorer.io.project_file import save_project

    emb = panel.state.project.embeddings
    rng = np.random.default_rng(5)
    other = EmbeddingSet(emb.vectors + 0.5 * rng.standard_normal(emb.vectors.shape).astype(np.float32),
                         emb.ids, emb.texts)
    path = save_project(Project(other), tmp_path / "other.eexp")
    choose(panel, "compare")
    assert panel.set_a.currentText() == "vectors"
    panel.other.setEditText(str(path))
    run(panel, qtbot)
    assert "Mean Jaccard@10" in panel.status.text() and "CKA" in panel.status.text()
    name = panel.state.project.view.color_by
    assert name.startswith("kNN agreement") and name.endswith("(Jaccard@10)")
    values = panel.state.project.embeddings.metadata[name]
    assert float(cell(panel, 0, "jaccard")) == pytest.approx(values.min(), abs=1e-4)


def test_compare_with_a_matrix_the_project_keeps(qtbot):
    project = make_project()
    emb = project.embeddings
    rng = np.random.default_rng(6)
    emb.extra_vectors["other model"] = (emb.vectors @ rng.standard_normal((16, 8))).astype(np.float32)
    state = AppState()
    state.set_project(project)
    panel = QualityPanel(state)
    qtbot.addWidget(panel)
    choose(panel, "compare")
    assert [panel.other.itemText(i) for i in range(panel.other.count())] == ["other model"]
    assert panel.other.currentText() == "other model"
    run(panel, qtbot)
    expected = run_to_end(compare(emb.vectors, emb.extra_vectors["other model"], k=10))
    column = state.project.view.color_by
    assert column == "kNN agreement vectors vs other model (Jaccard@10)"
    np.testing.assert_allclose(emb.metadata[column], expected.jaccard)
    panel.table.selectRow(0)
    assert state.selection == [int(expected.order[0])]


def test_embed_again_adds_a_set_then_compare(qtbot):
    words = ["king", "queen", "man", "woman", "paris", "france", "berlin", "germany", "cat", "dog",
             "apple", "banana", "car", "truck", "red", "blue"]
    rng = np.random.default_rng(1)
    emb = EmbeddingSet(rng.standard_normal((len(words), 6)).astype(np.float32), words, words,
                       modality="word")
    state = AppState()
    state.set_project(Project(emb))
    panel = QualityPanel(state)
    qtbot.addWidget(panel)
    choose(panel, "compare")
    with qtbot.waitSignal(panel.set_added, timeout=60_000):
        panel.embed_again("glove-6B-50d", "glove")
    assert state.project.set_vectors("glove").shape == (16, 50) and state.dirty
    assert panel.other.currentText() == "glove" and panel.set_a.findText("glove") >= 0
    panel.k.setValue(3)
    run(panel, qtbot)
    expected = run_to_end(compare(emb.vectors, state.project.set_vectors("glove"), k=3))
    assert state.project.view.color_by == "kNN agreement vectors vs glove (Jaccard@3)"
    np.testing.assert_allclose(emb.metadata[state.project.view.color_by], expected.jaccard)


def test_bad_input_is_one_line_and_nothing_runs(panel, qtbot):
    choose(panel, "outliers")
    panel.k.setValue(500)
    panel.run_button.click()
    assert panel.status.text().startswith("⚠") and "at most 299" in panel.status.text()
    assert not panel.runner.running
    choose(panel, "compare")
    panel.other.setEditText("/nowhere/else.eexp")
    panel.run_button.click()
    assert "does not exist" in panel.status.text()
    panel.other.setEditText("no-such-set")
    panel.run_button.click()
    assert "no embedding set 'no-such-set'" in panel.status.text()


def test_cancel_stops_a_running_check(qtbot):
    state = AppState()
    state.set_project(make_project(n=20_000, dim=64))
    panel = QualityPanel(state)
    qtbot.addWidget(panel)
    choose(panel, "duplicates")
    panel.threshold.setValue(0.999)
    with qtbot.waitSignal(panel.runner.cancelled, timeout=60_000):
        panel.run_button.click()
        assert panel.cancel_button.isEnabled()
        qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    assert panel.status.text() == "Cancelled."
    assert not panel.progress.isVisibleTo(panel) and not panel.cancel_button.isEnabled()
    assert panel.outcome is None
    panel.runner.wait(10)


def test_the_panel_is_a_tab_of_the_analysis_dock(window):
    titles = [window.analysis_tabs.tabText(i) for i in range(window.analysis_tabs.count())]
    assert "Data quality" in titles
    window.show_analysis(window.quality_panel)
    assert window.analysis_tabs.tabText(window.analysis_tabs.currentIndex()) == "Data quality"


def test_inputs_are_kept_in_the_project(qtbot, tmp_path):
    from explorer.io.project_file import load_project, save_project

    state = AppState()
    state.set_project(make_project())
    panel = QualityPanel(state)
    qtbot.addWidget(panel)
    choose(panel, "label-issues")
    panel.label_column.setCurrentIndex(panel.label_column.findData("animal"))
    panel.folds.setValue(3)
    panel.k.setValue(7)
    record = state.project.view.quality
    assert (record.tool, record.label_column, record.folds, record.k) == ("label-issues", "animal", 3, 7)
    assert state.dirty
    path = save_project(state.project, tmp_path / "kept.eexp")
    again = AppState()
    reopened = QualityPanel(again)  # as in the window: the panel exists, then a project opens
    qtbot.addWidget(reopened)
    again.set_project(load_project(path))
    assert reopened.tool.currentData() == "label-issues"
    assert reopened.label_column.currentData() == "animal"
    assert (reopened.folds.value(), reopened.k.value()) == (3, 7)
    assert not again.dirty  # restoring is not a change
