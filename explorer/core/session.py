"""The session a project saves: how the map looks, what is selected, and each analysis panel's
inputs and last result, as typed evented records.

The one owner of the live session is ``explorer.state.AppState``: every change goes through these
records, which emit ``changed``, and the owner marks the project dirty. Saving writes the records
generically (``explorer.core.records``: type name, version, fields), so no widget name ever reaches
the file. An input left at ``None`` has not been chosen: the panel shows its own default then.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from explorer.core.analogy import AnalogyEvaluation, AnalogyResult
from explorer.core.bias import Direction, DirectionScores, WeatResult
from explorer.core.clusters import ClusterLabel, ClusterResult
from explorer.core.evented import Evented
from explorer.core.labels import LabelError, MapLabels
from explorer.core.neighbors import Neighbors


@dataclass(eq=False)
class NeighborsSession(Evented):
    source: str | None = None  # "Selected item", "Selection centroid" or "Typed query"
    query: str | None = None
    metric: str | None = None
    k: int | None = None
    result: Neighbors | None = None
    description: str = ""  # what was searched for, as shown above the result
    how: str = "exact"  # exact, or the approximate index's recall
    space: str | None = None  # None: the vectors; else the extra matrix searched (ConSE)


@dataclass(eq=False)
class AnalogySession(Evented):
    positive: str | None = None
    negative: str | None = None
    method: str | None = None
    k: int | None = None
    include_inputs: bool | None = None
    result: AnalogyResult | None = None
    evaluation: AnalogyEvaluation | None = None


@dataclass(eq=False)
class ClustersSession(Evented):
    method: str | None = None
    n_clusters: int | None = None
    min_size: int | None = None
    normalize: bool | None = None
    name_by: str | None = None  # a category column, or None for automatic names
    result: ClusterResult | None = None
    names: dict[int, ClusterLabel] | None = None


@dataclass(eq=False)
class BiasSession(Evented):
    preset: str | None = None
    set_X: str | None = None  # noqa: N815 - the WEAT sets are called X, Y, A, B
    set_Y: str | None = None  # noqa: N815
    set_A: str | None = None  # noqa: N815
    set_B: str | None = None  # noqa: N815
    name_X: str | None = None  # noqa: N815
    name_Y: str | None = None  # noqa: N815
    name_A: str | None = None  # noqa: N815
    name_B: str | None = None  # noqa: N815
    permutations: int | None = None
    std: str | None = None
    lowercase: bool | None = None
    seat: bool | None = None
    pairs: str | None = None
    direction_method: str | None = None
    probe_words: str | None = None
    weat: WeatResult | None = None
    direction: Direction | None = None
    direction_scores: DirectionScores | None = None


@dataclass(eq=False)
class QualitySession(Evented):
    """The Data-quality panel's inputs (its scores are saved as the columns it added)."""

    tool: str | None = None  # outliers, duplicates, label-issues, probe, compare
    method: str | None = None
    k: int | None = None
    metric: str | None = None
    threshold: float | None = None
    label_column: str | None = None
    folds: int | None = None
    seed: int | None = None
    set_a: str | None = None
    set_b: str | None = None


PANEL_SESSIONS: dict[str, type[Evented]] = {
    "neighbors": NeighborsSession, "analogy": AnalogySession, "clusters": ClustersSession, "bias": BiasSession,
    "quality": QualitySession,
}


@dataclass(eq=False)
class SetSession(Evented):
    """What belongs to one embedding set of a project besides its vectors and maps: the map shown
    and where, its labels, and the analysis panels' inputs and results (neighbours found in set A
    come back when the user switches back to A). The active set's live in ``ViewState``; the other
    sets keep theirs here (explorer.core.project.VectorSet)."""

    projection: str | None = None
    view_range: list[float] | None = None
    map_labels: dict[str, dict[str, Any]] = field(default_factory=dict)
    highlighted: list[int] | None = None
    arrows: list[tuple[int, int]] = field(default_factory=list)
    neighbors: NeighborsSession = field(default_factory=NeighborsSession)
    analogy: AnalogySession = field(default_factory=AnalogySession)
    clusters: ClustersSession = field(default_factory=ClustersSession)
    bias: BiasSession = field(default_factory=BiasSession)


