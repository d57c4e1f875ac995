"""AppState: the one owner of the session. It holds the open project and its evented session record
(``project.view``, explorer.core.session), marks the project dirty on every change of a saved field,
and tells the views what changed through one signal per kind of change. Views read it and write it;
they never talk to each other (glue's hub / napari's evented models, in miniature).

What is not saved lives here too: the hovered item, a running layout's preview, the search matches
(derived from the saved search text).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from explorer.core.labels import LabelError, MapLabels
from explorer.core.project import Project, Projection, VectorSet
from explorer.core.selection import SearchTooSlow, search
from explorer.state.events import Signal


class AppState:
    def __init__(self) -> None:
        self.project: Project | None = None
        self.path: Path | None = None
        self.dirty = False
        self.revision = 0  # counts changes, so a save can tell whether it saved the latest
        self._derived = False  # set while derived data (map labels) is stored in the session
        self.hovered: int | None = None
        self.preview: np.ndarray | None = None
        self.search_matches: np.ndarray | None = None  # None: no search running
        self.project_changed = Signal()  # a new project (or none) was loaded
        self.projection_changed = Signal()  # the shown projection changed
        self.colors_changed = Signal()  # the colouring column changed
        self.selection_changed = Signal()  # selected items changed
        self.hover_changed = Signal()  # the hovered item changed
        self.dirty_changed = Signal()  # the unsaved-changes flag changed
        self.path_changed = Signal()  # the project's file changed (open, save as)
        self.projections_changed = Signal()  # a projection was added or removed
        self.preview_changed = Signal()  # a running layout's intermediate coordinates
        self.search_changed = Signal()  # the search matches changed
        self.visibility_changed = Signal()  # categories were hidden or shown
        self.focus_changed = Signal()  # the item in focus (within a selection) changed
        self.highlight_changed = Signal()  # a panel's result items to mark on the map
        self.arrows_changed = Signal()  # arrows to draw on the map (analogies)
        self.columns_changed = Signal()  # a metadata column was added (e.g. clusters)
        self.bookmarks_changed = Signal()  # a named selection was added or removed
        self.appearance_changed = Signal()  # point size, opacity or the visible range changed
        self.source_changed = Signal()  # where the project's data files are (images) changed
        self.panel_changed = Signal()  # (panel name, field): a panel's saved inputs or result changed
        self.labels_changed = Signal()  # map labels were computed, switched on or off, or re-sourced
        self.density_changed = Signal()  # density shading was switched on or off
        self.reveal_requested = Signal()  # (indices): bring these items into view on the map
        self.sets_changed = Signal()  # an embedding set was added or removed
        self.set_switched = Signal()  # another embedding set became the active one (project_changed follows)
        # which signal a change of each saved view field fires (panel records: panel_changed)
        self._signals = {
            "projection": self.projection_changed, "color_by": self.colors_changed,
            "selected": self.selection_changed, "focus": self.focus_changed,
            "hidden_categories": self.visibility_changed, "highlighted": self.highlight_changed,
            "arrows": self.arrows_changed, "point_size": self.appearance_changed,
            "opacity": self.appearance_changed, "view_range": self.appearance_changed,
            "show_labels": self.labels_changed, "label_source": self.labels_changed,
            "map_labels": self.labels_changed, "show_density": self.density_changed,
            "legend_order": self.colors_changed, "featured_categories": self.colors_changed,
        }

    # ----------------------------------------------------------------------------- project
    def set_project(self, project: Project | None, path: Path | None = None) -> None:
        """Show ``project``, restoring what its session recorded (search, hidden categories, the
        item in focus, each panel's inputs and results). Ends clean: the views may fill inputs the
        file left unchosen while they bind, which is not a change of the user's."""
        if self.project is not None:
            self.project.view.changed.disconnect(self._on_view_changed)
        self.project = project
        self.hovered = None
        self.preview = None
        self.search_matches = None
        if project is not None:
            view = project.view
            if view.search:
                try:
                    self.search_matches = search(project.embeddings, view.search, regex=view.search_regex,
                                                 columns=self.search_scope(project))
                except ValueError:
                    view.search = ""
            if view.focus is not None and view.focus not in view.selected:
                view.focus = None
            view.changed.connect(self._on_view_changed)
        self.path = Path(path) if path is not None else None
        self.project_changed.emit()
        self.path_changed.emit()
        self.set_dirty(False)

    def _on_view_changed(self, name: str, value: Any) -> None:
        """Every change of a saved field: mark dirty, then tell the views that depend on it."""
        if not self._derived:
            self.set_dirty()
        panel, _, field = name.partition(".")
        if field:
            self.panel_changed.emit(panel, field)
        elif name in ("search", "search_regex"):
            self.search_changed.emit()
        elif name in self._signals:
            if name == "color_by":
                self.visibility_changed.emit()  # hidden categories were reset with the column
            self._signals[name].emit()

    def set_path(self, path: Path) -> None:
        self.path = Path(path)
        self.path_changed.emit()

    def set_dirty(self, dirty: bool = True) -> None:
        if dirty:
            self.revision += 1
        if dirty != self.dirty:
            self.dirty = dirty
            self.dirty_changed.emit()

    # ----------------------------------------------------------------------------- saved view fields
    @property
    def selection(self) -> list[int]:
        return list(self.project.view.selected) if self.project else []

    @property
    def focus(self) -> int | None:
        return self.project.view.focus if self.project else None

    @property
    def search_text(self) -> str:
        return self.project.view.search if self.project else ""

    @property
    def search_regex(self) -> bool:
        return self.project.view.search_regex if self.project else False

    @property
    def hidden_categories(self) -> set[str]:
        return set(self.project.view.hidden_categories) if self.project else set()

    @property
    def highlighted(self) -> np.ndarray | None:
        marked = self.project.view.highlighted if self.project else None
        return None if marked is None else np.asarray(marked, dtype=np.int64)

    @property
    def arrows(self) -> list[tuple[int, int]]:
        return list(self.project.view.arrows) if self.project else []

    def select(self, indices: list[int] | np.ndarray) -> None:
        if self.project is None:
            return
        n = len(self.project.embeddings)
        unique = np.unique(np.asarray(indices, dtype=np.int64).ravel())  # sorted; fast for 1M points
        cleaned = unique[(unique >= 0) & (unique < n)].tolist()
        view = self.project.view
        if cleaned != view.selected:
            if view.focus is not None and view.focus not in cleaned:
                view.focus = None
            view.selected = cleaned

    def set_hovered(self, index: int | None) -> None:
        if index != self.hovered:
            self.hovered = index
            self.hover_changed.emit()

    def set_projection(self, name: str) -> None:
        if self.project is None or name not in self.project.projections:
            return
        self.project.view.projection = name

    def add_projection(self, projection: Projection, show: bool = True) -> None:
        if self.project is None:
            return
        self.project.add_projection(projection)
        self.projections_changed.emit()
        self.set_dirty()
        if show:
            if self.project.view.projection == projection.name:  # a recomputed one under the same name
                self.projection_changed.emit()
            self.set_projection(projection.name)

    # ----------------------------------------------------------------------------- embedding sets
    @property
    def active_set(self) -> str | None:
        return self.project.active_set if self.project else None

    def add_set(self, vector_set: VectorSet, activate: bool = False) -> None:
        """Keep another embedding of the items (ValueError: a name in use, another size)."""
        if self.project is None:
            return
        self.project.add_set(vector_set)
        self.sets_changed.emit()
        self.set_dirty()
        if activate:
            self.switch_set(vector_set.name)

    def remove_set(self, name: str) -> None:
        if self.project is not None:
            self.project.remove_set(name)
            self.sets_changed.emit()
            self.set_dirty()

    def switch_set(self, name: str) -> None:
        """Make set ``name`` the one every view works on (KeyError for an unknown set): the map,
        the panels and the index follow it, and its panel results come back as it left them. The
        views are told once, as for a newly opened project (``project_changed``); the selection,
        colouring and search stay, as the items are the same."""
        project = self.project
        if project is None or name == project.active_set:
            return
        if name not in project.sets:
            raise KeyError(name)
        self.preview = None
        view = project.view
        view.changed.disconnect(self._on_view_changed)  # one refresh below, not one per field
        try:
            project.switch_set(name)
        finally:
            view.changed.connect(self._on_view_changed)
        self.hovered = None
        self.set_switched.emit()
        self.project_changed.emit()
        self.set_dirty()

    def set_preview(self, coords: np.ndarray | None) -> None:
        """Show intermediate coordinates of a layout being optimised (None: back to the project)."""
        if self.project is not None and coords is not None and len(coords) != len(self.project.embeddings):
            return
        self.preview = coords
        self.preview_changed.emit()

    def set_color_by(self, column: str | None) -> None:
        if self.project is None:
            return
        if column is not None and column not in self.project.embeddings.metadata:
            raise KeyError(column)
        view = self.project.view
        if column != view.color_by:
            view.hidden_categories = []
            view.featured_categories = []
            view.color_by = column

    def set_appearance(self, point_size: float | None = None, opacity: float | None = None,
                       view_range: list[float] | None = None) -> None:
        """Record what the user set on the map (each given value)."""
        if self.project is None:
            return
        view = self.project.view
        if point_size is not None:
            view.point_size = float(point_size)
        if opacity is not None:
            view.opacity = float(opacity)
        if view_range is not None:
            view.view_range = [float(v) for v in view_range]

    # ----------------------------------------------------------------------------- finding
    def set_search(self, text: str, regex: bool = False) -> None:
        """Highlight the items matching ``text``; raises ValueError for a bad regular expression
        (and keeps the previous matches: a pattern being typed is often unfinished), and
        SearchTooSlow for one that would take too long (and clears them: they would be taken for
        this search's)."""
        if self.project is None:
            return
        try:
            matches = search(self.project.embeddings, text, regex=regex,
                             columns=self.search_scope(self.project)) if text else None
        except SearchTooSlow:
            self.search_matches = None
            self.search_changed.emit()
            raise
        view = self.project.view
        self.search_matches = matches
        if (text, regex) == (view.search, view.search_regex):
            self.search_changed.emit()  # the same search again (the data may have changed)
            return
        view.search_regex = regex  # views read both on either change
        view.search = text

    @staticmethod
    def search_scope(project: Project) -> list[str]:
        """What a search looks in: the items' own text and the columns the user chose (never a
        computed column such as cluster names, unless chosen)."""
        return ["text", *[c for c in project.view.search_columns if c in project.embeddings.metadata]]

    def set_search_columns(self, columns: list[str]) -> None:
        """Search these metadata columns as well as the text, and search again. Raises ValueError
        when the search cannot run on the new columns (a regular expression too slow on them): the
        columns are kept and the matches cleared, not left from the old columns."""
        if self.project is None:
            return
        self.project.view.search_columns = [c for c in columns if c in self.project.embeddings.metadata]
        if self.search_text:
            self.set_search(self.search_text, self.search_regex)

    def request_reveal(self, indices: list[int] | np.ndarray) -> None:
        """Ask the map to pan and zoom to these items (panels ask; the map decides how)."""
        if self.project is None:
            return
        items = np.asarray(indices, dtype=np.int64).ravel()
        items = items[(items >= 0) & (items < len(self.project.embeddings))]
        if len(items):
            self.reveal_requested.emit(items)

    # ----------------------------------------------------------------------------- map look
    def current_labels(self) -> MapLabels | None:
        """The label candidates of the shown projection from the chosen source, if computed."""
        project = self.project
        if project is None or project.view.projection is None:
            return None
        record = project.view.map_labels.get(project.view.projection)
        if record is None or record.get("source") != project.view.label_source:
            return None
        try:
            return MapLabels.from_record(record)
        except LabelError:
            return None

    def set_map_labels(self, labels: MapLabels) -> None:
        """Keep computed labels for the next save. They are derived data: computing them is not an
        unsaved change of the user's, so a clean project stays clean."""
        if self.project is None or labels.projection not in self.project.projections:
            return
        self._derived = True  # not a change of the user's: neither dirty nor a new revision
        try:
            self.project.view.map_labels = {**self.project.view.map_labels, labels.projection: labels.to_record()}
        finally:
            self._derived = False

    def set_show_labels(self, shown: bool) -> None:
        if self.project is not None:
            self.project.view.show_labels = bool(shown)

    def set_label_source(self, source: str) -> None:
        """"topics" or "column:<name>"; the labels are computed anew by whoever listens."""
        if self.project is None:
            return
        if source != "topics" and (not source.startswith("column:")
                                   or source[len("column:"):] not in self.project.embeddings.metadata):
            raise KeyError(source)
        self.project.view.label_source = source

    def set_show_density(self, shown: bool) -> None:
        if self.project is not None:
            self.project.view.show_density = bool(shown)

    def set_legend_order(self, order: str) -> None:
        if order not in ("natural", "count"):
            raise ValueError(f"legend order must be natural or count, got {order!r}")
        if self.project is not None:
            self.project.view.legend_order = order

    def feature_category(self, label: str) -> None:
        """Give a category grouped under "other" its own colour (it goes first among the coloured)."""
        if self.project is None:
            return
        featured = [label, *[c for c in self.project.view.featured_categories if c != label]]
        self.project.view.featured_categories = featured[:10]

    def toggle_category(self, label: str) -> None:
        if self.project is None:
            return
        self.project.view.hidden_categories = sorted(self.hidden_categories ^ {label})

    def visible_mask(self) -> np.ndarray | None:
        """False for points whose category is hidden in the legend; None when all are shown."""
        project = self.project
        if project is None or not project.view.hidden_categories or not project.view.color_by:
            return None
        values = project.embeddings.metadata[project.view.color_by].astype(str)
        return ~np.isin(values, list(project.view.hidden_categories))

    def set_highlight(self, indices: np.ndarray | list[int] | None) -> None:
        if self.project is not None:
            self.project.view.highlighted = None if indices is None \
                else np.asarray(indices, dtype=np.int64).ravel().tolist()

    def set_arrows(self, arrows: list[tuple[int, int]]) -> None:
        if self.project is not None:
            self.project.view.arrows = [(int(a), int(b)) for a, b in arrows]

    def add_column(self, name: str, values: np.ndarray, color: bool = True) -> None:
        """Add (or replace) a metadata column, e.g. cluster assignments, and colour by it."""
        if self.project is None:
            return
        if len(values) != len(self.project.embeddings):
            raise ValueError(f"column {name!r} has {len(values)} values for {len(self.project.embeddings)} items")
        self.project.embeddings.metadata[name] = np.asarray(values)
        self.columns_changed.emit()
        self.set_dirty()
        if color:
            if self.project.view.color_by == name:  # the same column with new values
                self.project.view.hidden_categories = []
                self.colors_changed.emit()
                self.visibility_changed.emit()
            self.set_color_by(name)

    def set_focus(self, index: int | None) -> None:
        if self.project is not None:
            self.project.view.focus = index

    def set_data_root(self, root: Path) -> None:
        """The folder the project's image paths are relative to, as the user chose it."""
        from explorer.core.project import DataSource  # noqa: PLC0415

        if self.project is None:
            return
        self.project.source = self.project.source or DataSource()
        self.project.source.root = Path(root).expanduser().resolve()
        self.source_changed.emit()
        self.set_dirty()

    def data_changed(self) -> None:
        """The project's source data (its copy, or where it lives) changed outside the session."""
        self.source_changed.emit()
        self.set_dirty()

    # ----------------------------------------------------------------------------- bookmarks
    def add_bookmark(self, name: str, indices: list[int] | np.ndarray | None = None) -> str:
        """Keep a selection (the current one by default) under ``name``; returns the name used."""
        if self.project is None:
            raise ValueError("no project is open")
        name = name.strip()
        if not name:
            raise ValueError("a bookmark needs a name")
        items = self.selection if indices is None else sorted({int(i) for i in indices})
        if not items:
            raise ValueError("nothing is selected to bookmark")
        self.project.bookmarks[name] = items
        self.bookmarks_changed.emit()
        self.set_dirty()
        return name

    def remove_bookmark(self, name: str) -> None:
        if self.project is not None and self.project.bookmarks.pop(name, None) is not None:
            self.bookmarks_changed.emit()
            self.set_dirty()

    def select_bookmark(self, name: str) -> None:
        if self.project is not None and name in self.project.bookmarks:
            self.select(self.project.bookmarks[name])
            self.request_reveal(self.project.bookmarks[name])
