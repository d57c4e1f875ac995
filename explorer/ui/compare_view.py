"""Compare two embedding sets' maps side by side (a window of its own).

Left: the active set's map as the main window shows it. Right: another set's map, aligned onto the
left one by orthogonal Procrustes with scale and translation (explorer.core.align), so that the two
view boxes can share one range: zooming or panning either moves the other. Hover and selection are
the session's (AppState): hovering an item in one map rings it in the other, and selecting in
either (or clicking a row of the data-quality panel's comparison) shows in both.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from explorer.core.align import Alignment, procrustes
from explorer.state import AppState
from explorer.ui.scatter_view import ScatterView
from explorer.ui.workers import JobRunner, connect_current


class LinkedMap(ScatterView):
    """A map in the compare window: it follows the session like the main map but leaves the
    session's visible range alone (the main map's)."""

    def record_view(self) -> None:
        pass

    def _restore_range(self) -> None:
        pass


class OtherSetMap(LinkedMap):
    """Another set's map, placed onto the active set's by ``show``; region labels are the active
    map's, so none are drawn here."""

    _coords: np.ndarray | None = None

    def coords(self) -> np.ndarray | None:
        project = self.state.project
        if project is None or self._coords is None or len(self._coords) != len(project.embeddings):
            return None
        return self._coords

    def show_coords(self, coords: np.ndarray | None) -> None:
        """Draw these coordinates (None: nothing) with the session's colours and look."""
        self._coords = coords
        self._on_project_changed()

    def _on_project_changed(self) -> None:
        if self.coords() is None:  # no map of set B (yet), or one of another project
            self._coords = None
            self.coloring = None
            self.cloud.set_points(np.zeros((0, 2), np.float32))
            self.cloud.set_colors(np.zeros((0, 3), np.uint8))
            self._rebuild_legend()
            return
        super()._on_project_changed()

    def _on_colors_changed(self) -> None:
        if self.coords() is not None:
            super()._on_colors_changed()

    def _update_region_labels(self) -> None:
        self.label_layer.set_regions(None)