# The fields of ViewState that each embedding set has its own of (the rest: selection, colouring,
# search, the data-quality inputs... are about the items, which all sets share).
SET_FIELDS = tuple(f.name for f in fields(SetSession))


@dataclass(eq=False)
class ViewState(Evented):
    """How the map looks and what the user was doing: reopening a project restores all of it."""

    projection: str | None = None
    color_by: str | None = None
    selected: list[int] = field(default_factory=list)
    focus: int | None = None  # the item shown in the side panel
    hidden_categories: list[str] = field(default_factory=list)  # legend toggles
    search: str = ""
    search_regex: bool = False
    point_size: float | None = None  # None: the map's automatic size
    opacity: float | None = None
    view_range: list[float] | None = None  # [x_min, x_max, y_min, y_max] of the visible map
    highlighted: list[int] | None = None  # a panel's result items marked on the map
    arrows: list[tuple[int, int]] = field(default_factory=list)
    neighbors: NeighborsSession = field(default_factory=NeighborsSession)
    analogy: AnalogySession = field(default_factory=AnalogySession)
    clusters: ClustersSession = field(default_factory=ClustersSession)
    bias: BiasSession = field(default_factory=BiasSession)
    quality: QualitySession = field(default_factory=QualitySession)
    # The map's look: labels (on/off, their source, and the candidates computed per projection name
    # as explorer.core.labels.MapLabels records), density shading, the legend's order and the
    # categories picked out of "other", and the columns a search looks in besides the items' text.
    # (Added fields with defaults: older records read as they were, so the version stays 1.)
    show_labels: bool = True
    label_source: str = "topics"  # "topics" or "column:<name>"
    map_labels: dict[str, dict[str, Any]] = field(default_factory=dict)
    show_density: bool = False
    legend_order: str = "natural"  # or "count"
    featured_categories: list[str] = field(default_factory=list)
    search_columns: list[str] = field(default_factory=list)

    def swap_set(self, incoming: SetSession) -> SetSession:
        """Put the fields of another embedding set (``incoming``) in place and hand back this set's
        as a new SetSession (explorer.core.project.Project.switch_set). Each assignment is a change
        like any other (the owner marks dirty and tells the views)."""
        outgoing = SetSession(**{name: getattr(self, name) for name in SET_FIELDS})
        for name in SET_FIELDS:
            setattr(self, name, getattr(incoming, name))
        fresh = SetSession()
        for name in SET_FIELDS:  # the records moved: ``incoming`` stops forwarding their changes
            setattr(incoming, name, getattr(fresh, name))
        return outgoing

    def panel(self, name: str) -> Evented:
        if name not in PANEL_SESSIONS:
            raise KeyError(name)
        return getattr(self, name)

    def sanitize(self, n_items: int, projections: Any, columns: Any) -> ViewState:
        """Drop what does not fit the project (a reopened or migrated file): items out of range,
        unknown projections and columns, non-finite sizes, results of another size. Returns self."""

        def items(values: Any, ordered: bool = False) -> list[int]:
            """Item indices in range; sorted and unique unless ``ordered`` (a ranked result)."""
            out: list[int] = []
            for value in values if isinstance(values, (list, tuple, np.ndarray)) else []:
                if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and 0 <= value < n_items:
                    out.append(int(value))
            return out if ordered else sorted(set(out))

        def finite(value: Any, low: float, high: float) -> float | None:
            if isinstance(value, (int, float, np.floating)) and not isinstance(value, bool) \
                    and math.isfinite(float(value)) and low <= float(value) <= high:
                return float(value)
            return None

        self.projection = self.projection if isinstance(self.projection, str) and self.projection in projections \
            else next(iter(projections), None)
        self.color_by = self.color_by if isinstance(self.color_by, str) and self.color_by in columns else None
        self.selected = items(self.selected)
        self.focus = self.focus if isinstance(self.focus, int) and self.focus in self.selected else None
        hidden = self.hidden_categories if isinstance(self.hidden_categories, (list, tuple)) else []
        self.hidden_categories = [str(c) for c in hidden] if self.color_by else []
        self.search = self.search if isinstance(self.search, str) else ""
        self.search_regex = self.search_regex is True
        self.point_size = finite(self.point_size, 0.01, 1000)
        self.opacity = finite(self.opacity, 0.0, 1.0)
        box = self.view_range
        bounds = [finite(v, -1e30, 1e30) for v in box] if isinstance(box, (list, tuple)) and len(box) == 4 else []
        self.view_range = bounds if len(bounds) == 4 and None not in bounds \
            and bounds[0] < bounds[1] and bounds[2] < bounds[3] else None
        self.highlighted = None if self.highlighted is None else items(self.highlighted, ordered=True)
        arrows = []
        for arrow in self.arrows if isinstance(self.arrows, (list, tuple)) else []:
            pair = items(list(arrow), ordered=True) if isinstance(arrow, (list, tuple)) and len(arrow) == 2 else []
            if len(pair) == 2:
                arrows.append((int(arrow[0]), int(arrow[1])))
        self.arrows = arrows
        self._sanitize_map_look(projections, columns)
        for name, cls in PANEL_SESSIONS.items():
            record = getattr(self, name)
            if not isinstance(record, cls):
                setattr(self, name, cls())
            else:
                _sanitize_panel(record, n_items)
        return self


    def _sanitize_map_look(self, projections: Any, columns: Any) -> None:
        """Labels that do not fit a projection are dropped (the window makes them again); unknown
        columns and orders fall back to the defaults."""
        self.show_labels = self.show_labels is not False
        self.show_density = self.show_density is True
        labels = {}
        for name, record in (self.map_labels.items() if isinstance(self.map_labels, dict) else []):
            try:
                parsed = MapLabels.from_record(record)
            except LabelError:
                continue
            if name in projections and parsed.projection == name:
                labels[str(name)] = parsed.to_record()
        self.map_labels = labels
        source = self.label_source if isinstance(self.label_source, str) else "topics"
        if source != "topics" and (not source.startswith("column:") or source[len("column:"):] not in columns):
            source = "topics"
        self.label_source = source
        self.legend_order = self.legend_order if self.legend_order in ("natural", "count") else "natural"
        featured = self.featured_categories if isinstance(self.featured_categories, (list, tuple)) else []
        self.featured_categories = [str(c) for c in featured][:10]
        chosen = self.search_columns if isinstance(self.search_columns, (list, tuple)) else []
        self.search_columns = [c for c in chosen if isinstance(c, str) and c in columns]


