"""The command line and the window answer the same request with the same table: each panel, driven
like a user, exports through its Export button (a real file, via the save dialog), and the CLI
command, run as a separate process, writes its table with -o; the two files are compared."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from explorer.ui.panels import common
from tests.test_cli import explorer

WEAT_SETS = {"work.txt": "work, office, money, business, government",
             "home.txt": "home, family, children, school, day",
             "male.txt": "he, his, him, man, men",
             "female.txt": "she, her, women, family, children"}


def export_from_panel(monkeypatch, button, path: Path) -> dict:
    """Click a panel's Export button, answering the save dialog with ``path``; the file as JSON."""
    monkeypatch.setattr(common.QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(path), ""))
    assert button.isEnabled()
    button.click()
    return json.loads(path.read_text(encoding="utf-8"))


def cli_table(path: Path, *args: str) -> dict:
    result = explorer(*args, "-o", str(path))
    assert result.returncode == 0, result.stderr
    return json.loads(path.read_text(encoding="utf-8"))


def test_neighbours_of_a_word(opened, qtbot, monkeypatch, tmp_path, v1_project_path):
    panel = opened.neighbors_panel
    panel.source.setCurrentText("Typed query")
    panel.query.setText("government")
    panel.k.setValue(6)
    panel.metric_box.setCurrentText("euclidean")
    with qtbot.waitSignal(panel.results_shown, timeout=30_000):
        panel.run_button.click()
    shown = export_from_panel(monkeypatch, panel.export_button, tmp_path / "panel.json")
    printed = cli_table(tmp_path / "cli.json", "neighbors", str(v1_project_path), "government", "-k", "6",
                        "--metric", "euclidean")
    assert shown == printed
    assert [row["rank"] for row in shown["rows"]] == [1, 2, 3, 4, 5, 6]
    assert "government" not in [row["text"] for row in shown["rows"]]
    assert shown["space"] == "original 50-d embedding space" and shown["search"] == "exact"


def test_neighbours_as_csv_match_too(opened, qtbot, monkeypatch, tmp_path, v1_project_path):
    panel = opened.neighbors_panel
    panel.source.setCurrentText("Typed query")
    panel.query.setText("money")
    with qtbot.waitSignal(panel.results_shown, timeout=30_000):
        panel.run_button.click()
    monkeypatch.setattr(common.QFileDialog, "getSaveFileName",
                        lambda *args, **kwargs: (str(tmp_path / "panel.csv"), ""))
    panel.export_button.click()
    result = explorer("neighbors", str(v1_project_path), "money", "--format", "csv")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "panel.csv").read_text(encoding="utf-8") == result.stdout
    rows = list(csv.DictReader(result.stdout.splitlines()))
    assert list(rows[0]) == ["rank", "id", "text", "cosine", "band", "frequency_rank"] and len(rows) == 10


def test_analogy(opened, qtbot, monkeypatch, tmp_path, v1_project_path):
    panel = opened.analogy_panel
    panel.positive.setText("she his")
    panel.negative.setText("he")
    panel.k.setValue(5)
    panel.method.setCurrentIndex(panel.method.findData("3cosmul"))
    with qtbot.waitSignal(panel.results_shown, timeout=30_000):
        qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    shown = export_from_panel(monkeypatch, panel.export_button, tmp_path / "panel.json")
    printed = cli_table(tmp_path / "cli.json", "analogy", str(v1_project_path), "--positive", "she", "his",
                        "--negative", "he", "-k", "5", "--method", "3cosmul")
    assert shown == printed
    assert shown["rows"][0]["word"] == "her" and shown["score"] == "3CosMul ratio"


def test_clusters_named_by_nearest_words(opened, qtbot, monkeypatch, tmp_path, v1_project_path):
    panel = opened.clusters_panel
    panel.method.setCurrentIndex(panel.method.findData("kmeans"))
    panel.n_clusters.setValue(4)
    panel.normalize.setChecked(True)
    with qtbot.waitSignal(panel.results_shown, timeout=60_000):
        panel.run_button.click()
    shown = export_from_panel(monkeypatch, panel.export_button, tmp_path / "panel.json")
    printed = cli_table(tmp_path / "cli.json", "clusters", str(v1_project_path), "--method", "kmeans",
                        "--param", "n_clusters=4", "--param", "normalize=true")
    # the panel also keeps each item's cluster as a column of the project (to colour by), which the
    # command line's run does not: the export carries it like every other metadata column
    assert [row.pop("cluster (kmeans)") for row in shown["rows"]][0] == "2: well, ., as"
    assert shown == printed
    assert shown["labels"] == "words nearest the centroid" and len(shown["clusters"]) == 4
    assert sum(c["size"] for c in shown["clusters"]) == len(shown["rows"]) == 400
    names = {c["cluster"]: c["name"] for c in shown["clusters"]}
    assert all(row["cluster_name"] == names[row["cluster"]] for row in shown["rows"])


def test_weat_on_word_lists(opened, qtbot, monkeypatch, tmp_path, v1_project_path):
    for name, words in WEAT_SETS.items():
        (tmp_path / name).write_text(words, encoding="utf-8")
    panel = opened.bias_panel
    panel.preset.setCurrentText("Custom word sets")
    for key, (name, words) in zip("XYAB", WEAT_SETS.items()):
        panel.sets[key].setText(words)
        panel.set_names[key].setText(Path(name).stem)
    panel.permutations.setValue(2000)
    panel.lowercase.setChecked(False)
    assert not panel.seat.isChecked()  # a word project: WEAT on its own vectors
    with qtbot.waitSignal(panel.weat_shown, timeout=60_000):
        panel.weat_button.click()
    shown = export_from_panel(monkeypatch, panel.weat_export, tmp_path / "panel.json")
    x, y, a, b = (str(tmp_path / name) for name in WEAT_SETS)
    printed = cli_table(tmp_path / "cli.json", "weat", str(v1_project_path), "--targets", x, y,
                        "--attributes", a, b, "--permutations", "2000")
    assert shown == printed
    assert shown["name"] == "work vs home, male vs female"
    assert (shown["p_value_method"], shown["partitions"]) == ("exact", math.comb(10, 5))  # 252 <= 2000
    assert [row["word"] for row in shown["rows"]] == [*WEAT_SETS["work.txt"].split(", "),
                                                       *WEAT_SETS["home.txt"].split(", ")]


@pytest.mark.parametrize("method", ["pca", "mean"])
def test_direction(opened, monkeypatch, tmp_path, v1_project_path, method):
    panel = opened.bias_panel
    panel.pairs.setText("she-he, her-his, women-men")
    panel.direction_method.setCurrentIndex(panel.direction_method.findData(method))
    panel.probe_words.setPlainText("work home money family government children zzqq")
    panel.direction_button.click()
    assert panel.axis_button.isEnabled()
    shown = export_from_panel(monkeypatch, panel.direction_export, tmp_path / "panel.json")
    printed = cli_table(tmp_path / "cli.json", "direction", str(v1_project_path), "--pairs", "she-he",
                        "her-his", "women-men", "--words", "work home money family government children zzqq",
                        "--method", method)
    assert shown == printed
    assert shown["missing"] == ["zzqq"] and len(shown["rows"]) == 6
    shown_rows = [panel.direction_table.item(r, 0).text() for r in range(panel.direction_table.rowCount())]
    assert shown_rows == [row["word"] for row in printed["rows"]]
