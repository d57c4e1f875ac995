"""The data-quality commands (outliers, duplicates, label-issues, probe, compare), run as a user
runs them: a separate process, CSV or JSON on stdout, one-line errors; each result checked against
the core (itself checked against scikit-learn) in-process."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest

from explorer.core.compare import compare
from explorer.core.embedding_set import EmbeddingSet
from explorer.core.progress import run_to_end
from explorer.core.project import Project
from explorer.core.quality import duplicates, label_issues, outliers, probe
from explorer.io.project_file import save_project
from tests.test_cli import explorer


def vectors_and_labels(n: int = 200, seed: int = 0):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((3, 10)) * 4
    which = rng.integers(0, 3, n)
    vectors = (centres[which] + rng.standard_normal((n, 10))).astype(np.float32)
    vectors[7] = vectors[8] * 3
    names = np.array(["ant", "bee", "cow"])
    labels = names[which]
    labels[:3] = names[(which[:3] + 1) % 3]
    return vectors, labels


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("quality")
    vectors, labels = vectors_and_labels()
    ids = [f"n{i}" for i in range(len(vectors))]
    texts = [f"item {i}" for i in range(len(vectors))]
    emb = EmbeddingSet(vectors, ids, texts, metadata={"kind": labels, "one": np.array(["x"] * len(ids))},
                       extra_vectors={"squared": vectors ** 2})
    first = save_project(Project(emb, title="first"), folder / "first.eexp")
    rng = np.random.default_rng(9)
    order = rng.permutation(len(ids))
    other = EmbeddingSet((vectors @ rng.standard_normal((10, 16)))[order].astype(np.float32),
                         np.array(ids)[order], np.array(texts)[order])
    second = save_project(Project(other, title="second"), folder / "second.eexp")
    return first, second


def rows_of(stdout: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(stdout)))


def test_outliers_csv_and_json(files):
    vectors, _ = vectors_and_labels()
    expected = run_to_end(outliers(vectors, "lof", k=20))
    result = explorer("outliers", str(files[0]), "--method", "lof", "--top", "5")
    assert result.returncode == 0, result.stderr
    rows = rows_of(result.stdout)
    assert [row["id"] for row in rows] == [f"n{i}" for i in expected.order[:5]]
    assert float(rows[0]["score"]) == pytest.approx(expected.scores[expected.order[0]])
    data = json.loads(explorer("outliers", str(files[0]), "--method", "knn", "-k", "5",
                               "--metric", "euclidean", "--format", "json").stdout)
    knn = run_to_end(outliers(vectors, "knn", k=5, metric="euclidean"))
    assert data["method"] == "knn" and data["k"] == 5 and len(data["rows"]) == 200
    np.testing.assert_allclose([row["score"] for row in data["rows"]], knn.scores[knn.order], rtol=1e-6)


def test_duplicates_json_lists_the_groups(files):
    vectors, _ = vectors_and_labels()
    expected = run_to_end(duplicates(vectors, 0.99))
    result = explorer("duplicates", str(files[0]), "--threshold", "0.99", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["pairs"] == len(expected.pairs) and data["groups"] == len(expected.groups)
    assert {"n7", "n8"} <= {row["id"] for row in data["rows"]}
    assert "pairs with cosine >= 0.99" in result.stderr


def test_label_issues_rank_the_wrong_labels_first(files):
    vectors, labels = vectors_and_labels()
    result = explorer("label-issues", str(files[0]), "--label-column", "kind", "-k", "5", "--top", "6",
                      "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    expected = run_to_end(label_issues(vectors, labels, k=5))
    assert [row["id"] for row in data["rows"]] == [f"n{i}" for i in expected.order[:6]]
    assert {"n0", "n1", "n2"} <= {row["id"] for row in data["rows"]}
    assert data["label_column"] == "kind" and data["folds"] == 5


def test_probe_prints_accuracy_and_baseline(files):
    vectors, labels = vectors_and_labels()
    result = explorer("probe", str(files[0]), "--label-column", "kind", "--folds", "4", "--seed", "3",
                      "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    expected = run_to_end(probe(vectors, labels, folds=4, seed=3))
    assert data["accuracy"] == pytest.approx(expected.accuracy)
    assert data["baseline"] == pytest.approx(expected.baseline)
    assert [row["class"] for row in data["rows"]] == ["ant", "bee", "cow"]
    assert "accuracy" in result.stderr and "baseline" in result.stderr


def test_compare_with_another_project(files):
    vectors, _ = vectors_and_labels()
    result = explorer("compare", str(files[0]), "--b", str(files[1]), "-k", "10", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    rng = np.random.default_rng(9)
    order = rng.permutation(len(vectors))
    other = (vectors @ rng.standard_normal((10, 16)))[order].astype(np.float32)
    aligned = other[np.argsort(order)]
    expected = run_to_end(compare(vectors, aligned, k=10))
    assert data["mean_jaccard"] == pytest.approx(expected.mean_jaccard)
    assert data["cka"] == pytest.approx(expected.cka)
    assert [row["jaccard"] for row in data["rows"]] == pytest.approx(expected.jaccard[expected.order].tolist())


def test_compare_two_sets_of_one_project(files):
    vectors, _ = vectors_and_labels()
    result = explorer("compare", str(files[0]), "--a", "squared", "--b", "vectors", "-k", "5",
                      "--top", "3", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    expected = run_to_end(compare(vectors ** 2, vectors, k=5))
    assert data["a"] == "squared" and data["b"] == "vectors"
    assert data["mean_jaccard"] == pytest.approx(expected.mean_jaccard)
    assert [row["id"] for row in data["rows"]] == [f"n{i}" for i in expected.order[:3]]


@pytest.mark.parametrize(("args", "fragment"), [
    (["outliers", "{first}", "-k", "500"], "at most 199"),
    (["label-issues", "{first}", "--label-column", "nope"], "no column 'nope'"),
    (["label-issues", "{first}", "--label-column", "one"], "1 class"),
    (["probe", "{first}", "--label-column", "one"], "1 class"),
    (["duplicates", "{first}", "--threshold", "1.5"], "at most 1"),
    (["compare", "{first}", "--b", "{missing}"], "does not exist"),
    (["compare", "{first}", "--b", "cubed"], "no embedding set 'cubed': the project has vectors, squared"),
])
def test_bad_input_is_one_line(files, tmp_path, args, fragment):
    filled = [a.format(first=files[0], missing=tmp_path / "missing.eexp") for a in args]
    result = explorer(*filled)
    assert result.returncode == 1
    assert fragment in result.stderr and result.stderr.count("\n") == 1
    assert result.stderr.startswith("explorer: error:")


def test_embed_again_then_compare(tmp_path):
    """A word project embedded again with the bundled GloVe vectors: a second set in the project
    file, then compared with the project's own (random) vectors."""
    from explorer.embedders.word_vectors import load_bundled_glove
    from explorer.io.project_file import load_project

    words = ["king", "queen", "man", "woman", "paris", "france", "berlin", "germany", "cat", "dog",
             "apple", "banana", "car", "truck", "red", "blue"]
    rng = np.random.default_rng(0)
    emb = EmbeddingSet(rng.standard_normal((len(words), 6)).astype(np.float32), words, words, modality="word")
    path = save_project(Project(emb), tmp_path / "words.eexp")
    result = explorer("embed", str(path), "--model", "glove-6B-50d", "--name", "glove")
    assert result.returncode == 0, result.stderr
    assert "added the set 'glove' (16 x 50)" in result.stderr
    kept = load_project(path).set_vectors("glove")
    glove_words, glove_vectors = load_bundled_glove()
    position = {w: i for i, w in enumerate(glove_words)}
    np.testing.assert_allclose(kept, glove_vectors[[position[w] for w in words]])
    result = explorer("compare", str(path), "--b", "glove", "-k", "3", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    expected = run_to_end(compare(emb.vectors, kept, k=3))
    assert data["b"] == "glove" and data["mean_jaccard"] == pytest.approx(expected.mean_jaccard)