# What each input field of a panel record may hold; anything else reads as "not chosen".
_INPUT_TYPES = {"str": str, "int": int, "bool": bool}


def _sanitize_panel(record: Evented, n_items: int) -> None:
    result_types = {"result": (Neighbors, AnalogyResult, ClusterResult), "evaluation": (AnalogyEvaluation,),
                    "weat": (WeatResult,), "direction": (Direction,), "direction_scores": (DirectionScores,)}
    for f in fields(record):  # type: ignore[arg-type]
        value = getattr(record, f.name)
        if f.name in result_types:
            if value is not None and not isinstance(value, result_types[f.name]):
                setattr(record, f.name, None)
            continue
        if f.name in ("names", "description", "how", "space"):
            continue
        kind = str(f.type).split(" | ")[0]
        wanted = _INPUT_TYPES.get(kind)
        if value is not None and wanted is not None and (type(value) is not wanted):
            setattr(record, f.name, None)
    if isinstance(record, NeighborsSession):
        if record.result is not None and (len(record.result.indices) == 0
                                          or int(np.max(record.result.indices)) >= n_items):
            record.result = None
        record.description = str(record.description or "")
        record.how = str(record.how or "exact")
        record.space = record.space if isinstance(record.space, str) else None
    if isinstance(record, ClustersSession):
        if record.result is not None and (len(record.result.labels) != n_items or not isinstance(record.names, dict)):
            record.result = None
        if record.result is None:
            record.names = None
    if isinstance(record, BiasSession) and (record.direction is None) != (record.direction_scores is None):
        record.direction = record.direction_scores = None
