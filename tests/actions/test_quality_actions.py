"""The data-quality and comparison use cases: requests in, outcomes whose tables and columns match
the core results they wrap; bad input is one ActionError line before any work runs."""

from __future__ import annotations

import json

import numpy as np
import pytest

from explorer.actions import ActionError
from explorer.actions.quality import (
    CompareRequest,
    DuplicatesRequest,
    LabelIssuesRequest,
    OutliersRequest,
    ProbeRequest,
    align,
    compare_job,
    duplicates_job,
    label_issues_job,
    outliers_job,
    probe_job,
)
from explorer.core.embedding_set import EmbeddingSet
from explorer.core.progress import run_to_end


def make_set(n: int = 240, seed: int = 0) -> EmbeddingSet:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((3, 12)) * 4
    which = rng.integers(0, 3, n)
    vectors = (centres[which] + rng.standard_normal((n, 12))).astype(np.float32)
    vectors[5] = vectors[6] * 1.5  # a duplicate pair
    names = np.array(["red", "green", "blue"])
    labels = names[which]
    labels[:4] = names[(which[:4] + 1) % 3]  # a few wrong ones among the first
    return EmbeddingSet(vectors, [f"item{i}" for i in range(n)], [f"text {i}" for i in range(n)],
                        metadata={"colour": labels, "weight": rng.uniform(0, 1, n),
                                  "one": np.array(["same"] * n)})


def test_outliers_table_is_ranked_and_column_holds_every_score():
    emb = make_set()
    outcome = run_to_end(outliers_job(emb, OutliersRequest("knn", k=5)))
    table = outcome.table(emb, top=10)
    assert list(table.columns) == ["rank", "id", "text", "score", *emb.metadata]
    assert list(table.columns["rank"]) == list(range(1, 11))
    assert list(table.columns["id"]) == [f"item{i}" for i in outcome.result.order[:10]]
    assert (np.diff(table.columns["score"]) <= 0).all()
    name, values = outcome.column()
    assert name == "outlier score (knn, k=5)" and len(values) == len(emb)
    data = json.loads(table.text("json"))
    assert data["method"] == "knn" and data["k"] == 5 and len(data["rows"]) == 10


def test_duplicates_table_groups_and_counts():
    emb = make_set()
    outcome = run_to_end(duplicates_job(emb, DuplicatesRequest(0.999)))
    table = outcome.table(emb)
    assert sorted(table.columns["id"]) == ["item5", "item6"]
    assert table.meta["pairs"] == 1 and table.meta["groups"] == 1
    name, counts = outcome.column()
    assert counts[5] == counts[6] == 1 and counts.sum() == 2
    assert table.columns["cosine"][0] == pytest.approx(1.0)


def test_label_issues_table_names_labels_and_suggestions():
    emb = make_set()
    outcome = run_to_end(label_issues_job(emb, LabelIssuesRequest("colour", k=5, folds=3)))
    table = outcome.table(emb, top=8)
    assert {"item0", "item1", "item2", "item3"} <= set(table.columns["id"])
    first = list(table.columns["id"]).index("item0")
    assert table.columns["label"][first] == emb.metadata["colour"][0]
    assert table.columns["suggested"][first] != emb.metadata["colour"][0]
    assert (np.diff(table.columns["self_confidence"]) >= 0).all()
    name, values = outcome.column()
    assert name == "label issue (colour)" and np.isfinite(values).all()


def test_probe_by_column_and_by_selection():
    emb = make_set()
    outcome = run_to_end(probe_job(emb, ProbeRequest("colour", folds=3)))
    table = outcome.table()
    assert table.meta["accuracy"] > 0.9 and table.meta["baseline"] < 0.5
    assert list(table.columns["class"]) == ["blue", "green", "red"]
    assert sum(table.columns["support"]) == len(emb)
    assert "predicted red" in table.columns
    chosen = tuple(np.flatnonzero(emb.metadata["colour"] == "red").tolist())
    selection = run_to_end(probe_job(emb, ProbeRequest(selection=chosen, folds=3)))
    name, probability = selection.column()
    assert name == "probe P(selected)"
    assert probability[list(chosen)].mean() > 0.8
    axis_name, direction = selection.direction()
    assert axis_name == "probe: rest → selected" and np.linalg.norm(direction) == pytest.approx(1)


def test_compare_aligns_items_by_id():
    emb = make_set()
    rng = np.random.default_rng(2)
    shuffled = rng.permutation(len(emb))
    other = EmbeddingSet(emb.vectors[shuffled] @ rng.standard_normal((12, 20)).astype(np.float32),
                         emb.ids[shuffled], emb.texts[shuffled])
    rows = align(emb, other)
    assert (other.ids[rows] == emb.ids).all()
    outcome = run_to_end(compare_job(emb.vectors, other.vectors[rows], CompareRequest(5, "a", "b")))
    table = outcome.table(emb, top=3)
    assert table.meta["mean_jaccard"] == pytest.approx(outcome.result.mean_jaccard)
    assert 0 < table.meta["cka"] <= 1
    assert list(table.columns) == ["rank", "id", "text", "jaccard", *emb.metadata]


