from __future__ import annotations

import numpy as np
import pytest

from explorer.core import EmbeddingSet, Project, Projection, ViewState
from explorer.core.project import VectorSet
from explorer.state import AppState


def state_with_two_sets() -> AppState:
    rng = np.random.default_rng(0)
    emb = EmbeddingSet(rng.standard_normal((8, 4)), [f"i{i}" for i in range(8)], [f"t{i}" for i in range(8)],
                       model_id="a", metadata={"c": np.array(list("xyxyxyxy"))})
    project = Project(emb, {"PCA": Projection("PCA", "pca", rng.standard_normal((8, 2)))},
                      ViewState(color_by="c", selected=[1]))
    project.add_set(VectorSet("b", "b-model", rng.standard_normal((8, 3)),
                              {"PCA": Projection("PCA", "pca", rng.standard_normal((8, 2)))}))
    state = AppState()
    state.set_project(project)
    return state


def test_a_switch_tells_the_views_once_and_marks_dirty():
    state = state_with_two_sets()
    seen = []
    for name in ("project_changed", "set_switched", "projection_changed", "selection_changed",
                 "colors_changed", "panel_changed"):
        getattr(state, name).connect(lambda *_, n=name: seen.append(n))
    state.switch_set("b")
    assert seen == ["set_switched", "project_changed"]
    assert state.dirty and state.active_set == "b" and state.project.embeddings.dim == 3
    assert state.selection == [1] and state.project.view.color_by == "c"
    seen.clear()
    state.switch_set("b")  # already active: nothing
    assert seen == []
    with pytest.raises(KeyError):
        state.switch_set("nope")
    state.project.view.neighbors.k = 4  # edits after a switch still reach the state
    assert seen == ["panel_changed"]


def test_adding_and_removing_sets():
    state = state_with_two_sets()
    added = []
    state.sets_changed.connect(lambda: added.append(True))
    state.set_dirty(False)
    state.add_set(VectorSet("c", "", np.ones((8, 2), np.float32)), activate=True)
    assert added and state.dirty and state.active_set == "c" and state.project.projections == {}
    with pytest.raises(ValueError, match="active set"):
        state.remove_set("c")
    state.remove_set("b")
    assert state.project.set_names() == ["a", "c"]
