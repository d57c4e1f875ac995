"""The map's own controls: the labels computed in the background, and the View menu's map entries
(Labels, label source, Density, Legend and its order). The main window creates one MapControls
and adds its menu; everything else goes through the state."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QActionGroup, QKeySequence
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
        key = (id(project), project.active_set, projection.name, project.view.label_source)
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
        if project is None or self._wanted is None or self._wanted[:2] != (id(project), project.active_set):
            return
        if labels.source == project.view.label_source:
            self.state.set_map_labels(labels)

    def _on_failed(self, message: str) -> None:
        if self._wanted is not None:
            self._failed.add(self._wanted)
        self.message.emit(f"No labels: {message}")


class MapControls(QObject):
    """Keeps the View menu's map entries (made from the table in explorer.ui.menus: Labels, Label
    By, Density, Legend, Legend Order) in step with the state, and fills their submenus."""

    def __init__(self, state: AppState, scatter: ScatterView, parent: QWidget) -> None:
        super().__init__(parent)
        self.state = state
        self.scatter = scatter
        self.labels = LabelsController(state, self)
        self.window: QWidget | None = None
        for signal in (state.project_changed, state.labels_changed, state.density_changed):
            signal.connect(self.sync)

    def bind(self, window: QWidget) -> None:
        """After the window made its actions: add Ctrl+0 to Fit, tick what the state says."""
        self.window = window
        window.reset_view_action.setShortcuts([QKeySequence("Home"), QKeySequence("Ctrl+0")])
        window.legend_action.setChecked(self.scatter.legend_shown)
        self.sync()

    def sync(self) -> None:
        """The checkmarks show what the state says (after opening a project, say)."""
        window, project = self.window, self.state.project
        if window is None:
            return
        for action, on in ((window.labels_action, project is not None and project.view.show_labels),
                           (window.density_action, project is not None and project.view.show_density)):
            action.blockSignals(True)
            action.setChecked(bool(on))
            action.blockSignals(False)

    def fill_label_sources(self) -> None:
        menu = self.window.label_source_menu
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

    def fill_legend_order(self) -> None:
        menu = self.window.legend_order_menu
        menu.clear()
        project = self.state.project
        group = QActionGroup(menu)
        for order, title in (("natural", "&Natural (0-9, then A-Z)"), ("count", "By &Count")):
            action = menu.addAction(title)
            action.setCheckable(True)
            action.setChecked(project is not None and project.view.legend_order == order)
            action.setEnabled(project is not None)
            action.triggered.connect(lambda _=False, o=order: self.state.set_legend_order(o))
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
    button.setText("In ▾")
    button.setStyleSheet("QToolButton::menu-indicator { image: none; width: 0px; }")  # the ▾ says it
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
        try:
            state.set_search_columns(columns)
        except ValueError:
            pass  # a search too slow on the new columns: ``changed`` searches again and shows why
        if changed is not None:
            changed()

    menu.aboutToShow.connect(fill)
    button.setMenu(menu)
    button.column_menu = menu
    return button
