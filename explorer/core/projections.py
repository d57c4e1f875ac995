"""2-D projections of an embedding matrix, written as job generators (see core.progress).

Heavy libraries (umap-learn, openTSNE) are imported inside the jobs so that importing this module
stays cheap for the GUI.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from explorer.core.neighbors import unit_rows
from explorer.core.parameters import with_defaults
from explorer.core.progress import Job, Progress
from explorer.core.project import Projection
from explorer.core.quality import DISTANCE_METRICS

METHODS = ("pca", "tsne", "umap")
#: The name a new projection gets unless the user gives one (the CLI, the dialog, the importer).
DISPLAY_NAMES = {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP"}

DEFAULTS: dict[str, dict[str, Any]] = {
    "pca": {"components": [0, 1], "seed": 0},
    "tsne": {"perplexity": 30.0, "metric": "cosine", "seed": 0, "pca_dims": 50, "n_iter": 750},
    "umap": {"n_neighbors": 15, "min_dist": 0.1, "metric": "cosine", "seed": 0, "pca_dims": 0},
}


def params_for(method: str, **overrides: Any) -> dict[str, Any]:
    """The method's defaults with ``overrides``; ValueError with one line for an unknown name or a
    value out of range (n_neighbors=0, components=0,0...)."""
    params = with_defaults("projection", DEFAULTS, method, overrides)
    check_params(method, params)
    return params


def _whole(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_)) \
        and bool(np.isfinite(value))


def check_params(method: str, params: dict[str, Any], dim: int | None = None) -> None:
    """ValueError naming the parameter and what it may be, for a value the method cannot use;
    with ``dim`` (the vectors' dimension) PCA's components are checked against it too."""
    def bad(name: str, wanted: str) -> ValueError:
        shown = repr(params[name])
        shown = shown if len(shown) <= 40 else shown[:37] + "..."
        return ValueError(f"{method} parameter {name}={shown} is not valid: {wanted}")

    if "seed" in params and params["seed"] is not None and not (_whole(params["seed"]) and 0 <= params["seed"] < 2**32):
        raise bad("seed", "a whole number from 0 to 4294967295")
    if "pca_dims" in params and not (_whole(params["pca_dims"]) and params["pca_dims"] >= 0):
        raise bad("pca_dims", "a whole number, 0 for none")
    if "metric" in params and not isinstance(params["metric"], str):
        raise bad("metric", "a metric name such as cosine or euclidean")
    if method == "pca":
        components = params["components"]
        top = max(dim or 0, 2)
        if not (isinstance(components, (list, tuple)) and len(components) == 2 and all(_whole(c) for c in components)
                and components[0] != components[1] and all(0 <= c < (top if dim else 2**31) for c in components)):
            wanted = f"two different components from 0 to {top - 1}" if dim else "two different components, 0 or more"
            raise bad("components", wanted + " (components=0,1)")
    elif method == "umap":
        if not (_whole(params["n_neighbors"]) and 2 <= params["n_neighbors"] <= 10_000):
            raise bad("n_neighbors", "a whole number from 2 to 10000")
        if not (_number(params["min_dist"]) and 0 <= params["min_dist"] <= 1):
            raise bad("min_dist", "a number from 0 to 1")
    elif method == "tsne":
        if not (_number(params["perplexity"]) and params["perplexity"] > 0):
            raise bad("perplexity", "a number above 0")
        if not (_whole(params["n_iter"]) and 1 <= params["n_iter"] <= 100_000):
            raise bad("n_iter", "a whole number from 1 to 100000")


_PCA_CHUNK = 16384  # rows centred at a time (float32), so no full copy of the matrix is made


def pca_fit(vectors: np.ndarray, n_components: int) -> np.ndarray:
    """Principal component scores, signs fixed as scikit-learn fixes them (each component's largest
    loading positive).

    For tall matrices (many more rows than columns, every real embedding set) this is
    scikit-learn's ``covariance_eigh`` solver: the D x D covariance is accumulated in float64 from
    float32 blocks of centred rows, then ``eigh`` gives the components; no N x D float64 copy is
    made. Small or wide matrices use the SVD of the centred matrix.
    """
    vectors = np.asarray(vectors)
    n, d = vectors.shape
    n_components = min(n_components, n, d)
    mean = vectors.mean(axis=0, dtype=np.float64)
    if n < 4 * d:
        centred = vectors.astype(np.float64) - mean
        _, _, vt = np.linalg.svd(centred, full_matrices=False)
        components = _fix_signs(vt[:n_components])
        return (centred @ components.T).astype(np.float32)
    data = vectors if vectors.dtype == np.float32 else vectors.astype(np.float32)
    mean32 = mean.astype(np.float32)
    covariance = np.zeros((d, d), dtype=np.float64)
    for start in range(0, n, _PCA_CHUNK):
        block = data[start:start + _PCA_CHUNK] - mean32
        covariance += block.T @ block
    _, eigenvectors = np.linalg.eigh(covariance)  # ascending eigenvalues
    components = _fix_signs(eigenvectors[:, ::-1][:, :n_components].T.copy())
    scores = data @ components.T.astype(np.float32)
    scores -= (mean @ components.T).astype(np.float32)
    return scores


def _fix_signs(components: np.ndarray) -> np.ndarray:
    signs = np.sign(components[np.arange(len(components)), np.abs(components).argmax(axis=1)])
    components *= np.where(signs == 0, 1, signs)[:, None]
    return components


def _reduce(vectors: np.ndarray, pca_dims: int) -> np.ndarray:
    if pca_dims and 0 < pca_dims < vectors.shape[1]:
        return pca_fit(vectors, pca_dims)
    return vectors


def _check_input(vectors: np.ndarray, minimum: int) -> None:
    if len(vectors) < minimum:
        raise ValueError(f"need at least {minimum} items for this projection, got {len(vectors)}")
    if not np.isfinite(vectors).all():
        raise ValueError("the vectors contain NaN or infinite values")


def project(vectors: np.ndarray, method: str, name: str | None = None, **overrides: Any) -> Job[Projection]:
    """Compute a projection; yields Progress, returns a Projection."""
    params = params_for(method, **overrides)
    jobs = {"pca": _pca_job, "tsne": _tsne_job, "umap": _umap_job}
    coords = yield from jobs[method](np.asarray(vectors, dtype=np.float32), params)
    return Projection(name or DISPLAY_NAMES[method], method, coords, params)


def _pca_job(vectors: np.ndarray, params: dict[str, Any]) -> Job[np.ndarray]:
    _check_input(vectors, 2)
    check_params("pca", params, vectors.shape[1])
    first, second = (int(c) for c in params["components"])
    yield Progress(0, 1, "PCA")
    scores = pca_fit(vectors, max(first, second) + 1)
    if scores.shape[1] <= max(first, second):
        # components beyond the data's rank (fewer items or dimensions than asked, 1-D vectors)
        # are zero for every item: a line rather than an error
        scores = np.pad(scores, ((0, 0), (0, max(first, second) + 1 - scores.shape[1])))
    yield Progress(1, 1, "PCA done")
    return np.ascontiguousarray(scores[:, [first, second]])


def start_umap_process(warm: bool = False) -> None:
    """Start the process UMAP runs in (explorer.core.umap_process), if it is not running, without
    waiting for it: it imports umap-learn for seconds, which a caller can hide behind other work
    (the importer: behind the embedding). ``warm``: it also compiles UMAP's code there (on a small
    random set), as the window's warm-up does."""
    from explorer.core.umap_process import UmapProcess  # noqa: PLC0415

    UmapProcess.shared(warm=warm)


