"""Parameters out of range are refused with one clear ValueError, before any work starts."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.core.ann_index import nearest_auto
from explorer.core.neighbors import nearest
from explorer.core.progress import run_to_end
from explorer.core.projections import params_for, project


@pytest.mark.parametrize("k", [0, -1, 2.5, True])
def test_neighbour_count_must_be_one_or_more(k):
    vectors = np.eye(4, dtype=np.float32)
    for search in (nearest, nearest_auto):
        with pytest.raises(ValueError, match="number of neighbours"):
            search(vectors, vectors[0], k=k)


@pytest.mark.parametrize("method, params, name", [
    ("umap", {"n_neighbors": 0}, "n_neighbors"),
    ("umap", {"n_neighbors": 1.5}, "n_neighbors"),
    ("umap", {"min_dist": float("nan")}, "min_dist"),
    ("pca", {"components": [0, 0]}, "components"),
    ("pca", {"components": [0]}, "components"),
    ("pca", {"components": [-1, 2]}, "components"),
    ("tsne", {"perplexity": 0}, "perplexity"),
    ("tsne", {"n_iter": 0}, "n_iter"),
    ("tsne", {"seed": -1}, "seed"),
])
def test_bad_projection_parameters_are_one_line(method, params, name):
    with pytest.raises(ValueError, match=name) as caught:
        params_for(method, **params)
    assert "\n" not in str(caught.value) and len(str(caught.value)) < 200


def test_pca_component_beyond_the_dimensions_is_refused():
    vectors = np.random.default_rng(0).standard_normal((20, 50)).astype(np.float32)
    with pytest.raises(ValueError, match="from 0 to 49"):
        run_to_end(project(vectors, "pca", components=[0, 99]))


def test_pca_of_one_dimensional_vectors_is_a_line():
    vectors = np.arange(6, dtype=np.float32)[:, None]
    coords = run_to_end(project(vectors, "pca")).coords
    centred = vectors[:, 0] - vectors[:, 0].mean()
    np.testing.assert_allclose(np.abs(coords[:, 0]), np.abs(centred), atol=1e-5)
    assert not coords[:, 1].any()


def test_pca_components_beyond_the_rank_are_zero():
    vectors = np.random.default_rng(1).standard_normal((3, 10)).astype(np.float32)
    coords = run_to_end(project(vectors, "pca", components=[0, 5])).coords
    assert coords[:, 0].any() and not coords[:, 1].any()
