from __future__ import annotations

import numpy as np
import pytest

from explorer.core import Cancelled, run_to_end
from explorer.core.progress import Progress
from explorer.core.projections import params_for, pca_fit, project


@pytest.fixture(scope="module")
def blobs():
    rng = np.random.default_rng(3)
    centres = rng.standard_normal((4, 32)) * 6
    return (centres[rng.integers(0, 4, 400)] + rng.standard_normal((400, 32))).astype(np.float32)


def test_pca_matches_scikit_learn(blobs):
    from sklearn.decomposition import PCA

    ours = pca_fit(blobs, 3)
    theirs = PCA(n_components=3, svd_solver="full").fit_transform(blobs.astype(np.float64))
    # Component signs are a convention; compare up to sign per component.
    for c in range(3):
        sign = np.sign(ours[:, c] @ theirs[:, c])
        np.testing.assert_allclose(ours[:, c], sign * theirs[:, c], rtol=1e-3, atol=1e-3)


def test_pca_job_reports_progress_and_returns_projection(blobs):
    steps = []
    result = run_to_end(project(blobs, "pca", name="P", components=[1, 2]), steps.append)
    assert result.name == "P" and result.method == "pca" and result.coords.shape == (400, 2)
    assert result.params["components"] == [1, 2]
    np.testing.assert_allclose(result.coords, pca_fit(blobs, 3)[:, 1:3], rtol=1e-5)
    assert steps[-1].fraction == 1.0


def test_tsne_is_deterministic_with_a_seed_and_can_stop(blobs):
    from sklearn.manifold import trustworthiness

    first = run_to_end(project(blobs, "tsne", n_iter=100, seed=5))
    second = run_to_end(project(blobs, "tsne", n_iter=100, seed=5))
    np.testing.assert_allclose(first.coords, second.coords, rtol=1e-4, atol=1e-4)
    assert trustworthiness(blobs, first.coords, n_neighbors=10) > 0.85
    steps = 0

    def stop_after_two():
        return steps >= 2

    def count(_):
        nonlocal steps
        steps += 1

    with pytest.raises(Cancelled):
        run_to_end(project(blobs, "tsne", n_iter=500), count, stop_after_two)


def test_unknown_parameters_are_named():
    with pytest.raises(ValueError, match="perplexity"):
        params_for("umap", perplexity=5)
    with pytest.raises(ValueError, match="unknown projection method"):
        params_for("mds")


def test_bad_vectors_are_refused():
    bad = np.ones((10, 4), dtype=np.float32)
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        run_to_end(project(bad, "pca"))
    with pytest.raises(ValueError, match="at least"):
        run_to_end(project(np.ones((1, 4)), "pca"))


@pytest.mark.parametrize("shape", [(3000, 24), (50, 40)])
def test_pca_matches_scikit_learn_covariance_solver_tall_and_wide(shape):
    """The covariance path (tall) and the SVD path (wide) against scikit-learn, up to sign."""
    from sklearn.decomposition import PCA

    rng = np.random.default_rng(7)
    data = (rng.standard_normal(shape) * np.linspace(5, 0.5, shape[1]) + 3.0).astype(np.float32)
    ours = pca_fit(data, 4)
    theirs = PCA(n_components=4, svd_solver="full").fit_transform(data.astype(np.float64))
    for c in range(4):
        sign = np.sign(ours[:, c] @ theirs[:, c])
        np.testing.assert_allclose(ours[:, c], sign * theirs[:, c], rtol=1e-3, atol=2e-3)


@pytest.mark.parametrize("rows", [4200, 300])
def test_umap_gets_our_exact_neighbours_instead_of_searching_itself(monkeypatch, rows):
    """umap-learn's own search is slow at every size: from 4,096 rows pynndescent (a minute of
    compiling in every new process), below that every distance through one Python call per pair.
    The job hands it each row's neighbours, itself first, equal to a brute-force search."""
    from explorer.core import umap_process

    sent = {}

    def fake_umap_job(data, params, knn=None):
        sent.update(data=data, params=params, knn=knn)
        yield Progress(1, 1, "done")
        return np.zeros((len(data), 2), dtype=np.float32)

    monkeypatch.setattr(umap_process, "umap_job", fake_umap_job)
    monkeypatch.setattr(umap_process.UmapProcess, "shared", classmethod(lambda cls, warm=False: None))
    data = np.random.default_rng(3).standard_normal((rows, 12)).astype(np.float32)
    run_to_end(project(data, "umap", n_neighbors=10))
    indices, distances = sent["knn"]
    assert indices.shape == distances.shape == (rows, 10)
    unit = data / np.linalg.norm(data, axis=1, keepdims=True)
    cosine = 1 - unit @ unit.T
    expected = np.argsort(cosine, axis=1, kind="stable")[:, :10]
    assert (indices[:, 0] == np.arange(rows)).all() and np.allclose(distances[:, 0], 0)
    same = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(indices, expected)])
    assert same > 0.999  # exact search; a tie may order two equally near rows differently
    np.testing.assert_allclose(distances, np.take_along_axis(cosine, indices, axis=1), atol=1e-5)
    assert sent["params"]["n_neighbors"] == 10


def test_metrics_we_do_not_search_are_left_to_umap(monkeypatch):
    from explorer.core import umap_process

    sent = {}

    def fake_umap_job(data, params, knn=None):
        sent["knn"] = knn
        yield Progress(1, 1, "done")
        return np.zeros((len(data), 2), dtype=np.float32)

    monkeypatch.setattr(umap_process, "umap_job", fake_umap_job)
    monkeypatch.setattr(umap_process.UmapProcess, "shared", classmethod(lambda cls, warm=False: None))
    run_to_end(project(np.random.default_rng(0).standard_normal((500, 8)), "umap", metric="manhattan"))
    assert sent["knn"] is None
