"""The analysis panels driven like a user, on 20,000 real GloVe words, checked against the core
(which is itself checked against gensim and WEFE in tests/core)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from explorer.actions.importer import ImportOptions
from explorer.core.analogy import analogy, evaluate_analogies
from explorer.core.bias import weat, weat_presets
from tests.ui.conftest import glove_project_file


@pytest.fixture(scope="module")
def glove_20k(tmp_path_factory):
    return glove_project_file(tmp_path_factory, 20_000)


@pytest.fixture
def words_window(window, qtbot, glove_20k):
    with qtbot.waitSignal(window.project_opened, timeout=20_000):
        window.files.open_project(glove_20k)
    return window


def test_analogy_panel_solves_and_draws_arrows(words_window, qtbot):
    win = words_window
    panel = win.analogy_panel
    win.show_analysis(panel)
    panel.positive.setText("king woman")
    panel.negative.setText("man")
    with qtbot.waitSignal(panel.results_shown, timeout=10_000):
        qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    emb = win.state.project.embeddings
    expected = analogy(emb, ["king", "woman"], ["man"], k=10)
    shown = [panel.table.item(r, 1).text() for r in range(panel.table.rowCount())]
    assert shown[0] == "queen" and shown == expected.words
    assert "king + woman − man ≈ queen" in panel.status.text()
    key = emb.key_to_index
    assert win.state.arrows == [(key["man"], key["woman"]), (key["king"], key["queen"])]
    assert len(win.scatter.arrow_heads) == 2
    # 3CosMul, and inputs included: the documented effect of excluding the inputs.
    panel.method.setCurrentIndex(1)
    with qtbot.waitSignal(panel.results_shown, timeout=10_000):
        panel.run_button.click()
    assert panel.result.method == "3cosmul"
    assert panel.result.words == analogy(emb, ["king", "woman"], ["man"], k=10, method="3cosmul").words
    panel.include_inputs.setChecked(True)
    with qtbot.waitSignal(panel.results_shown, timeout=10_000):
        panel.run_button.click()
    assert "king" in panel.result.words and "inputs included" in panel.status.text()


def test_analogy_evaluation_on_a_question_file(words_window, qtbot, tmp_path):
    questions = tmp_path / "q.txt"
    questions.write_text(": capitals\nathens greece berlin germany\nparis france rome italy\n"
                         "tokyo japan zzzz qqqq\n: family\nboy girl brother sister\nking queen man woman\n")
    panel = words_window.analogy_panel
    with qtbot.waitSignal(panel.evaluation_shown, timeout=30_000):
        panel.evaluate(str(questions))
    emb = words_window.state.project.embeddings
    expected = evaluate_analogies(emb.texts.tolist(), emb.vectors, str(questions))
    assert panel.evaluation.accuracy == expected.accuracy
    assert panel.evaluation.oov_skipped == expected.oov_skipped == 1
    assert panel.eval_table.rowCount() == 3  # two sections and the total
    assert "skipped for unknown words" in panel.status.text()


def test_clusters_panel_colours_map_and_selects_a_cluster(words_window, qtbot):
    win = words_window
    panel = win.clusters_panel
    panel.n_clusters.setValue(6)
    with qtbot.waitSignal(panel.results_shown, timeout=60_000):
        panel.run_button.click()
    assert win.state.project.view.color_by == "cluster (kmeans)"
    assert win.color_combo.currentText() == "cluster (kmeans)"
    assert panel.table.rowCount() == 6
    sizes = [int(panel.table.item(r, 1).text()) for r in range(6)]
    assert sum(sizes) == 20_000 and sizes == sorted(sizes, reverse=True)
    assert "silhouette" in panel.status.text()
    rect = panel.table.visualItemRect(panel.table.item(0, 0))
    qtbot.mouseClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert len(win.state.selection) == sizes[0]


def test_weat_preset_matches_the_core(words_window, qtbot):
    panel = words_window.bias_panel
    preset = weat_presets()[5]  # WEAT 6: its words are all among the 20,000 most frequent
    panel.preset.setCurrentText(preset.name)
    panel.permutations.setValue(2000)
    with qtbot.waitSignal(panel.weat_shown, timeout=60_000):
        panel.weat_button.click()
    expected = weat(*preset.sets, words_window.state.project.embeddings, permutations=2000, seed=0,
                    lowercase_fallback=True)
    assert panel.weat_result.effect_size == pytest.approx(expected.effect_size, abs=1e-9)
    assert f"effect size d = {expected.effect_size:+.3f}" in panel.weat_status.text()
    assert "population std (as WEFE)" in panel.weat_status.text()
    assert panel.weat_table.rowCount() == sum(len(v) for k, v in expected.associations.items() if k in "XY")


def test_weat_reports_lost_vocabulary(words_window, qtbot):
    panel = words_window.bias_panel
    panel.preset.setCurrentText(weat_presets()[0].name)  # flowers and insects: rare words
    with qtbot.waitSignal(panel.runner.failed, timeout=30_000):
        panel.weat_button.click()
    assert panel.weat_status.text().startswith("⚠ too many words are not in the vocabulary")
    assert "hyacinth" in panel.weat_status.text()


def test_he_she_direction_ranks_words_and_becomes_a_map_axis(words_window, qtbot):
    win = words_window
    panel = win.bias_panel
    panel.pairs.setText("she-he")
    with qtbot.waitSignal(panel.direction_shown, timeout=10_000):
        panel.direction_button.click()
    scores = dict(zip(panel.direction_scores.words, panel.direction_scores.scores))
    assert scores["nurse"] > 0 > scores["engineer"]
    panel.axis_button.click()
    project = win.state.project
    assert project.view.projection == "Axis he→she"
    assert win.projection_combo.currentText() == "Axis he→she"
    coords = project.projections["Axis he→she"].coords
    key = project.embeddings.key_to_index
    assert coords[key["nurse"], 0] > 0 > coords[key["engineer"], 0]


def test_custom_axes_dialog_he_to_she(words_window, qtbot):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QDialogButtonBox

    from explorer.ui.axes_dialog import AxesDialog

    def fill():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, AxesDialog):
            QTimer.singleShot(20, fill)
            return
        dialog.x_from.setText("he")
        dialog.x_to.setText("she")
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()

    QTimer.singleShot(20, fill)
    with qtbot.waitSignal(words_window.projection_ready, timeout=20_000) as blocker:
        words_window.custom_axes_action.trigger()
    assert blocker.args == ["Axes he→she"]
    project = words_window.state.project
    coords = project.projections["Axes he→she"].coords
    key = project.embeddings.key_to_index
    # x = 0 is halfway between "he" and "she" (their cosines with the axis are opposite).
    assert coords[key["he"], 0] == pytest.approx(-coords[key["she"], 0], abs=1e-5)
    assert coords[key["engineer"], 0] < 0 < coords[key["nurse"], 0]
    # A selection centroid works as an end too.
    words_window.state.select([key["king"], key["prince"]])
    with qtbot.waitSignal(words_window.projection_ready, timeout=20_000):
        words_window.projections.compute_axes("selection", "queen")
    assert "Axes selection→queen" in project.projections


def test_seat_weat_on_a_sentence_project(window, qtbot, tmp_path):
    """A text project: WEAT runs on template sentences embedded with the project's model."""
    data = tmp_path / "t.txt"
    data.write_text("a quiet film\na loud film\na film about gardens\na film about war\n")
    with qtbot.waitSignal(window.import_finished, timeout=120_000):
        window.imports.import_data(ImportOptions(str(data), first_map="pca"))
    panel = window.bias_panel
    assert panel.seat.isChecked()
    panel.preset.setCurrentText("Custom word sets")
    for key, words in zip("XYAB", ("rose, tulip, daisy, lily", "ant, wasp, flea, moth",
                                   "love, peace, joy, gift", "hatred, war, pain, filth")):
        panel.sets[key].setText(words)
    with qtbot.waitSignal(panel.weat_shown, timeout=120_000):
        panel.weat_button.click()
    assert panel.weat_result.partitions == 70 and panel.weat_result.effect_size > 0
