"""The map: a thin pull-view over AppState (Orange's scatter base, pyqtgraph's overlay habit).

The state says "projection / colours / selection / hover changed"; the view asks the state for the
data. Points are drawn by PointCloudItem; the selection and the hovered point are small overlay items.
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtWidgets import QToolTip

from explorer.core.colors import Coloring, color_points, viridis
from explorer.state import AppState
from explorer.ui.point_cloud import PointCloudItem, auto_radius

SELECTION_PEN = pg.mkPen("#111111", width=2)
HOVER_PEN = pg.mkPen("#ff2d55", width=2.5)
MAX_TOOLTIP_CHARS = 300


def item_tooltip(state: AppState, index: int) -> str:
    project = state.project
    emb = project.embeddings
    text = emb.texts[index]
    if len(text) > MAX_TOOLTIP_CHARS:
        text = text[:MAX_TOOLTIP_CHARS] + "…"
    lines = [f"<b>{html.escape(text)}</b>"]
    color_by = project.view.color_by
    if color_by:
        lines.append(f"{html.escape(color_by)}: {html.escape(str(emb.metadata[color_by][index]))}")
    lines.append(f"<span style='color:#777'>id {html.escape(emb.ids[index])}</span>")
    return "<br>".join(lines)


class ScatterView(pg.PlotWidget):
    point_hovered = Signal(object)  # index or None (for tests and status messages)

    def __init__(self, state: AppState, parent=None) -> None:
        super().__init__(parent=parent, background="w")
        self.state = state
        self.coloring: Coloring | None = None
        self.tooltip_text = ""
        plot = self.getPlotItem()
        plot.hideAxis("left")
        plot.hideAxis("bottom")
        plot.setMenuEnabled(False)
        plot.hideButtons()
        self.view_box = plot.getViewBox()
        self.view_box.setAspectLocked(True)
        self.view_box.setDefaultPadding(0.02)
        self.cloud = PointCloudItem()
        self.selection_item = pg.ScatterPlotItem(size=11, pen=SELECTION_PEN, brush=None, pxMode=True)
        self.hover_item = pg.ScatterPlotItem(size=14, pen=HOVER_PEN, brush=None, pxMode=True)
        self.selection_item.setZValue(10)
        self.hover_item.setZValue(11)
        for item in (self.cloud, self.selection_item, self.hover_item):
            plot.addItem(item)
        self.legend = pg.LegendItem(offset=(10, 10), labelTextSize="9pt", labelTextColor="#222222", brush=pg.mkBrush(255, 255, 255, 215),
                                    pen=pg.mkPen("#cccccc"))
        self.legend.setParentItem(self.view_box)
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.scene().sigMouseClicked.connect(self._on_mouse_clicked)
        state.project_changed.connect(self._on_project_changed)
        state.projection_changed.connect(self._on_projection_changed)
        state.colors_changed.connect(self._on_colors_changed)
        state.selection_changed.connect(self._update_selection)
        state.hover_changed.connect(self._update_hover)
        state.preview_changed.connect(self._on_projection_changed)

    # ------------------------------------------------------------------ state -> view
    def coords(self) -> np.ndarray | None:
        if self.state.preview is not None:
            return self.state.preview
        project = self.state.project
        projection = project.current_projection if project else None
        return projection.coords if projection is not None else None

    def _on_project_changed(self) -> None:
        self._on_projection_changed()
        self._on_colors_changed()

    def _on_projection_changed(self) -> None:
        coords = self.coords()
        if coords is not None:
            self.cloud.radius = auto_radius(len(coords))
        self.cloud.set_points(coords if coords is not None else np.zeros((0, 2), np.float32))
        self._update_selection()
        self._update_hover()
        self.reset_view()

    def reset_view(self) -> None:
        if self.cloud.point_count:
            self.view_box.setRange(rect=self.cloud.data_bounds(), padding=0.02)

    def _on_colors_changed(self) -> None:
        project = self.state.project
        if project is None:
            self.coloring = None
            self._rebuild_legend()
            return
        column = project.view.color_by
        values = project.embeddings.metadata.get(column) if column else None
        self.coloring = color_points(len(project.embeddings), values)
        self.cloud.set_colors(self.coloring.rgb)
        self._rebuild_legend()

    def _rebuild_legend(self) -> None:
        self.legend.clear()
        coloring = self.coloring
        if coloring is None or coloring.kind == "none":
            self.legend.setVisible(False)
            return
        self.legend.setVisible(True)
        if coloring.kind == "categorical":
            for label, color, count in coloring.legend:
                swatch = pg.ScatterPlotItem(symbol="o", size=9, brush=pg.mkBrush(color), pen=None)
                self.legend.addItem(swatch, f"{label}  ({count:,})")
        else:
            lo, hi = coloring.value_range
            for t, label in ((0.0, f"{lo:.4g}"), (0.5, f"{(lo + hi) / 2:.4g}"), (1.0, f"{hi:.4g}")):
                r, g, b = viridis(np.array([t]))[0]
                swatch = pg.ScatterPlotItem(symbol="s", size=10, brush=pg.mkBrush(int(r), int(g), int(b)), pen=None)
                self.legend.addItem(swatch, label)

    def _update_selection(self) -> None:
        coords = self.coords()
        selected = self.state.selection
        if coords is None or not selected:
            self.selection_item.setData([], [])
            return
        xy = coords[np.asarray(selected)]
        self.selection_item.setData(x=xy[:, 0], y=xy[:, 1])

    def _update_hover(self) -> None:
        coords = self.coords()
        index = self.state.hovered
        if coords is None or index is None:
            self.hover_item.setData([], [])
            return
        self.hover_item.setData(x=[coords[index, 0]], y=[coords[index, 1]])

    # ------------------------------------------------------------------ view -> state
    def pick_at_scene(self, scene_pos: QPointF) -> int | None:
        if not self.view_box.sceneBoundingRect().contains(scene_pos) or not self.cloud.point_count:
            return None
        data = self.view_box.mapSceneToView(scene_pos)
        pixel_w, pixel_h = self.view_box.viewPixelSize()
        return self.cloud.pick(data.x(), data.y(), pixel_w, pixel_h)

    def scene_pos_of(self, index: int) -> QPointF:
        coords = self.coords()
        return self.view_box.mapViewToScene(QPointF(float(coords[index, 0]), float(coords[index, 1])))

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        if self.state.project is None:
            return
        index = self.pick_at_scene(scene_pos)
        self.state.set_hovered(index)
        if index is None:
            self.tooltip_text = ""
            QToolTip.hideText()
        else:
            self.tooltip_text = item_tooltip(self.state, index)
            global_pos = self.mapToGlobal(self.mapFromScene(scene_pos))
            QToolTip.showText(global_pos, self.tooltip_text, self)
        self.point_hovered.emit(index)

    def _on_mouse_clicked(self, event) -> None:
        if self.state.project is None or event.button() != Qt.MouseButton.LeftButton:
            return
        if event.double():
            return
        index = self.pick_at_scene(event.scenePos())
        additive = bool(event.modifiers() & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier))
        if index is None:
            if not additive:
                self.state.select([])
            return
        if additive:
            current = set(self.state.selection)
            current.symmetric_difference_update({index})
            self.state.select(sorted(current))
        else:
            self.state.select([index])
        event.accept()