def _umap_job(vectors: np.ndarray, params: dict[str, Any]) -> Job[np.ndarray]:
    from explorer.core.umap_process import umap_job, umap_neighbours  # noqa: PLC0415

    start_umap_process()  # it imports umap-learn while the neighbours are found

    _check_input(vectors, 4)
    yield Progress(0, None, "Reducing with PCA" if params["pca_dims"] else "Preparing UMAP")
    data = _reduce(vectors, int(params["pca_dims"]))
    umap_params = {
        "n_neighbors": min(int(params["n_neighbors"]), len(data) - 1),
        "min_dist": float(params["min_dist"]),
        "metric": str(params["metric"]),
        "random_state": int(params["seed"]),
    }
    knn = None
    if umap_params["metric"] in DISTANCE_METRICS:
        # Our neighbour search instead of umap-learn's own. From 4,096 rows it would use pynndescent,
        # which compiles for about a minute in every new process; below, it computes every distance
        # with one Python call per pair (18 s at 2,000 rows, where ours takes 0.1 s).
        knn = yield from umap_neighbours(data, umap_params["n_neighbors"], umap_params["metric"])
    coords = yield from umap_job(data, umap_params, knn)
    yield Progress(1, 1, "UMAP done")
    return coords


def _tsne_job(vectors: np.ndarray, params: dict[str, Any]) -> Job[np.ndarray]:
    _check_input(vectors, 5)
    yield Progress(0, 1, "Loading openTSNE")
    from openTSNE import TSNEEmbedding, affinity, initialization  # noqa: PLC0415

    data = _reduce(vectors, int(params["pca_dims"]))
    perplexity = min(float(params["perplexity"]), (len(data) - 1) / 3)
    total = 250 + int(params["n_iter"])
    yield Progress(0, total, "Computing t-SNE affinities")
    affinities = affinity.PerplexityBasedNN(
        data, perplexity=perplexity, metric=str(params["metric"]), random_state=int(params["seed"]),
        n_jobs=-1,
    )
    init = initialization.pca(data, random_state=int(params["seed"]))
    # openTSNE.TSNE's own choice: Barnes-Hut below 10,000 points, where the FFT grid's fixed cost
    # made it 8x slower here (23 s against 2.7 s at 1,000 points), FFT interpolation above.
    method = "fft" if len(data) > 10_000 else "bh"
    embedding = TSNEEmbedding(init, affinities, negative_gradient_method=method, n_jobs=-1,
                              random_state=int(params["seed"]))
    chunk = 50
    done = 0
    # Early exaggeration phase, then the normal phase, in chunks so the caller can stop and draw;
    # momentum and step limit as openTSNE.TSNE sets them, so the layouts match a direct call.
    for exaggeration, iterations in ((12.0, 250), (1.0, int(params["n_iter"]))):
        left = iterations
        while left > 0:
            step = min(chunk, left)
            embedding = embedding.optimize(step, exaggeration=exaggeration, momentum=0.8, max_step_norm=5,
                                           inplace=True)
            left -= step
            done += step
            yield Progress(done, total, "Optimising t-SNE layout",
                           partial=np.asarray(embedding, dtype=np.float32).copy())
    return np.asarray(embedding, dtype=np.float32)


