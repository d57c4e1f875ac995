"""The map's own controls: the labels computed in the background, and the View menu's map entries
(Labels, label source, Density, Legend and its order). The main window creates one MapControls
and adds its menu; everything else goes through the state."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu, QToolButton, QWidget

from explorer.core.labels import LabelError, MapLabels, labels_for
from explorer.state import AppState
from explorer.ui.scatter_view import ScatterView
from explorer.ui.workers import JobRunner, connect_current


class LabelsController(QObject):
    """Computes the shown projection's labels in a worker when the project has none for it (on open,
    on a new projection, on another label source); the newest request wins."""

    message = Signal(str)  # for the status bar

    def __init__(self, state: AppState, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.runner = JobRunner(self)
        self._wanted: tuple | None = None
        self._failed: set[tuple] = set()
        connect_current(self.runner, "finished", self._done)
        connect_current(self.runner, "failed", self._on_failed)
        for signal in (state.project_changed, state.projection_changed, state.labels_changed,
                       state.preview_changed):
            signal.connect(self.ensure)

    def ensure(self) -> None:
        state, project = self.state, self.state.project
        if project is None or not project.view.show_labels or state.preview is not None:
            return
        projection = project.current_projection
        if projection is None or state.current_labels() is not None:
            return
        key = (id(project), projection.name, project.view.label_source)
        if key == self._wanted and self.runner.running or key in self._failed:
            return
        try:
            job = labels_for(project.embeddings, projection.coords, project.view.label_source,
                             projection.name, project.view.color_by)
        except LabelError as err:
            self._failed.add(key)
            self.message.emit(f"No labels: {err}")
            return
        self._wanted = key
        self.runner.start(job, "map labels")

    def _done(self, labels: MapLabels) -> None:
        project = self.state.project
        if project is None or self._wanted is None or self._wanted[0] != id(project):
            return
        if labels.source == project.view.label_source:
            self.state.set_map_labels(labels)

    def _on_failed(self, message: str) -> None:
        if self._wanted is not None:
            self._failed.add(self._wanted)
        self.message.emit(f"No labels: {message}")


class MapControls(QObject):
    def __init__(self, state: AppState, scatter: ScatterView, parent: QWidget) -> None:
        super().__init__(parent)
        self.state = state
        self.scatter = scatter
        self.labels = LabelsController(state, self)
        self.labels_action = self._toggle("&Labels", "Ctrl+L",
                                          "Names of the map's regions, finer as you zoom in",
                                          state.set_show_labels)
        self.density_action = self._toggle("&Density", "Ctrl+Shift+D", "Shade where points are dense, with contours",
                                           state.set_show_density)
        self.legend_action = self._toggle("Le&gend", None, "Show the legend beside the map",
                                          scatter.set_legend_shown)
        self.legend_action.setChecked(True)
        self.label_source_menu = QMenu("Label &By", parent)
        self.label_source_menu.aboutToShow.connect(self._fill_label_sources)
        self.order_menu = QMenu("Legend &Order", parent)
        self.order_group = QActionGroup(self)
        self.order_actions = {}
        for order, title in (("natural", "&Natural (0-9, A-Z)"), ("count", "By &Count")):
            action = self.order_menu.addAction(title)
            action.setCheckable(True)
            action.triggered.connect(lambda _=False, o=order: state.set_legend_order(o))
            self.order_group.addAction(action)
            self.order_actions[order] = action
        state.project_changed.connect(self.sync)
        state.labels_changed.connect(self.sync)
        state.density_changed.connect(self.sync)
        state.colors_changed.connect(self.sync)
        self.sync()

    def _toggle(self, title: str, key: str | None, tip: str, slot) -> QAction:
        action = QAction(title, self.parent())
        action.setCheckable(True)
        if key:
            action.setShortcut(QKeySequence(key))
        action.setToolTip(tip)
        action.toggled.connect(slot)
        return action

    def add_to(self, menu: QMenu) -> None:
        menu.addSeparator()
        menu.addAction(self.labels_action)
        menu.addMenu(self.label_source_menu)
        menu.addAction(self.density_action)
        menu.addAction(self.legend_action)
        menu.addMenu(self.order_menu)

    def sync(self) -> None:
        """The checkmarks show what the state says (after opening a project, say)."""
        project = self.state.project
        for action, on in ((self.labels_action, project is not None and project.view.show_labels),
                           (self.density_action, project is not None and project.view.show_density)):
            action.blockSignals(True)
            action.setChecked(bool(on))
            action.blockSignals(False)
        for action in (self.labels_action, self.density_action):
            action.setEnabled(project is not None)
        if project is not None:
            self.order_actions.get(project.view.legend_order, self.order_actions["natural"]).setChecked(True)

    def _fill_label_sources(self) -> None:
        menu = self.label_source_menu
        menu.clear()
        project = self.state.project
        if project is None:
            return
        group = QActionGroup(menu)
        choices = [("topics", "&Topics (automatic)")] + [
            (f"column:{name}", name) for name in project.embeddings.metadata
            if project.embeddings.metadata[name].dtype.kind not in "fc"]
        for source, title in choices:
            action = menu.addAction(title)
            action.setCheckable(True)
            action.setChecked(source == project.view.label_source)
            action.triggered.connect(lambda _=False, s=source: self.choose_label_source(s))
            group.addAction(action)

    def choose_label_source(self, source: str) -> None:
        self.state.set_label_source(source)
        self.state.set_show_labels(True)


def count_text(matches) -> str:
    """"1 match", "2,345 matches", or nothing without a search."""
    if matches is None:
        return ""
    n = len(matches)
    return f"{n:,} match" if n == 1 else f"{n:,} matches"


def search_columns_button(state: AppState, parent: QWidget, changed=None) -> QToolButton:
    """A button whose menu picks the columns a search looks in besides the items' text; ``changed``
    is called after a change (to search again and show the count)."""
    button = QToolButton(parent)
    button.setText("In…")
    button.setToolTip("Columns the search looks in besides the items' own text")
    button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
    menu = QMenu(button)

    def fill() -> None:
        menu.clear()
        project = state.project
        text = menu.addAction("Text")
        text.setCheckable(True)
        text.setChecked(True)
        text.setEnabled(False)
        if project is None:
            return
        chosen = set(project.view.search_columns)
        for name in project.embeddings.metadata:
            action = menu.addAction(name)
            action.setCheckable(True)
            action.setChecked(name in chosen)
            action.toggled.connect(lambda on, n=name: toggle(n, on))

    def toggle(name: str, on: bool) -> None:
        project = state.project
        if project is None:
            return
        columns = [c for c in project.view.search_columns if c != name] + ([name] if on else [])
        state.set_search_columns(columns)
        if changed is not None:
            changed()

    menu.aboutToShow.connect(fill)
    button.setMenu(menu)
    button.column_menu = menu
    return button
