"""Maps: a projection (PCA, t-SNE, UMAP) of the project's vectors, custom axes (from one term, item
set or the selection to another), and a selection isolated as a project of its own."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from explorer.actions.errors import ActionError, reported
from explorer.core.embedding_set import EmbeddingSet
from explorer.core.progress import Job
from explorer.core.project import Project, Projection


@dataclass(frozen=True)
class ProjectionRequest:
    method: str  # pca, tsne, umap
    params: Mapping[str, Any] = field(default_factory=dict)  # perplexity=30, n_neighbors=15, seed=0...
    name: str | None = None  # default: the method's display name (PCA, t-SNE, UMAP)


def projection_job(emb: EmbeddingSet, request: ProjectionRequest) -> Job[Projection]:
    """Parameters are checked now; the job yields Progress (t-SNE: with partial layouts)."""
    from explorer.core.projections import METHODS, params_for, project  # noqa: PLC0415

    if request.method not in METHODS:
        raise ActionError(f"unknown projection method {request.method!r}; choose one of {', '.join(METHODS)}")
    try:
        params_for(request.method, **request.params)
    except ValueError as err:
        raise ActionError(str(err)) from None
    return reported(project(emb.vectors, request.method, name=request.name, **request.params))


@dataclass(frozen=True)
class AxesRequest:
    x_from: str  # a term, items separated by commas, or "selection"
    x_to: str
    y_from: str = ""  # both empty: y is what x leaves unexplained (PCA)
    y_to: str = ""
    selection: tuple[int, ...] = ()  # what "selection" means
    device: str | None = None


def axes_job(emb: EmbeddingSet, request: AxesRequest) -> Job[Projection]:
    """A custom-axes projection: x runs from ``x_from`` to ``x_to`` (and y likewise, if given)."""
    from explorer.core.projections import axes_projection  # noqa: PLC0415
    from explorer.embedders.base import EmbedderError  # noqa: PLC0415
    from explorer.embedders.query import axis_end  # noqa: PLC0415

    selection = list(request.selection)
    try:
        start = yield from axis_end(emb, request.x_from, selection, request.device)
        end = yield from axis_end(emb, request.x_to, selection, request.device)
        y_direction = None
        if request.y_from.strip() or request.y_to.strip():
            y_start = yield from axis_end(emb, request.y_from, selection, request.device)
            y_end = yield from axis_end(emb, request.y_to, selection, request.device)
            y_direction = y_end - y_start
    except EmbedderError as err:
        raise ActionError(str(err)) from None
    name = f"Axes {request.x_from.strip()}→{request.x_to.strip()}"
    params = {"x": [request.x_from, request.x_to],
              "y": [request.y_from, request.y_to] if y_direction is not None else None}
    return axes_projection(emb.vectors, end - start, y_direction, name=name, params=params)


@dataclass(frozen=True)
class IsolateRequest:
    selection: tuple[int, ...]
    method: str = "pca"
    params: Mapping[str, Any] = field(default_factory=dict)


def isolate_job(project: Project, request: IsolateRequest) -> Job[Project]:
    """The selected items as a new project, mapped again with ``method``."""
    from explorer.core.project import subset  # noqa: PLC0415

    if len(request.selection) < 3:
        raise ActionError("select at least 3 points to isolate them")
    part = subset(project, list(request.selection))
    return _isolate(part, request)


def _isolate(part: Project, request: IsolateRequest) -> Job[Project]:
    projection = yield from projection_job(part.embeddings, ProjectionRequest(request.method, request.params))
    part.add_projection(projection)
    part.view.projection = projection.name
    return part
