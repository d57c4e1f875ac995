"""The command line and embedding sets: `explorer sets`, `--set NAME` on the analysis commands,
`explorer embed` making a set with a first map."""

from __future__ import annotations

import json

import numpy as np
import pytest

from explorer.cli import main
from explorer.core import EmbeddingSet, Project
from explorer.core.project import VectorSet
from explorer.io.project_file import load_project, save_project


@pytest.fixture
def two_sets(tmp_path):
    rng = np.random.default_rng(4)
    n = 30
    emb = EmbeddingSet(rng.standard_normal((n, 6)).astype(np.float32), [f"i{i}" for i in range(n)],
                       [f"t{i}" for i in range(n)], model_id="model-a",
                       metadata={"label": np.array(["x", "y", "z"] * 10)})
    project = Project(emb)
    project.add_set(VectorSet("B", "model-b", rng.standard_normal((n, 4)).astype(np.float32)))
    return save_project(project, tmp_path / "two.eexp"), project


def run(capsys, *args):
    code = main([*map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def test_sets_lists_and_activates(two_sets, capsys):
    path, _ = two_sets
    code, out, _ = run(capsys, "sets", path, "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["active_set"] == "model-a"
    assert [(row["name"], row["dimensions"], row["active"]) for row in data["rows"]] == [
        ("model-a", 6, True), ("B", 4, False)]
    code, _, err = run(capsys, "sets", path, "--activate", "B")
    assert code == 0 and "now 'B'" in err and load_project(path).active_set == "B"
    code, _, err = run(capsys, "sets", path, "--activate", "C")
    assert code == 1 and err.strip() == "explorer: error: no embedding set 'C': the project has model-a, B"


def test_set_option_runs_a_command_on_that_set(two_sets, capsys):
    path, project = two_sets
    b = project.set_vectors("B")
    code, out, _ = run(capsys, "outliers", path, "--method", "knn", "-k", "3", "--set", "B", "--format", "json")
    assert code == 0
    ours = json.loads(out)
    units = b / np.linalg.norm(b, axis=1, keepdims=True)
    dist = 1 - units @ units.T
    np.fill_diagonal(dist, np.inf)
    expected = np.sort(dist, axis=1)[:, :3].mean(axis=1)
    top = ours["rows"][0]
    assert top["id"] == f"i{int(np.argmax(expected))}"
    assert top["score"] == pytest.approx(expected.max(), rel=1e-4)
    code, out_a, _ = run(capsys, "outliers", path, "--method", "knn", "-k", "3", "--format", "json")
    assert out_a != out  # the active set (A) by default
    assert load_project(path).active_set == "model-a"  # a command that does not save keeps the file
    code, _, err = run(capsys, "probe", path, "--label-column", "label", "--set", "nope")
    assert code == 1 and "no embedding set 'nope'" in err


def test_embed_makes_a_set_with_a_first_map(tmp_path, capsys):
    words = ["king", "queen", "man", "woman", "paris", "france", "berlin", "germany", "cat", "dog"]
    emb = EmbeddingSet(np.eye(10, 6, dtype=np.float32) + 0.1, words, words, modality="word")
    path = save_project(Project(emb), tmp_path / "w.eexp")
    code, _, err = run(capsys, "embed", path, "--model", "glove-6B-50d", "--name", "glove", "--activate")
    assert code == 0, err
    project = load_project(path)
    assert project.active_set == "glove" and project.embeddings.dim == 50
    assert list(project.projections) == ["PCA"] and project.view.projection == "PCA"
    code, _, err = run(capsys, "embed", path, "--model", "glove-6B-50d", "--name", "glove")
    assert code == 1 and "has a set named 'glove' already" in err
