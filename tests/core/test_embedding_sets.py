"""Several embeddings of the same items in one project: switching lends each set's vectors, maps,
index and session fields to the project and parks the previous set's."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.core import EmbeddingSet, Project, Projection, ViewState
from explorer.core.neighbors import nearest, unit_rows
from explorer.core.project import VectorSet, subset
from explorer.core.session import NeighborsSession


def make(n: int = 12) -> Project:
    rng = np.random.default_rng(0)
    emb = EmbeddingSet(vectors=rng.standard_normal((n, 6)), ids=[f"i{i}" for i in range(n)],
                       texts=[f"t{i}" for i in range(n)], model_id="a-model")
    return Project(emb, {"PCA": Projection("PCA", "pca", rng.standard_normal((n, 2)))}, ViewState(selected=[3]))


def test_a_new_project_has_one_set_named_after_its_model():
    project = make()
    assert project.set_names() == ["a-model"] and project.active_set == "a-model"
    assert project.set_vectors("a-model") is project.embeddings.vectors


def test_switching_moves_vectors_maps_and_panel_results_and_back():
    project = make()
    emb = project.embeddings
    vectors_a = emb.vectors
    _ = emb.unit_vectors  # cached for A
    found_a = nearest(vectors_a, vectors_a[0], k=3, exclude=[0])
    project.view.neighbors = NeighborsSession(k=3, result=found_a)
    project.view.highlighted = [int(i) for i in found_a.indices]
    b = np.random.default_rng(1).standard_normal((12, 4)).astype(np.float32)
    project.add_set(VectorSet("B", "b-model", b, {"map B": Projection("map B", "pca", np.zeros((12, 2)))}))

    project.switch_set("B")
    assert emb.vectors is project.set_vectors("B") and emb.model_id == "b-model" and emb.dim == 4
    np.testing.assert_allclose(emb.unit_vectors, unit_rows(b))  # not A's cached norms
    assert list(project.projections) == ["map B"] and project.view.projection == "map B"
    assert project.view.neighbors.result is None and project.view.highlighted is None
    assert project.view.selected == [3]  # shared by every set
    np.testing.assert_array_equal(project.set_vectors("a-model"), vectors_a)

    project.view.neighbors.k = 7  # work done in B stays with B
    project.switch_set("a-model")
    assert emb.vectors is vectors_a and list(project.projections) == ["PCA"] and project.view.projection == "PCA"
    np.testing.assert_array_equal(project.view.neighbors.result.indices, found_a.indices)
    assert project.view.highlighted == [int(i) for i in found_a.indices]
    project.switch_set("B")
    assert project.view.neighbors.k == 7


def test_changes_of_the_restored_records_reach_the_view_only():
    project = make()
    project.add_set(VectorSet("B", "", np.ones((12, 3), np.float32)))
    seen = []
    project.view.changed.connect(lambda name, value: seen.append(name))
    project.switch_set("B")
    project.switch_set("a-model")
    parked = project.sets["B"].session
    parked_seen = []
    parked.changed.connect(lambda name, value: parked_seen.append(name))
    seen.clear()
    project.view.neighbors.k = 5
    assert seen == ["neighbors.k"] and parked_seen == []


def test_bad_sets_are_refused():
    project = make()
    with pytest.raises(ValueError, match="already"):
        project.add_set(VectorSet("a-model", "", np.ones((12, 3))))
    with pytest.raises(ValueError, match="N = 12"):
        project.add_set(VectorSet("short", "", np.ones((11, 3))))
    with pytest.raises(ValueError, match="needs a name"):
        project.add_set(VectorSet("  ", "", np.ones((12, 3))))
    with pytest.raises(ValueError, match="points but the project has"):
        project.add_set(VectorSet("C", "", np.ones((12, 3)), {"m": Projection("m", "pca", np.zeros((5, 2)))}))
    with pytest.raises(KeyError):
        project.switch_set("nothing")
    with pytest.raises(ValueError, match="active set"):
        project.remove_set("a-model")


def test_a_subset_keeps_every_set_for_its_rows():
    project = make()
    b = np.arange(36, dtype=np.float32).reshape(12, 3)
    project.add_set(VectorSet("B", "b-model", b))
    part = subset(project, [2, 5])
    assert part.set_names() == ["a-model", "B"]
    np.testing.assert_array_equal(part.set_vectors("B"), b[[2, 5]])
