"""The analysis commands (analogy, analogy-eval, weat, clusters), run as a user runs them: a separate
process, JSON or CSV on stdout, one-line errors; each result checked against the core in-process."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest

from explorer.core.analogy import analogy, evaluate_analogies
from explorer.core.bias import weat, weat_presets
from explorer.io.project_file import load_project
from tests.test_cli import explorer

TOPICS = {
    "sport": ["football", "soccer", "tennis", "basketball", "hockey", "golf", "baseball", "rugby"],
    "food": ["bread", "cheese", "butter", "soup", "rice", "pasta", "chicken", "salad"],
    "country": ["france", "germany", "italy", "spain", "poland", "sweden", "norway", "austria"],
}

QUESTIONS = """\
: capital-common-countries
athens greece berlin germany
athens greece paris france
berlin germany rome italy
paris france tokyo japan
paris france zzqqville zzqqland
: family
boy girl brother sister
king queen man woman
he she his her
father mother son daughter
Father Mother Son Daughter
: gram-plural
car cars dog dogs
apple apples computer computers
"""


@pytest.fixture(scope="module")
def glove_20k(tmp_path_factory) -> Path:
    """The 20,000 most frequent GloVe words, imported with the bundled vectors."""
    path = tmp_path_factory.mktemp("glove") / "glove_20k.eexp"
    result = explorer("import", "glove-6B-50d", "-o", str(path), "--limit", "20000", "--map", "pca")
    assert result.returncode == 0, result.stderr
    return path


@pytest.fixture(scope="module")
def text_project(tmp_path_factory, glove_20k) -> Path:
    """A *text* project (not a word project) of 24 topic words with a "topic" column."""
    emb = load_project(glove_20k).embeddings
    words = [w for group in TOPICS.values() for w in group]
    folder = tmp_path_factory.mktemp("texts")
    np.savez(folder / "topics.npz", vectors=emb.vectors[[emb.key_to_index[w] for w in words]],
             text=np.array(words), topic=np.array([t for t, group in TOPICS.items() for _ in group]))
    path = folder / "topics.eexp"
    result = explorer("import", str(folder / "topics.npz"), "-o", str(path), "--kind", "vectors",
                      "--map", "pca")
    assert result.returncode == 0, result.stderr
    return path


def ok(result) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def one_line_error(result, *fragments: str) -> str:
    assert result.returncode == 1, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("explorer: error: ") and "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0]
    return lines[0]


# ---------------------------------------------------------------------------------------- analogy


def test_analogy_king_man_woman_json_equals_the_core(glove_20k):
    data = json.loads(ok(explorer("analogy", str(glove_20k), "--positive", "king", "woman",
                                  "--negative", "man", "-k", "5")))
    assert data["rows"][0] == {"rank": 1, "word": "queen", "score": pytest.approx(0.852, abs=1e-3)}
    assert (data["positive"], data["negative"]) == (["king", "woman"], ["man"])
    assert data["method"] == "3cosadd" and data["inputs_excluded"] is True
    expected = analogy(load_project(glove_20k).embeddings, ["king", "woman"], ["man"], k=5)
    assert [row["word"] for row in data["rows"]] == expected.words
    assert [row["score"] for row in data["rows"]] == [float(s) for s in expected.scores]
    assert [row["rank"] for row in data["rows"]] == [1, 2, 3, 4, 5]


def test_analogy_3cosmul_with_inputs_as_csv_file(glove_20k, tmp_path):
    out = tmp_path / "answers.csv"
    result = explorer("analogy", str(glove_20k), "--positive", "king", "woman", "--negative", "man",
                      "--method", "3cosmul", "--include-inputs", "-k", "4", "-o", str(out))
    assert ok(result) == "" and f"wrote {out}" in result.stderr
    with out.open() as f:
        rows = list(csv.DictReader(f))
    expected = analogy(load_project(glove_20k).embeddings, ["king", "woman"], ["man"], k=4,
                       method="3cosmul", exclude_inputs=False)
    assert [r["word"] for r in rows] == expected.words
    assert "king" in expected.words  # an input word may now be an answer
    assert [float(r["score"]) for r in rows] == [float(s) for s in expected.scores]


def test_analogy_unknown_words_are_named_in_one_line(v1_project_path):
    result = explorer("analogy", str(v1_project_path), "--positive", "zzqqxxy", "he",
                      "--negative", "qqzzy")
    one_line_error(result, "not in the vocabulary", "'zzqqxxy'", "'qqzzy'")
    assert "'he'" not in result.stderr


def test_analogy_on_a_text_project_warns_but_answers(text_project):
    result = explorer("analogy", str(text_project), "--positive", "germany", "--format", "csv", "-k", "3")
    rows = list(csv.DictReader(io.StringIO(ok(result))))
    assert len(rows) == 3 and {r["word"] for r in rows} <= set(TOPICS["country"])
    assert "warning" in result.stderr and "not a word project" in result.stderr


# ---------------------------------------------------------------------------------------- analogy-eval


def test_analogy_eval_equals_the_core(glove_20k, tmp_path):
    questions = tmp_path / "questions.txt"
    questions.write_text(QUESTIONS)
    emb = load_project(glove_20k).embeddings
    for extra, restrict, case_insensitive in (([], 300000, True),
                                              (["--restrict", "3000", "--case-sensitive"], 3000, False)):
        data = json.loads(ok(explorer("analogy-eval", str(glove_20k), str(questions), *extra)))
        expected = evaluate_analogies(emb.texts.tolist(), emb.vectors, questions, restrict=restrict,
                                      case_insensitive=case_insensitive)
        assert data["accuracy"] == expected.accuracy
        assert data["skipped_unknown"] == expected.oov_skipped > 0
        assert data["questions"] == expected.questions == 12
        assert (data["correct"], data["incorrect"]) == (expected.total.n_correct, expected.total.n_incorrect)
        assert [(s["section"], s["accuracy"], s["correct"], s["incorrect"]) for s in data["sections"]] == [
            (s.name, s.accuracy, s.n_correct, s.n_incorrect) for s in expected.sections[:-1]]
    assert [s["section"] for s in data["sections"]] == ["capital-common-countries", "family", "gram-plural"]
    rows = list(csv.DictReader(io.StringIO(ok(explorer("analogy-eval", str(glove_20k), str(questions),
                                                       "--format", "csv")))))
    assert [r["section"] for r in rows][-1] == "Total accuracy" and len(rows) == 4


def test_analogy_eval_bad_questions_fail_in_one_line(glove_20k, tmp_path):
    one_line_error(explorer("analogy-eval", str(glove_20k), str(tmp_path / "none.txt")), "does not exist")
    headless = tmp_path / "headless.txt"
    headless.write_text("athens greece berlin germany\n")
    one_line_error(explorer("analogy-eval", str(glove_20k), str(headless)), "missing section header")


# ---------------------------------------------------------------------------------------- WEAT


def test_weat_preset_equals_the_core(glove_20k):
    preset = next(p for p in weat_presets() if p.id == "weat6")
    data = json.loads(ok(explorer("weat", str(glove_20k), "--preset", "weat6", "--lowercase-fallback",
                                  "--permutations", "3000", "--seed", "3", "--std", "sample")))
    expected = weat(*preset.sets, load_project(glove_20k).embeddings, permutations=3000, seed=3,
                    std="sample", lowercase_fallback=True)
    assert data["effect_size"] == expected.effect_size and data["effect_size"] > 1
    assert data["statistic"] == expected.statistic and data["p_value"] == expected.p_value
    assert (data["p_value_method"], data["partitions"]) == ("sampled", 3000)
    assert data["std"] == "sample" and data["preset"] == "weat6"
    assert data["associations"] == expected.associations
    assert data["sets"]["X"]["name"] == "Male names" and "john" in data["sets"]["X"]["words"]


def test_weat_word_list_files_equal_the_core(glove_20k, tmp_path):
    lists = {"career.txt": "executive, management, professional\ncorporation,salary, office\n",
             "family.txt": "home\n\nparents\nchildren\n  family  \ncousins\nmarriage\n",
             "male.txt": "male, man, boy, brother, he, son, zzqqman, his",
             "female.txt": "female\nwoman\ngirl\nsister\nshe\ndaughter\n"}
    for name, text in lists.items():
        (tmp_path / name).write_text(text)
    x, y, a, b = (str(tmp_path / name) for name in lists)
    data = json.loads(ok(explorer("weat", str(glove_20k), "--targets", x, y, "--attributes", a, b)))
    expected = weat(["executive", "management", "professional", "corporation", "salary", "office"],
                    ["home", "parents", "children", "family", "cousins", "marriage"],
                    ["male", "man", "boy", "brother", "he", "son", "zzqqman", "his"],
                    ["female", "woman", "girl", "sister", "she", "daughter"],
                    load_project(glove_20k).embeddings)
    assert data["effect_size"] == expected.effect_size
    assert (data["p_value"], data["p_value_method"], data["partitions"]) == (expected.p_value, "exact", 924)
    assert data["sets"]["A"] == {"name": "male", "words": expected.words["A"], "missing": ["zzqqman"]}
    assert data["sets"]["Y"]["words"] == ["home", "parents", "children", "family", "cousins", "marriage"]
    assert data["std"] == "population"


def test_weat_failures_are_one_line(glove_20k, v1_project_path, tmp_path):
    line = one_line_error(explorer("weat", str(glove_20k), "--preset", "weat99"), "unknown WEAT preset")
    assert all(p.id in line for p in weat_presets())
    line = one_line_error(explorer("weat", str(v1_project_path), "--preset", "weat1"),
                          "not in the vocabulary", "X (Flowers)", "Y (Insects)", "tulip", "cockroach")
    names = one_line_error(explorer("weat", str(glove_20k), "--preset", "weat6"), "Male names", "John")
    assert "--lowercase-fallback" in names
    (tmp_path / "empty.txt").write_text("\n , \n")
    one_line_error(explorer("weat", str(glove_20k), "--targets", str(tmp_path / "empty.txt"), "b.txt",
                            "--attributes", "c.txt", "d.txt"), "empty.txt holds no words")
    one_line_error(explorer("weat", str(glove_20k)), "--preset")


def test_weat_list_presets():
    listing = ok(explorer("weat", "--list-presets"))
    assert [line.split()[0] for line in listing.splitlines()] == [p.id for p in weat_presets()]
    assert "WEAT 1: Flowers vs insects" in listing
    data = json.loads(ok(explorer("weat", "--list-presets", "--format", "json")))
    assert data[6]["sets"]["X"]["name"] == "Math" and len(data) == 10


# ---------------------------------------------------------------------------------------- clusters


def test_clusters_kmeans_json_and_csv(v1_project_path, tmp_path):
    data = json.loads(ok(explorer("clusters", str(v1_project_path), "--method", "kmeans",
                                  "--param", "n_clusters=5")))
    assert data["n_clusters"] == 5 and data["n_noise"] == 0 and len(data["clusters"]) == 5
    assert sum(c["size"] for c in data["clusters"]) == len(data["rows"]) == 400
    assert 0 < data["silhouette"] < 1 and data["labels"] == "words nearest the centroid"
    labels = [row["cluster"] for row in data["rows"]]
    assert {c["cluster"]: c["size"] for c in data["clusters"]} == {c: labels.count(c) for c in range(5)}
    for c in data["clusters"]:  # named by three of its own words
        members = {row["text"] for row in data["rows"] if row["cluster"] == c["cluster"]}
        assert len(c["terms"]) == 3 and {t for t, _ in c["terms"]} <= members
    out = tmp_path / "clusters.csv"
    ok(explorer("clusters", str(v1_project_path), "--method", "kmeans", "--param", "n_clusters=5",
                "-o", str(out)))
    with out.open() as f:
        rows = list(csv.DictReader(f))
    # the items' metadata follows the result's own columns
    assert list(rows[0]) == ["id", "text", "cluster", "cluster_name", "band", "frequency_rank"]
    assert rows[0]["text"] == "the" and rows[0]["band"] == "stop word"
    assert [int(r["cluster"]) for r in rows] == labels  # same seed, same clusters


def test_clusters_named_by_label_column_and_by_ctfidf(text_project):
    data = json.loads(ok(explorer("clusters", str(text_project), "--method", "agglomerative",
                                  "--param", "n_clusters=3", "--label-column", "topic")))
    assert data["labels"] == "majority of column 'topic'"
    assert sorted(c["name"].split(" (")[0] for c in data["clusters"]) == ["country", "food", "sport"]
    data = json.loads(ok(explorer("clusters", str(text_project), "--method", "kmeans",
                                  "--param", "n_clusters=3")))
    assert data["labels"] == "c-TF-IDF"
    assert all(c["name"] and c["terms"] for c in data["clusters"])


def test_clusters_bad_parameters_fail_in_one_line(v1_project_path):
    project = str(v1_project_path)
    one_line_error(explorer("clusters", project, "--method", "kmeans", "--param", "clusters=5"),
                   "unknown parameter(s) for kmeans: clusters", "n_clusters")
    one_line_error(explorer("clusters", project, "--method", "kmeans", "--param", "n_clusters=five"),
                   "n_clusters must be an integer")
    one_line_error(explorer("clusters", project, "--method", "kmeans", "--param", "n_clusters=401"),
                   "only 400 points")
    one_line_error(explorer("clusters", project, "--method", "kmeans", "--label-column", "nope"),
                   "no column 'nope'")
    usage = explorer("clusters", project, "--method", "kmeans", "--param", "n_clusters")
    assert usage.returncode == 2 and "NAME=VALUE" in usage.stderr
