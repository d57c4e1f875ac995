"""The use cases, called as the CLI and the window call them: a frozen request in, a typed result
out, the inputs taken when the job is made (not when it first runs), bad requests refused at once
with one line. Results are checked against numpy by hand or the core functions."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from explorer.actions import ActionError
from explorer.actions.analogy import AnalogyRequest, analogy_table, solve_analogy
from explorer.actions.bias import (
    DirectionRequest,
    WeatRequest,
    find_preset,
    rank_along_direction,
    weat_job,
)
from explorer.actions.clusters import ClustersRequest, clusters_job
from explorer.actions.neighbors import (
    CENTROID,
    ITEM,
    TEXT,
    IndexRequest,
    NeighborsRequest,
    build_index,
    find_neighbors,
)
from explorer.actions.projections import (
    IsolateRequest,
    ProjectionRequest,
    isolate_job,
    projection_job,
)
from explorer.actions.tables import coordinates_table, saved_result_table
from explorer.core.bias import weat
from explorer.core.progress import run_to_end
from explorer.io.exporters import format_of
from explorer.io.project_file import load_project


@pytest.fixture
def project(v1_project_path):
    return load_project(v1_project_path)


def units(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_requests_are_frozen():
    request = NeighborsRequest(TEXT, "he")
    with pytest.raises(dataclasses.FrozenInstanceError):
        request.k = 3  # type: ignore[misc]


def test_neighbours_of_a_centroid_equal_numpy_by_hand(project):
    emb = project.embeddings
    rows = (3, 17, 42)
    outcome = run_to_end(find_neighbors(project, NeighborsRequest(CENTROID, items=rows, k=5)))
    u = units(emb.vectors.astype(np.float64))
    sims = u @ u[list(rows)].mean(axis=0)
    sims /= np.linalg.norm(u[list(rows)].mean(axis=0))
    sims[list(rows)] = -np.inf
    assert outcome.neighbors.indices.tolist() == np.argsort(-sims)[:5].tolist()
    table = outcome.table(emb)
    assert list(table.columns) == ["rank", "id", "text", "cosine", *emb.metadata]
    for name, values in emb.metadata.items():  # each neighbour's own metadata, row for row
        assert list(table.columns[name]) == list(np.asarray(values)[outcome.neighbors.indices])
    assert table.meta["resolved_as"] == "centroid of 3 selected items" and table.meta["search"] == "exact"


def test_neighbours_of_an_item_by_euclidean_distance(project):
    emb = project.embeddings
    outcome = run_to_end(find_neighbors(project, NeighborsRequest(ITEM, items=(7,), k=4, metric="euclidean")))
    d = np.linalg.norm(emb.vectors - emb.vectors[7], axis=1)
    d[7] = np.inf
    assert outcome.neighbors.indices.tolist() == np.argsort(d)[:4].tolist()
    np.testing.assert_allclose(outcome.neighbors.scores, np.sort(d)[:4], rtol=1e-5)


def test_a_job_searches_the_project_as_it_was_when_made(project):
    """The window makes the job on the GUI thread; the worker's first next() comes later. An index
    built (or dropped) in between must not change what that job searches."""
    index = run_to_end(build_index(project, IndexRequest("cosine")))
    exact_job = find_neighbors(project, NeighborsRequest(TEXT, "government", k=5))
    project.neighbor_index = index
    assert run_to_end(exact_job).search == "exact"
    indexed_job = find_neighbors(project, NeighborsRequest(TEXT, "government", k=5))
    project.neighbor_index = None
    assert run_to_end(indexed_job).search.startswith("approximate")


def test_bad_requests_are_refused_before_any_work(project):
    with pytest.raises(ActionError, match="select a point"):
        find_neighbors(project, NeighborsRequest(CENTROID, items=()))
    with pytest.raises(ActionError, match="type a word"):
        find_neighbors(project, NeighborsRequest(TEXT, "   "))
    with pytest.raises(ActionError, match="unknown parameter"):
        projection_job(project.embeddings, ProjectionRequest("umap", {"perplexity": 5}))
    with pytest.raises(ActionError, match="no column 'nope'"):
        clusters_job(project.embeddings, ClustersRequest("kmeans", {"n_clusters": 3}, "nope"))
    with pytest.raises(ActionError, match="only 400 points"):
        clusters_job(project.embeddings, ClustersRequest("kmeans", {"n_clusters": 401}))
    with pytest.raises(ActionError, match="at least 3"):
        isolate_job(project, IsolateRequest((1, 2)))
    with pytest.raises(ActionError, match="fill all four"):
        weat_job(project.embeddings, WeatRequest(((), ("a",), ("b",), ("c",))))


def test_unknown_words_are_one_line(project):
    with pytest.raises(ActionError) as caught:
        solve_analogy(project.embeddings, AnalogyRequest(("zzqq", "he"), ("qqzz",)))
    assert str(caught.value) == "not in the vocabulary of glove-6B-50d: 'zzqq', 'qqzz'"
    assert "\n" not in str(caught.value)


def test_analogy_table_scores_are_cosines_of_the_offset(project):
    emb = project.embeddings
    result = solve_analogy(emb, AnalogyRequest(("she", "his"), ("he",), k=3))
    u = units(emb.vectors.astype(np.float64))
    key = emb.key_to_index
    target = u[key["she"]] + u[key["his"]] - u[key["he"]]
    sims = u @ (target / np.linalg.norm(target))
    sims[[key["she"], key["his"], key["he"]]] = -np.inf  # the inputs are left out
    table = analogy_table(result)
    assert table.columns["word"] == [emb.texts[i] for i in np.argsort(-sims)[:3]]
    np.testing.assert_allclose(table.columns["score"], np.sort(sims)[::-1][:3], rtol=1e-5)
    assert table.meta["k"] == 3 and table.meta["inputs_excluded"] is True


def test_clusters_table_names_each_row_by_its_cluster(project):
    outcome = run_to_end(clusters_job(project.embeddings, ClustersRequest("kmeans", {"n_clusters": 4})))
    table = outcome.table(project.embeddings)
    labels = np.asarray(table.columns["cluster"])
    sizes = {c["cluster"]: c["size"] for c in table.meta["clusters"]}
    assert sizes == {c: int((labels == c).sum()) for c in range(4)}
    names = {c["cluster"]: c["name"] for c in table.meta["clusters"]}
    assert table.columns["cluster_name"] == [names[c] for c in labels.tolist()]
    name, column = outcome.column()
    assert name == "cluster (kmeans)" and column[0] == f"{labels[0]}: {names[labels[0]]}"


def test_weat_outcome_equals_the_core_and_keeps_the_request(project):
    sets = (("work", "office", "money"), ("home", "family", "children"), ("he", "his", "him"),
            ("she", "her", "women"))
    request = WeatRequest(sets, {"X": "work", "Y": "home", "A": "male", "B": "female"}, permutations=100)
    outcome = run_to_end(weat_job(project.embeddings, request))
    expected = weat(*sets, project.embeddings, permutations=100, seed=0)
    assert outcome.result.effect_size == expected.effect_size and outcome.result.p_value == expected.p_value
    meta = outcome.table().meta
    assert meta["partitions"] == math.comb(6, 3) and meta["permutations"] == 100
    assert meta["name"] == "work vs home, male vs female" and meta["preset"] is None
    assert find_preset("6").id == "weat6" and find_preset("WEAT 6").id == "weat6"


def test_direction_ranks_words_by_their_projection(project):
    emb = project.embeddings
    outcome = rank_along_direction(emb, DirectionRequest((("she", "he"),), ("women", "men", "zzqq"), "mean"))
    u = units(emb.vectors.astype(np.float64))
    key = emb.key_to_index
    direction = u[key["she"]] - u[key["he"]]
    direction /= np.linalg.norm(direction)
    table = outcome.table()
    expected = sorted(["women", "men"], key=lambda w: -float(u[key[w]] @ direction))
    assert table.columns["word"] == expected and table.meta["missing"] == ["zzqq"]
    np.testing.assert_allclose(table.columns["projection"], [u[key[w]] @ direction for w in expected],
                               rtol=1e-6)


def test_saved_results_and_coordinates_as_tables(project):
    table = coordinates_table(project, "PCA 2-3")
    np.testing.assert_array_equal(table.columns["x"], project.projections["PCA 2-3"].coords[:, 0])
    with pytest.raises(ActionError, match="no projection 'nope'"):
        coordinates_table(project, "nope")
    with pytest.raises(ActionError, match="holds no weat result"):
        saved_result_table(project, "weat")


def test_the_format_follows_the_suffix_then_the_default():
    assert format_of("out.JSON") == "json" and format_of("out.csv", "json") == "json"
    assert format_of(None, None, "csv") == "csv"
    with pytest.raises(ValueError, match="cannot tell the format of out.txt"):
        format_of("out.txt")


def test_isolating_a_selection_maps_it_again(project):
    part = run_to_end(isolate_job(project, IsolateRequest(tuple(range(10)), "pca")))
    assert len(part.embeddings) == 10 and part.view.projection == "PCA"
    assert part.projections["PCA"].coords.shape == (10, 2)


def test_analogy_words_are_looked_up_as_neighbours_looks_them_up(project):
    """King - Man + Woman finds what king - man + woman finds; a misspelt word gets close spellings."""
    emb = project.embeddings
    typed = solve_analogy(emb, AnalogyRequest(("She", "HIS"), ("He",), k=3))
    lower = solve_analogy(emb, AnalogyRequest(("she", "his"), ("he",), k=3))
    assert list(typed.words) == list(lower.words)
    with pytest.raises(ActionError) as caught:
        solve_analogy(emb, AnalogyRequest(("shee", "his"), ("he",)))
    message = str(caught.value)
    assert message.startswith("not in the vocabulary of glove-6B-50d: 'shee' (close spellings: ")
    assert "she" in message.split("close spellings: ")[1] and "\n" not in message