def axes_projection(vectors: np.ndarray, x_direction: np.ndarray, y_direction: np.ndarray | None = None,
                    name: str = "Custom axes", params: dict[str, Any] | None = None) -> Projection:
    """Custom axes (the Embedding Projector's custom projection): x is each item's cosine-scaled
    position along ``x_direction`` (unit vectors dotted with the unit direction); y likewise along
    ``y_direction`` made orthogonal to x, or, without one, along the first principal component of
    what x leaves unexplained, so the map still spreads out."""
    units = unit_rows(vectors)
    x_unit = np.asarray(x_direction, dtype=np.float64)
    x_unit = x_unit / np.linalg.norm(x_unit)
    x = units @ x_unit
    if y_direction is not None:
        y_vec = np.asarray(y_direction, dtype=np.float64)
        y_vec = y_vec - (y_vec @ x_unit) * x_unit  # orthogonal to x, so the axes do not mix
        if np.linalg.norm(y_vec) < 1e-9:
            raise ValueError("the y direction is parallel to the x direction")
        y = units @ (y_vec / np.linalg.norm(y_vec))
    else:
        residual = units - np.outer(x, x_unit)
        y = pca_fit(residual, 1)[:, 0]
    return Projection(name, "axes", np.column_stack([x, y]).astype(np.float32), dict(params or {}))


def direction_between(vectors: np.ndarray, start: np.ndarray | list[int], end: np.ndarray | list[int]) -> np.ndarray:
    """The direction from one item (or the centroid of several) to another, on unit vectors."""
    units = unit_rows(vectors)
    a = units[np.atleast_1d(start)].mean(axis=0)
    b = units[np.atleast_1d(end)].mean(axis=0)
    direction = (b - a).astype(np.float64)
    if np.linalg.norm(direction) < 1e-12:
        raise ValueError("the two ends of the axis are the same point")
    return direction
