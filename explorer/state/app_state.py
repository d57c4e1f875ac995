"""AppState: what is loaded, shown, selected and hovered. Views read it and write it; they never
talk to each other (glue's hub / napari's evented models, in miniature)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from explorer.core.labels import LabelError, MapLabels
from explorer.core.project import Project, Projection
from explorer.core.selection import search
from explorer.state.events import Signal


class AppState:
    def __init__(self) -> None:
        self.project: Project | None = None
        self.path: Path | None = None
        self.dirty = False
        self.revision = 0  # counts changes, so a save can tell whether it saved the latest
        self.hovered: int | None = None
        self.project_changed = Signal()  # a new project (or none) was loaded
        self.projection_changed = Signal()  # the shown projection changed
        self.colors_changed = Signal()  # the colouring column changed
        self.selection_changed = Signal()  # selected items changed
        self.hover_changed = Signal()  # the hovered item changed
        self.dirty_changed = Signal()  # the unsaved-changes flag changed
        self.path_changed = Signal()  # the project's file changed (open, save as)
        self.projections_changed = Signal()  # a projection was added or removed
        self.preview_changed = Signal()  # a running layout's intermediate coordinates
        self.preview: np.ndarray | None = None
        self.search_changed = Signal()  # the search matches changed
        self.visibility_changed = Signal()  # categories were hidden or shown
        self.focus_changed = Signal()  # the item in focus (within a selection) changed
        self.search_text = ""
        self.search_regex = False
        self.search_matches: np.ndarray | None = None  # None: no search running
        self.hidden_categories: set[str] = set()
        self.focus: int | None = None
        self.highlight_changed = Signal()  # a panel's result items to mark on the map
        self.highlighted: np.ndarray | None = None
        self.arrows_changed = Signal()  # arrows to draw on the map (analogies)
        self.arrows: list[tuple[int, int]] = []
        self.columns_changed = Signal()  # a metadata column was added (e.g. clusters)
        self.bookmarks_changed = Signal()  # a named selection was added or removed
        self.labels_changed = Signal()  # map labels were computed, switched on or off, or re-sourced
        self.density_changed = Signal()  # density shading was switched on or off
        self.reveal_requested = Signal()  # (indices): bring these items into view on the map

    # ----------------------------------------------------------------------------- project
    def set_project(self, project: Project | None, path: Path | None = None) -> None:
        """Show ``project``, restoring what its view recorded (search, hidden categories, the item
        in focus, a panel's highlighted results)."""
        self.project = project
        self.hovered = None
        self.preview = None
        self.search_text = ""
        self.search_regex = False
        self.search_matches = None
        self.hidden_categories = set()
        self.focus = None
        self.highlighted = None
        self.arrows = []
        if project is not None:
            view = project.view
            if view.search:
                try:
                    self.search_matches = search(project.embeddings, view.search, regex=view.search_regex,
                                                 columns=self.search_scope(project))
                    self.search_text, self.search_regex = view.search, view.search_regex
                except ValueError:
                    view.search = ""
            self.hidden_categories = set(view.hidden_categories)
            self.focus = view.focus if view.focus in view.selected else None
            self.highlighted = None if view.highlighted is None else np.asarray(view.highlighted, dtype=np.int64)
            self.arrows = list(view.arrows)
        self.path = Path(path) if path is not None else None
        self.project_changed.emit()
        self.path_changed.emit()
        self.set_dirty(False)

    def set_path(self, path: Path) -> None:
        self.path = Path(path)
        self.path_changed.emit()

    def set_dirty(self, dirty: bool = True) -> None:
        if dirty:
            self.revision += 1
        if dirty != self.dirty:
            self.dirty = dirty
            self.dirty_changed.emit()

    # ----------------------------------------------------------------------------- view
    @property
    def selection(self) -> list[int]:
        return list(self.project.view.selected) if self.project else []

    def select(self, indices: list[int] | np.ndarray) -> None:
        if self.project is None:
            return
        n = len(self.project.embeddings)
        unique = np.unique(np.asarray(indices, dtype=np.int64).ravel())  # sorted; fast for 1M points
        cleaned = unique[(unique >= 0) & (unique < n)].tolist()
        if cleaned != self.project.view.selected:
            self.project.view.selected = cleaned
            if self.focus is not None and self.focus not in cleaned:
                self.focus = self.project.view.focus = None
                self.focus_changed.emit()
            self.selection_changed.emit()
            self.set_dirty()

    def set_hovered(self, index: int | None) -> None:
        if index != self.hovered:
            self.hovered = index
            self.hover_changed.emit()

    def set_projection(self, name: str) -> None:
        if self.project is None or name not in self.project.projections:
            return
        if name != self.project.view.projection:
            self.project.view.projection = name
            self.projection_changed.emit()
            self.set_dirty()

    def add_projection(self, projection: Projection, show: bool = True) -> None:
        if self.project is None:
            return
        self.project.add_projection(projection)
        self.projections_changed.emit()
        self.set_dirty()
        if show:
            self.project.view.projection = None  # force a change even when the name is reused
            self.set_projection(projection.name)

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
        if column != self.project.view.color_by:
            self.project.view.color_by = column
            self.project.view.featured_categories = []
            self.hidden_categories = set()
            self.project.view.hidden_categories = []
            self.colors_changed.emit()
            self.visibility_changed.emit()
            self.set_dirty()

    # ----------------------------------------------------------------------------- finding
    def set_search(self, text: str, regex: bool = False) -> None:
        """Highlight the items matching ``text``; raises ValueError for a bad regular expression
        (and keeps the previous matches)."""
        if self.project is None:
            return
        matches = search(self.project.embeddings, text, regex=regex,
                         columns=self.search_scope(self.project)) if text else None
        self.search_text, self.search_regex = text, regex
        self.search_matches = matches
        self.project.view.search, self.project.view.search_regex = text, regex
        self.search_changed.emit()

    @staticmethod
    def search_scope(project: Project) -> list[str]:
        """What a search looks in: the items' own text and the columns the user chose (never a
        computed column such as cluster names, unless chosen)."""
        return ["text", *[c for c in project.view.search_columns if c in project.embeddings.metadata]]

    def set_search_columns(self, columns: list[str]) -> None:
        """Search these metadata columns as well as the text, and search again."""
        if self.project is None:
            return
        self.project.view.search_columns = [c for c in columns if c in self.project.embeddings.metadata]
        self.set_dirty()
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
        if self.project is None or labels.projection not in self.project.projections:
            return
        # Derived data: kept for the next save, but computing it is not an unsaved change.
        self.project.view.map_labels[labels.projection] = labels.to_record()
        self.labels_changed.emit()

    def set_show_labels(self, shown: bool) -> None:
        if self.project is not None and bool(shown) != self.project.view.show_labels:
            self.project.view.show_labels = bool(shown)
            self.set_dirty()
            self.labels_changed.emit()

    def set_label_source(self, source: str) -> None:
        """"topics" or "column:<name>"; the labels are computed anew by whoever listens."""
        if self.project is None:
            return
        if source != "topics" and (not source.startswith("column:")
                                   or source[len("column:"):] not in self.project.embeddings.metadata):
            raise KeyError(source)
        if source != self.project.view.label_source:
            self.project.view.label_source = source
            self.set_dirty()
            self.labels_changed.emit()

    def set_show_density(self, shown: bool) -> None:
        if self.project is not None and bool(shown) != self.project.view.show_density:
            self.project.view.show_density = bool(shown)
            self.set_dirty()
            self.density_changed.emit()

    def set_legend_order(self, order: str) -> None:
        if order not in ("natural", "count"):
            raise ValueError(f"legend order must be natural or count, got {order!r}")
        if self.project is not None and order != self.project.view.legend_order:
            self.project.view.legend_order = order
            self.set_dirty()
            self.colors_changed.emit()

    def feature_category(self, label: str) -> None:
        """Give a category grouped under "other" its own colour (it goes first among the coloured)."""
        if self.project is None:
            return
        featured = [label, *[c for c in self.project.view.featured_categories if c != label]]
        self.project.view.featured_categories = featured[:10]
        self.set_dirty()
        self.colors_changed.emit()

    def toggle_category(self, label: str) -> None:
        self.hidden_categories ^= {label}
        if self.project is not None:
            self.project.view.hidden_categories = sorted(self.hidden_categories)
        self.visibility_changed.emit()

    def visible_mask(self) -> np.ndarray | None:
        """False for points whose category is hidden in the legend; None when all are shown."""
        project = self.project
        if project is None or not self.hidden_categories or not project.view.color_by:
            return None
        values = project.embeddings.metadata[project.view.color_by].astype(str)
        return ~np.isin(values, list(self.hidden_categories))

    def set_highlight(self, indices: np.ndarray | list[int] | None) -> None:
        self.highlighted = None if indices is None else np.asarray(indices, dtype=np.int64)
        if self.project is not None:
            self.project.view.highlighted = None if indices is None else self.highlighted.tolist()
        self.highlight_changed.emit()

    def set_arrows(self, arrows: list[tuple[int, int]]) -> None:
        self.arrows = [(int(a), int(b)) for a, b in arrows]
        if self.project is not None:
            self.project.view.arrows = list(self.arrows)
        self.arrows_changed.emit()

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
            self.project.view.color_by = None
            self.set_color_by(name)

    def set_focus(self, index: int | None) -> None:
        if index != self.focus:
            self.focus = index
            if self.project is not None:
                self.project.view.focus = index
            self.focus_changed.emit()

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