@pytest.mark.parametrize(("make", "words"), [
    (lambda emb: outliers_job(emb, OutliersRequest(k=len(emb))), "at most 239"),
    (lambda emb: outliers_job(emb, OutliersRequest(method="zscore")), "lof, knn"),
    (lambda emb: duplicates_job(emb, DuplicatesRequest(1.5)), "at most 1"),
    (lambda emb: label_issues_job(emb, LabelIssuesRequest("nope")), "no column 'nope'"),
    (lambda emb: label_issues_job(emb, LabelIssuesRequest("one")), "1 class"),
    (lambda emb: label_issues_job(emb, LabelIssuesRequest("weight")), "not categories"),
    (lambda emb: probe_job(emb, ProbeRequest("one")), "1 class"),
    (lambda emb: probe_job(emb, ProbeRequest()), "select some items"),
    (lambda emb: compare_job(emb.vectors, emb.vectors[:10], CompareRequest()), "240 rows, the other 10"),
    (lambda emb: align(emb, EmbeddingSet(emb.vectors, [f"x{i}" for i in range(240)], emb.texts)),
     "240 item ids"),
])
def test_bad_input_is_one_action_error_line(make, words):
    with pytest.raises(ActionError, match=words) as error:
        make(make_set())
    assert "\n" not in str(error.value)


def test_compare_with_another_project_file(tmp_path):
    from explorer.actions.quality import compare_projects_job
    from explorer.core.project import Project
    from explorer.io.project_file import save_project

    emb = make_set()
    rng = np.random.default_rng(4)
    order = rng.permutation(len(emb))
    other = EmbeddingSet(emb.vectors[order] + 0.3 * rng.standard_normal(emb.vectors.shape).astype(np.float32),
                         emb.ids[order], emb.texts[order])
    path = save_project(Project(other), tmp_path / "other.eexp")
    outcome = run_to_end(compare_projects_job(Project(emb), path, 5))
    rows = align(emb, other)
    direct = run_to_end(compare_job(emb.vectors, other.vectors[rows], CompareRequest(5)))
    np.testing.assert_allclose(outcome.result.jaccard, direct.result.jaccard)
    assert outcome.column()[0] == "kNN agreement vectors vs other (Jaccard@5)"
    with pytest.raises(ActionError, match="does not exist"):
        compare_projects_job(Project(emb), tmp_path / "nope.eexp")
    (tmp_path / "bad.eexp").write_text("not a project")
    with pytest.raises(ActionError, match="bad.eexp"):
        run_to_end(compare_projects_job(Project(emb), tmp_path / "bad.eexp"))


def test_compare_sets_the_project_keeps():
    from explorer.actions.quality import compare_sets_job, embedding_sets
    from explorer.core.project import Project

    emb = make_set()
    emb.extra_vectors["twin"] = emb.vectors * 2 + 1
    project = Project(emb)
    assert embedding_sets(project) == ["vectors", "twin"]
    outcome = run_to_end(compare_sets_job(project, "vectors", "twin", k=5))
    direct = run_to_end(compare_job(emb.vectors, emb.vectors * 2 + 1, CompareRequest(5)))
    np.testing.assert_allclose(outcome.result.jaccard, direct.result.jaccard)
    assert outcome.name_a == "vectors" and outcome.name_b == "twin"
    with pytest.raises(ActionError, match="no embedding set 'nope': the project has vectors, twin"):
        compare_sets_job(project, "vectors", "nope")


def test_embed_again_keeps_a_second_set_to_compare():
    from explorer.actions.quality import (
        EmbedAgainRequest,
        compare_sets_job,
        embed_again_job,
        embedding_sets,
    )
    from explorer.core.project import Project
    from tests.doubles import FakeEmbedder

    emb = make_set()
    project = Project(emb)
    fake = FakeEmbedder(8)
    outcome = run_to_end(embed_again_job(project, EmbedAgainRequest("fake", name="fake 8d"), embedder=fake))
    assert outcome.name == "fake 8d" and embedding_sets(project) == ["vectors"]
    outcome.apply(project)
    assert embedding_sets(project) == ["vectors", "fake 8d"]
    np.testing.assert_allclose(project.set_vectors("fake 8d"), np.stack([fake.vector(t) for t in emb.texts]))
    assert list(project.set_projections("fake 8d")) == ["PCA"]  # a first map, to view it at once
    assert emb.extra_vectors == {}
    outcome = run_to_end(compare_sets_job(project, "vectors", "fake 8d", k=5))
    assert 0 <= outcome.result.mean_jaccard < 0.5  # hashed vectors share no structure
    for bad, words in [(EmbedAgainRequest("fake", name="vectors"), "cannot name a set"),
                       (EmbedAgainRequest("fake", name="conse/x"), "reserved"),
                       (EmbedAgainRequest("fake", name="fake 8d"), "has a set named 'fake 8d' already")]:
        with pytest.raises(ActionError, match=words):
            embed_again_job(project, bad, embedder=fake)


def test_embed_again_refuses_items_without_a_vector():
    from explorer.actions.quality import EmbedAgainRequest, embed_again_job
    from explorer.core.project import Project
    from explorer.embedders.registry import WordVectorEmbedder

    emb = make_set(n=30)
    words = WordVectorEmbedder(["text 1", "text 2"], np.ones((2, 3), dtype=np.float32))
    with pytest.raises(ActionError, match="28 items have no vector in tiny"):
        run_to_end(embed_again_job(Project(emb), EmbedAgainRequest("tiny"), embedder=words))
    assert emb.extra_vectors == {}