class CompareWindow(QWidget):
    """The two maps, the choice of set B and its map, and how well B's map fits A's."""

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("Compare maps")
        self.state = state
        self.alignment: Alignment | None = None
        self.map_a = LinkedMap(state)
        self.map_b = OtherSetMap(state)
        for view in (self.map_a, self.map_b):
            view.set_legend_shown(False)
        self.title_a = QLabel()
        self.set_b = QComboBox()
        self.set_b.setToolTip("The embedding set shown on the right")
        self.map_b_choice = QComboBox()
        self.map_b_choice.setToolTip("Which of that set's maps")
        self.fit_note = QLabel()
        self.fit_note.setWordWrap(True)
        self.map_button = QPushButton("Compute a PCA map of B")
        self.map_button.setToolTip("Set B has no map yet (e.g. a set from an older project): compute one")
        self.map_button.setVisible(False)
        self.map_button.clicked.connect(self.compute_map_b)
        self.runner = JobRunner(self)
        connect_current(self.runner, "finished", self._map_computed)
        connect_current(self.runner, "failed", lambda message: self.fit_note.setText(f"⚠ {message}"))
        self.set_b.activated.connect(lambda _: self._fill_maps())
        self.map_b_choice.activated.connect(lambda _: self.refresh_b())
        top = QHBoxLayout()
        top.addWidget(self.title_a, 1)
        top.addWidget(QLabel("Set B"))
        top.addWidget(self.set_b)
        top.addWidget(QLabel("map"))
        top.addWidget(self.map_b_choice)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.map_a)
        splitter.addWidget(self.map_b)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.fit_note, 1)
        bottom.addWidget(self.map_button)
        layout.addLayout(bottom)
        self._linking = False
        self.map_a.view_box.sigRangeChanged.connect(lambda *_: self._link(self.map_a, self.map_b))
        self.map_b.view_box.sigRangeChanged.connect(lambda *_: self._link(self.map_b, self.map_a))
        self._connections = [(state.project_changed, self.refill), (state.sets_changed, self.refill),
                             (state.projection_changed, self.refresh_b),
                             (state.projections_changed, self._fill_maps)]
        for signal, slot in self._connections:
            signal.connect(slot)
        self.resize(1100, 560)
        if state.project is not None:  # made after the project was opened: pull it once
            self.map_a.refresh()
        self.refill()

    # ------------------------------------------------------------------ choices
    def refill(self, prefer: str | None = None) -> None:
        """The sets other than the active one (keeping the chosen one where it still exists)."""
        project = self.state.project
        current = prefer or self.set_b.currentText()
        self.set_b.clear()
        if project is not None:
            others = [name for name in project.set_names() if name != project.active_set]
            self.set_b.addItems(others)
            if current in others:
                self.set_b.setCurrentText(current)
        self._fill_maps()

    def _fill_maps(self) -> None:
        project = self.state.project
        chosen = self.map_b_choice.currentText()
        self.map_b_choice.clear()
        name = self.set_b.currentText()
        if project is not None and name in project.sets:
            maps = list(project.set_projections(name))
            self.map_b_choice.addItems(maps)
            if chosen in maps:
                self.map_b_choice.setCurrentText(chosen)
            elif project.view.projection in maps:  # a map of the same name (e.g. PCA) by default
                self.map_b_choice.setCurrentText(project.view.projection)
        self.refresh_b()

    def show_set(self, name: str) -> None:
        """Show set ``name`` on the right (e.g. the set a comparison was run against)."""
        self.refill(prefer=name)

    # ------------------------------------------------------------------ maps
    def refresh_b(self) -> None:
        """Align B's chosen map onto A's shown map and draw it; say how well they fit."""
        project = self.state.project
        self.alignment = None
        a_projection = project.current_projection if project is not None else None
        self.title_a.setText(f"<b>A</b>: {project.active_set} — {a_projection.name}" if a_projection
                             else "<b>A</b>: no map")
        name, map_name = self.set_b.currentText(), self.map_b_choice.currentText()
        coords = None
        if project is None or a_projection is None:
            self.fit_note.setText("")
        elif not name:
            self.fit_note.setText("The project has one embedding set: embed the items again with another "
                                  "model (Data quality ▸ Compare ▸ Embed again…) to compare two.")
        elif not map_name:
            self.fit_note.setText(f"Set {name!r} has no map yet.")
        else:
            source = project.set_projections(name)[map_name].coords
            try:
                self.alignment = procrustes(source, a_projection.coords, match_spread=True)
                coords = self.alignment.apply(source)
                self.fit_note.setText(
                    f"B ({name} — {map_name}) is rotated, moved and scaled to A's size (Procrustes); the "
                    f"best such fit leaves {self.alignment.disparity:.0%} of A's spread apart. Zoom, hover "
                    "and selection are shared.")
            except ValueError as err:
                self.fit_note.setText(f"⚠ {err}")
        self._linking = True  # B fits itself to its new points; then it takes A's range
        try:
            self.map_b.show_coords(coords)
        finally:
            self._linking = False
        self.map_button.setVisible(bool(project is not None and name and not map_name))
        self._link(self.map_a, self.map_b)

    def compute_map_b(self) -> None:
        """A PCA map of set B, computed in the worker and kept with that set."""
        from explorer.core.projections import project as compute_map  # noqa: PLC0415

        project, name = self.state.project, self.set_b.currentText()
        if project is None or name not in project.sets or self.runner.running:
            return
        self._computing = (project, name)
        self.fit_note.setText(f"Computing a PCA map of {name}…")
        self.runner.start(compute_map(project.set_vectors(name), "pca"), f"PCA map of {name}")

    def _map_computed(self, projection) -> None:
        project, name = getattr(self, "_computing", (None, None))
        if project is not self.state.project or project is None or name not in project.sets \
                or name == project.active_set:
            return  # the project or the active set changed meanwhile
        project.set_projections(name)[projection.name] = projection
        self.state.set_dirty()
        self.map_b_choice.clear()
        self._fill_maps()

    def _link(self, source: ScatterView, target: ScatterView) -> None:
        """Give ``target`` the range ``source`` shows (the maps share one frame once aligned)."""
        if self._linking or target.coords() is None or source.coords() is None:
            return
        self._linking = True
        try:
            target.view_box.setRange(rect=source.view_box.viewRect(), padding=0)
            target._auto_fit = False
        finally:
            self._linking = False

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        """A closed compare window stops following the session (it is made anew when reopened)."""
        for signal, slot in self._connections:
            signal.disconnect(slot)
        self._connections = []
        self.runner.cancel()
        self.map_a.detach()
        self.map_b.detach()
        super().closeEvent(event)
        self.deleteLater()


class CompareMaps(QObject):
    """Opens the compare window on demand (Map ▸ Compare Maps Side by Side) and keeps one at a time."""

    def __init__(self, state: AppState, parent: QWidget) -> None:
        super().__init__(parent)
        self.state = state
        self.window: CompareWindow | None = None

    def open(self, set_name: str | None = None) -> CompareWindow:
        if self.window is None:
            self.window = CompareWindow(self.state, self.parent())
            self.window.destroyed.connect(self._forget)
        if isinstance(set_name, str) and set_name:
            self.window.show_set(set_name)
        self.window.show()
        self.window.raise_()
        self.window.activateWindow()
        return self.window

    def _forget(self) -> None:
        self.window = None
