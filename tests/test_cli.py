"""The headless commands, run as a user runs them: a separate process, exit codes, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QImage

ROOT = Path(__file__).resolve().parent.parent


def explorer(*args: str, env: dict | None = None, timeout: int = 180) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "explorer", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env or os.environ.copy(), timeout=timeout)


def test_info_text_and_json(v1_project_path):
    result = explorer("info", str(v1_project_path))
    assert result.returncode == 0, result.stderr
    assert "items       400" in result.stdout and "glove-6B-50d" in result.stdout
    data = json.loads(explorer("info", str(v1_project_path), "--format", "json").stdout)
    assert data["items"] == 400 and data["dimensions"] == 50
    assert set(data["projections"]) == {"PCA", "PCA 2-3"}


@pytest.mark.parametrize("make_bad, fragment", [
    (lambda d: d / "missing.eexp", "does not exist"),
    (lambda d: (d / "text.eexp").write_text("not a project") and d / "text.eexp", "not an Embedding Explorer project"),
])
def test_bad_input_is_one_line_and_non_zero(tmp_path, make_bad, fragment):
    path = make_bad(tmp_path)
    for command in (["info", str(path)], ["screenshot", str(path), "-o", str(tmp_path / "x.png")]):
        result = explorer(*command)
        assert result.returncode == 1
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and fragment in lines[0] and "Traceback" not in result.stderr


def test_screenshot_renders_a_coloured_map(tmp_path, v1_project_path):
    out = tmp_path / "map.png"
    from explorer.core.colors import CATEGORICAL

    result = explorer("screenshot", str(v1_project_path), "-o", str(out), "--size", "900x600",
                      "--select", "government")
    assert result.returncode == 0, result.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == (900, 600)
    colours = {image.pixelColor(x, y).name() for x in range(0, 900, 2) for y in range(0, 600, 2)}
    # the selected word stands out in its band's colour; the others are dimmed towards white
    assert {c.lower() for c in CATEGORICAL[:3]} & colours


def test_screenshot_option_errors(tmp_path, v1_project_path):
    result = explorer("screenshot", str(v1_project_path), "-o", str(tmp_path / "m.png"), "--color-by", "nope")
    assert result.returncode == 1 and "no column 'nope'" in result.stderr
    result = explorer("screenshot", str(v1_project_path), "-o", str(tmp_path / "m.png"), "--size", "big")
    assert result.returncode == 2 and "1400x900" in result.stderr


def test_gui_without_display_says_so_in_one_line(v1_project_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = explorer(str(v1_project_path), env=env)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "no display" in lines[0] and "explorer screenshot" in lines[0]


def test_project_then_export_each_method(project_copy, tmp_path):
    import csv

    for method, params in (("pca", ["--param", "components=1,2"]),
                           ("tsne", ["--param", "n_iter=100", "--param", "perplexity=15"]),
                           ("umap", ["--param", "n_neighbors=10"])):
        result = explorer("project", str(project_copy), "--method", method, "--seed", "4", *params,
                          timeout=600)
        assert result.returncode == 0, result.stderr
        out = tmp_path / f"{method}.csv"
        result = explorer("export", str(project_copy), "coords", "-o", str(out))
        assert result.returncode == 0, result.stderr
        with out.open() as f:
            rows = list(csv.DictReader(f))
        assert len(rows) == 400 and rows[0]["text"] == "the"
        assert {"id", "text", "x", "y", "band", "frequency_rank"} <= set(rows[0])
    info = json.loads(explorer("info", str(project_copy), "--format", "json").stdout)
    assert info["projections"]["t-SNE"]["params"]["seed"] == 4
    assert info["projections"]["UMAP"]["params"]["n_neighbors"] == 10
    assert info["projections"]["PCA"]["params"]["components"] == [1, 2]
    data = json.loads(explorer("export", str(project_copy), "coords", "--format", "json",
                               "--projection", "t-SNE").stdout)
    assert data["method"] == "tsne" and len(data["rows"]) == 400


def test_project_rejects_unknown_parameter_and_keeps_file(project_copy):
    before = project_copy.read_bytes()
    result = explorer("project", str(project_copy), "--method", "umap", "--param", "perplexity=5")
    assert result.returncode == 1
    assert "unknown parameter(s) for umap: perplexity" in result.stderr
    assert project_copy.read_bytes() == before


def test_neighbors_of_an_item_as_json(v1_project_path):
    from explorer.io.project_file import load_project

    result = explorer("neighbors", str(v1_project_path), "government", "-k", "4", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    emb = load_project(v1_project_path).embeddings
    units = emb.vectors / np.linalg.norm(emb.vectors, axis=1, keepdims=True)
    me = emb.key_to_index["government"]
    sims = units @ units[me]
    sims[me] = -np.inf
    assert [row["text"] for row in data["rows"]] == [emb.texts[i] for i in np.argsort(-sims)[:4]]
    assert data["space"] == "original 50-d embedding space"


def test_neighbors_unknown_word_fails_in_one_line(v1_project_path):
    result = explorer("neighbors", str(v1_project_path), "zzqqxxy")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "explorer: error: 'zzqqxxy' is not in the vocabulary of glove-6B-50d; no close spellings"]


def test_export_map_png_and_svg(tmp_path, v1_project_path):
    import xml.etree.ElementTree as ET

    from PySide6.QtGui import QColor

    from explorer.core.colors import CATEGORICAL

    png, svg = tmp_path / "map.png", tmp_path / "map.svg"
    assert explorer("export", str(v1_project_path), "image", "-o", str(png), "--size", "1000x700").returncode == 0
    image = QImage(str(png))
    assert (image.width(), image.height()) == (1000, 700)
    colours = {image.pixelColor(x, y).name() for x in range(0, 1000, 2) for y in range(0, 700, 2)}
    assert any(abs(QColor(c).hue() - QColor(CATEGORICAL[1]).hue()) < 8 and QColor(c).saturation() > 30
               for c in colours)  # the orange band, dimmed or not
    assert explorer("export", str(v1_project_path), "image", "-o", str(svg)).returncode == 0
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    shapes = [el for el in root.iter() if el.tag.endswith(("circle", "ellipse"))]
    assert len(shapes) >= 400  # the points as vector shapes, not a bitmap
    assert not any(el.tag.endswith("image") for el in root.iter())
    texts = {"".join(el.itertext()).strip() for el in root.iter() if el.tag.endswith("text")}
    assert any("stop word" in t for t in texts)  # the legend, as text
    assert len(texts) > 4  # and the map's labels
    bad = explorer("export", str(v1_project_path), "image", "-o", str(tmp_path / "map.gif"))
    assert bad.returncode == 1 and "png or .svg" in bad.stderr


def test_import_csv_with_the_bundled_model(tmp_path):
    data = tmp_path / "reviews.csv"
    data.write_text("text,label\nI loved this film,pos\nterrible acting and a dull plot,neg\n"
                    "A masterpiece of modern cinema,pos\n,neg\nboring and far too long,neg\n")
    out = tmp_path / "reviews.eexp"
    result = explorer("import", str(data), "-o", str(out), "--label-column", "label", "--map", "pca")
    assert result.returncode == 0, result.stderr
    assert "Skipped 1 of 5 rows: line 5: empty text" in result.stderr
    info = json.loads(explorer("info", str(out), "--format", "json").stdout)
    assert info["items"] == 4 and info["dimensions"] == 384 and info["model"] == "all-MiniLM-L6-v2"
    assert info["color_by"] == "label"
    # Free-text neighbours use the project's own model.
    near = json.loads(explorer("neighbors", str(out), "an awful, boring movie", "-k", "2",
                               "--format", "json").stdout)
    assert {row["text"] for row in near["rows"]} == {"terrible acting and a dull plot", "boring and far too long"}


def test_import_image_folder(tmp_path):
    from PIL import Image

    for label, colour in (("cats", (200, 120, 40)), ("sky", (60, 120, 230))):
        (tmp_path / "photos" / label).mkdir(parents=True)
        for i in range(3):
            Image.new("RGB", (64, 48 + i), colour).save(tmp_path / "photos" / label / f"{i}.jpg")
    out = tmp_path / "photos.eexp"
    result = explorer("import", str(tmp_path / "photos"), "-o", str(out), "--map", "pca")
    assert result.returncode == 0, result.stderr
    info = json.loads(explorer("info", str(out), "--format", "json").stdout)
    assert info["items"] == 6 and info["dimensions"] == 1280 and info["modality"] == "image"
    assert info["color_by"] == "label"


def test_import_failures_are_one_line(tmp_path):
    result = explorer("import", str(tmp_path / "missing.csv"), "-o", str(tmp_path / "x.eexp"))
    assert result.returncode == 1 and "does not exist" in result.stderr.strip().splitlines()[-1]
    assert not (tmp_path / "x.eexp").exists()


def test_projector_export_round_trips_through_import(tmp_path, v1_project_path):
    from explorer.io.project_file import load_project

    folder = tmp_path / "projector"
    assert explorer("export", str(v1_project_path), "projector", "-o", str(folder)).returncode == 0
    header = (folder / "metadata.tsv").read_text().splitlines()[0]
    assert header == "text\tband\tfrequency_rank"
    back = tmp_path / "back.eexp"
    result = explorer("import", str(folder / "vectors.tsv"), "--metadata", str(folder / "metadata.tsv"),
                      "-o", str(back), "--map", "pca")
    assert result.returncode == 0, result.stderr
    original, again = load_project(v1_project_path).embeddings, load_project(back).embeddings
    assert again.texts.tolist() == original.texts.tolist()
    np.testing.assert_allclose(again.vectors, original.vectors, rtol=1e-6)
    assert again.metadata["band"].tolist() == original.metadata["band"].tolist()
    assert list(again.metadata) == list(original.metadata)  # "text" is the texts, not a second copy
    # the folder itself imports, as the README says
    result = explorer("import", str(folder), "-o", str(tmp_path / "folder.eexp"), "--map", "pca")
    assert result.returncode == 0 and "Embedding Projector folder" in result.stderr, result.stderr
    from_folder = load_project(tmp_path / "folder.eexp").embeddings
    assert from_folder.texts.tolist() == original.texts.tolist() and list(from_folder.metadata) == ["band",
                                                                                                   "frequency_rank"]


def test_export_saved_results_and_bookmarks(tmp_path):
    """Each panel's last result, as the project saved it, exports to CSV and JSON."""
    fixture = Path(__file__).parent / "fixtures" / "projects" / "v2" / "glove_400_session.eexp"
    analogy = explorer("export", str(fixture), "analogy", "--format", "json")
    assert analogy.returncode == 0, analogy.stderr
    data = json.loads(analogy.stdout)
    assert data["positive"] == ["he", "her"] and len(data["rows"]) == 5
    out = tmp_path / "clusters.csv"
    clusters = explorer("export", str(fixture), "clusters", "-o", str(out))
    assert clusters.returncode == 0, clusters.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0].split(",")[:4] == ["id", "text", "cluster", "cluster_name"] and len(lines) == 401
    direction = json.loads(explorer("export", str(fixture), "direction", "--format", "json").stdout)
    assert [r["word"] for r in direction["rows"]] and direction["pairs"][0] == ["she", "he"]
    bookmark = json.loads(explorer("export", str(fixture), "bookmark", "--bookmark", "pronouns",
                                   "--format", "json").stdout)
    assert sorted(r["text"] for r in bookmark["rows"]) == ["he", "it", "she"]
    missing = explorer("export", str(fixture), "weat")
    assert missing.returncode != 0 and "no weat result" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1


def test_a_reader_that_stops_early_gets_no_traceback(v1_project_path):
    """`explorer info P | head -1`: the pipe closes before the output is written."""
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the command writes
    with os.fdopen(write, "wb") as closed_pipe:
        result = subprocess.run([sys.executable, "-m", "explorer", "info", str(v1_project_path)], stdout=closed_pipe,
                                stderr=subprocess.PIPE, text=True, cwd=ROOT, timeout=120)
    assert "Traceback" not in result.stderr and result.returncode == 0, result.stderr


def test_export_bookmark_without_a_name_says_how(v1_project_path):
    result = explorer("export", str(v1_project_path), "bookmark")
    assert result.returncode == 1 and "--bookmark NAME" in result.stderr and "None" not in result.stderr


def test_a_format_that_contradicts_the_file_name_is_refused(tmp_path, v1_project_path):
    out = tmp_path / "an.parquet"
    result = explorer("analogy", str(v1_project_path), "--positive", "she", "his", "--negative", "he",
                      "--format", "csv", "-o", str(out))
    assert result.returncode == 1 and "does not match an.parquet" in result.stderr and not out.exists()
