"""The map: a thin pull-view over AppState (Orange's scatter base, pyqtgraph's overlay habit).

The state says "projection / colours / selection / hover changed"; the view asks the state for the
data. Points are drawn by PointCloudItem; the selection and the hovered point are small overlay items;
region labels and the names of emphasised items by a LabelLayer, density by a DensityLayer. Whatever
is a result (a selection, search matches, neighbours, an analogy) is emphasised and the rest dimmed;
``go_to`` brings items into view when the state asks for it (``reveal_requested``). The legend floats
in the map's top-right corner and every fit (``reset_view``, ``go_to``) keeps the points out from
under it (core.view_fit). Every colour that is not a point's own comes from theme.map_ink, applied
again when the palette changes (``apply_theme``).
"""

from __future__ import annotations

import base64
import html
import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QCursor,
    QGuiApplication,
    QPainter,
    QPainterPath,
    QPalette,
    QPixmap,
    QPolygonF,
)
from PySide6.QtWidgets import QGraphicsPixmapItem, QMenu, QToolTip

from explorer.core.colors import OTHER_COLOR, Coloring, color_points, hex_to_rgb, viridis
from explorer.core.labels import place_labels
from explorer.core.selection import points_in_polygon
from explorer.core.view_fit import fit_points, fit_view
from explorer.state import AppState
from explorer.ui.map_overlay import MAX_NAMES, DensityLayer, LabelLayer
from explorer.ui.point_cloud import PointCloudItem, auto_radius
from explorer.ui.theme import MapInk, map_ink, readable_colors

MAX_TOOLTIP_CHARS = 300
MAX_RINGS = 300  # up to this many selected / marked points get a ring; more are shown by emphasis alone
MAX_THUMBNAIL_CANDIDATES = 400  # with this few points in view, images are drawn as thumbnails
THUMBNAIL_PX = 44
THUMBNAIL_BORDER = 3
MIN_REVEAL_SHARE = 0.12  # go_to shows at least this share of the map's width and height
FIT_MARGIN_PX = 14  # between the outermost points and the map's edge after a fit
LEGEND_GAP_PX = 8  # between the legend and the nearest point after a fit
REVEAL_MARGIN_PX = 36


def item_tooltip(state: AppState, index: int) -> str:
    project = state.project
    emb = project.embeddings
    text = emb.texts[index]
    if len(text) > MAX_TOOLTIP_CHARS:
        text = text[:MAX_TOOLTIP_CHARS] + "…"
    lines = [f"<b>{html.escape(text)}</b>"]
    thumbnail = emb.thumbnail(index)
    if thumbnail:
        lines.insert(0, f"<img src='data:image/png;base64,{base64.b64encode(thumbnail).decode()}'>")
    color_by = project.view.color_by
    if color_by:
        lines.append(f"{html.escape(color_by)}: {html.escape(str(emb.metadata[color_by][index]))}")
    muted = QGuiApplication.palette().color(QPalette.ColorRole.PlaceholderText).name()  # readable light or dark
    lines.append(f"<span style='color:{muted}'>id {html.escape(emb.ids[index])}</span>")
    return "<br>".join(lines)


class SelectViewBox(pg.ViewBox):
    """A ViewBox whose left drag pans, or draws a box or a lasso, depending on ``mode``."""

    shape_drawn = Signal(object, bool)  # polygon (K, 2) in data coordinates, additive

    def __init__(self) -> None:
        super().__init__()
        self.mode = "pan"
        self._outline: list[tuple[float, float]] = []
        self.shape_item = pg.QtWidgets.QGraphicsPathItem()
        self.set_outline_color(QColor("#333333"))
        self.shape_item.setBrush(pg.mkBrush(60, 110, 170, 40))
        self.shape_item.setZValue(1e6)
        self.addItem(self.shape_item, ignoreBounds=True)

    def set_outline_color(self, color: QColor) -> None:
        self.shape_item.setPen(pg.mkPen(color, width=1.5, style=Qt.PenStyle.DashLine))

    def mouseDragEvent(self, ev, axis=None):  # noqa: N802 - pyqtgraph API
        if self.mode == "pan" or ev.button() != Qt.MouseButton.LeftButton:
            super().mouseDragEvent(ev, axis)
            return
        ev.accept()
        here = self.mapToView(ev.pos())
        if ev.isStart():
            start = self.mapToView(ev.buttonDownPos())
            self._outline = [(start.x(), start.y())]
        if self.mode == "box":
            x0, y0 = self._outline[0]
            self._outline = [(x0, y0), (here.x(), y0), (here.x(), here.y()), (x0, here.y())]
        else:
            self._outline.append((here.x(), here.y()))
        path = QPainterPath()
        path.addPolygon(QPolygonF([QPointF(x, y) for x, y in self._outline]))
        path.closeSubpath()
        self.shape_item.setPath(path)
        if ev.isFinish():
            additive = bool(ev.modifiers() & (Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier))
            polygon = np.array(self._outline, dtype=np.float64)
            self.shape_item.setPath(QPainterPath())
            self._outline = []
            self.shape_drawn.emit(polygon, additive)


class MapLegend(pg.LegendItem):
    """The legend in the map's corner: it stays where the fit expects it (a drag over it pans the
    map instead of moving it), and a click on an entry's text acts as one on its swatch."""

    def mouseDragEvent(self, ev) -> None:  # noqa: N802 - pyqtgraph API
        view_box = self.parentItem()
        if view_box is None:
            ev.ignore()
            return
        ev.currentItem = view_box  # positions then read in the map's coordinates
        view_box.mouseDragEvent(ev)

    def mouseClickEvent(self, ev) -> None:  # noqa: N802 - pyqtgraph API
        for sample, label in self.items:
            if label.sceneBoundingRect().contains(ev.scenePos()):
                sample.mouseClickEvent(ev)
                return
        ev.accept()  # the legend's own background: nothing beneath is clicked


class ScatterView(pg.PlotWidget):
    point_hovered = Signal(object)  # index or None (for tests and status messages)

    def __init__(self, state: AppState, parent=None) -> None:
        super().__init__(parent=parent, background="w", viewBox=SelectViewBox())
        self.state = state
        self.coloring: Coloring | None = None
        self.tooltip_text = ""
        plot = self.getPlotItem()
        plot.hideAxis("left")
        plot.hideAxis("bottom")
        plot.setMenuEnabled(False)
        plot.hideButtons()
        self.view_box = plot.getViewBox()
        self.view_box.shape_drawn.connect(self._on_shape_drawn)
        self.view_box.setAspectLocked(True)
        self.view_box.setDefaultPadding(0.02)
        self.cloud = PointCloudItem()
        self.selection_item = pg.ScatterPlotItem(size=11, brush=None, pxMode=True)
        self.hover_item = pg.ScatterPlotItem(size=14, brush=None, pxMode=True)
        self.focus_item = pg.ScatterPlotItem(size=18, brush=None, pxMode=True)
        self.highlight_item = pg.ScatterPlotItem(size=13, brush=None, pxMode=True)
        self.match_item = pg.ScatterPlotItem(size=9, brush=None, pxMode=True)
        self.match_item.setZValue(8.5)  # search matches, when few enough to ring
        for ring in (self.selection_item, self.hover_item, self.focus_item, self.highlight_item, self.match_item):
            ring.opts["useCache"] = False  # drawn as shapes, so an SVG export keeps them as vectors
        self.highlight_item.setZValue(9)
        self.selection_item.setZValue(10)
        self.hover_item.setZValue(11)
        self.focus_item.setZValue(12)
        # Analogy arrows: a strong line on a casing of the background's colour, so they read on any
        # point colour at any zoom.
        self.arrow_casing = pg.PlotCurveItem(connect="pairs")
        self.arrow_casing.setZValue(13)
        self.arrow_lines = pg.PlotCurveItem(connect="pairs")
        self.arrow_lines.setZValue(13.5)
        self.arrow_heads: list[pg.ArrowItem] = []
        for item in (self.cloud, self.match_item, self.highlight_item, self.selection_item, self.hover_item,
                     self.focus_item, self.arrow_casing, self.arrow_lines):
            plot.addItem(item)
        self.density = DensityLayer(plot)
        self.label_layer = LabelLayer()
        plot.addItem(self.label_layer, ignoreBounds=True)
        self.view_box.sigRangeChanged.connect(lambda *_: self.label_layer.follow_view(self.view_box.viewRect()))
        # The legend floats in the map's top-right corner; a fit keeps every point out from under it
        # (core.view_fit), using the room the data's shape leaves there instead of a column of its own.
        self.legend = MapLegend(offset=None, labelTextSize="9pt")
        self.legend.setParentItem(self.view_box)
        self.legend.anchor(itemPos=(1, 0), parentPos=(1, 0), offset=(-8, 8))
        self.legend.setZValue(30)
        self.legend.sigSampleClicked.connect(self._on_legend_clicked)
        self.label_layer.avoid.append(self.legend)
        self._fit_cache: tuple[object, np.ndarray] | None = None  # (coords, the points that decide a fit)
        self.ink: MapInk = map_ink()
        self.legend_shown = True
        self._legend_labels: dict[int, str] = {}
        self.thumbnail_items: dict[int, QGraphicsPixmapItem] = {}
        self._thumbnail_timer = QTimer(self)
        self._thumbnail_timer.setSingleShot(True)
        self._thumbnail_timer.setInterval(60)
        self._thumbnail_timer.timeout.connect(self._update_thumbnails)
        self.view_box.sigRangeChanged.connect(lambda *_: self._thumbnail_timer.start())
        self.view_box.sigRangeChangedManually.connect(self._stop_auto_fit)
        self._auto_fit = True  # until the user pans or zooms, the map keeps fitting its view
        self._density_for: object = None
        # a pan or zoom by the user is part of the session: recorded once the gesture settles
        self._range_timer = QTimer(self)
        self._range_timer.setSingleShot(True)
        self._range_timer.setInterval(400)
        self._range_timer.timeout.connect(self.record_view)
        self.view_box.sigRangeChangedManually.connect(lambda *_: self._range_timer.start())
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.scene().sigMouseClicked.connect(self._on_mouse_clicked)
        self._connections = [
            (state.project_changed, self._on_project_changed),
            (state.projection_changed, self._on_projection_changed),
            (state.colors_changed, self._on_colors_changed),
            (state.selection_changed, self._update_selection),
            (state.hover_changed, self._update_hover),
            (state.preview_changed, self._on_projection_changed),
            (state.search_changed, self._update_emphasis),
            (state.visibility_changed, self._update_visibility),
            (state.focus_changed, self._update_focus),
            (state.highlight_changed, self._update_highlight),
            (state.arrows_changed, self._update_arrows),
            (state.labels_changed, self._update_region_labels),
            (state.density_changed, self._update_density),
            (state.reveal_requested, self.go_to),
            (state.appearance_changed, self._apply_appearance),
        ]
        for signal, slot in self._connections:
            signal.connect(slot)
        self.apply_theme()

    # ------------------------------------------------------------------ look
    def apply_theme(self) -> None:
        """Draw everything that is not a point's own colour in the current palette's colours (the
        background, rings, arrows, names, label halos, legend, density); called again when the
        application's palette changes."""
        ink = self.ink = map_ink(self.palette() if self.testAttribute(Qt.WidgetAttribute.WA_SetPalette) else None)
        self.setBackground(ink.background)
        self.selection_item.setPen(pg.mkPen(ink.selection, width=2))
        self.hover_item.setPen(pg.mkPen(ink.hover, width=2.5))
        self.focus_item.setPen(pg.mkPen(ink.focus, width=3))
        self.highlight_item.setPen(pg.mkPen(ink.highlight, width=2.5))
        self.match_item.setPen(pg.mkPen(ink.match, width=1.3))
        self.arrow_casing.setPen(pg.mkPen(ink.arrow_casing, width=6))
        self.arrow_lines.setPen(pg.mkPen(ink.arrow, width=3))
        self.view_box.set_outline_color(ink.outline)
        self.cloud.set_fade_color((ink.background.red(), ink.background.green(), ink.background.blue()))
        self.label_layer.set_ink(ink)
        self.density.set_ink(ink)
        self.legend.setBrush(pg.mkBrush(ink.legend_fill))
        self.legend.setPen(pg.mkPen(ink.legend_border))
        self.legend.setLabelTextColor(ink.text)
        for _, label in self.legend.items:  # pyqtgraph keeps the colour for new entries only
            label.setText(label.text, color=ink.text)
        self._dim_hidden_entries()
        for head in self.arrow_heads:
            head.setStyle(brush=pg.mkBrush(ink.arrow), pen=pg.mkPen(ink.arrow_casing, width=1.5))
        if self.cloud.point_count and self.state.project is not None:
            self._on_colors_changed()  # point colours readable on the new background
            self._clear_thumbnails()  # their frames too
            self._thumbnail_timer.start()

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange) \
                and hasattr(self, "ink"):
            self.apply_theme()

    def detach(self) -> None:
        """Stop following the state (a view made only to render an export, then dropped)."""
        for signal, slot in self._connections:
            signal.disconnect(slot)
        self._connections = []

    # ------------------------------------------------------------------ state -> view
    def coords(self) -> np.ndarray | None:
        if self.state.preview is not None:
            return self.state.preview
        project = self.state.project
        projection = project.current_projection if project else None
        return projection.coords if projection is not None else None

    def _on_project_changed(self) -> None:
        if self.state.project is not None:  # the size the user picks then stays across projections
            self.cloud.radius = auto_radius(len(self.state.project.embeddings))
        self._on_projection_changed()
        self._on_colors_changed()
        self._apply_appearance()
        self._restore_range()

    def _apply_appearance(self) -> None:
        """Point size and opacity as the session holds them (None: the automatic size)."""
        project = self.state.project
        if project is None:
            return
        view = project.view
        if view.point_size is not None:
            self.cloud.set_radius(view.point_size)
        if view.opacity is not None:
            self.cloud.set_point_opacity(view.opacity)

    def _restore_range(self) -> None:
        project = self.state.project
        if project is not None and project.view.view_range is not None and self.cloud.point_count:
            x0, x1, y0, y1 = project.view.view_range
            self.view_box.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
            self._auto_fit = False  # the area the user left is kept, not fitted again

    def record_view(self) -> None:
        """Write the visible area into the session (a pan or zoom by the user, or before a save)."""
        if self.state.project is not None and self.cloud.point_count:
            (x0, x1), (y0, y1) = self.view_box.viewRange()
            self.state.set_appearance(view_range=[x0, x1, y0, y1])

    def refresh(self) -> None:
        """Pull everything from the state again (for a view created after the project was set)."""
        self._on_project_changed()

    def _on_projection_changed(self) -> None:
        coords = self.coords()
        self.cloud.set_points(coords if coords is not None else np.zeros((0, 2), np.float32))
        self._update_selection()
        self._update_hover()
        self._update_focus()
        self._update_highlight()
        self._update_arrows()
        self._update_emphasis()
        self._update_region_labels()
        self._update_density()
        self._clear_thumbnails()
        self.reset_view()

    def reset_view(self) -> None:
        """Fit the map to its data (View > Fit, Home) as large as the view allows with no point under
        the legend; it keeps fitting as the window is resized until the user pans or zooms."""
        self._auto_fit = True
        if not self.cloud.point_count:
            return
        coords = self.coords()
        if self._fit_cache is None or self._fit_cache[0] is not coords:
            self._fit_cache = (coords, fit_points(coords))
        if not self._fit_range(self._fit_cache[1], FIT_MARGIN_PX):
            self.view_box.setRange(rect=self.cloud.data_bounds(), padding=0.02)

    def legend_box(self) -> QRectF | None:
        """The legend's rectangle in the view box's pixels (None when it is not shown)."""
        if not self.legend.isVisible() or not self.legend.items:
            return None
        return self.legend.mapRectToParent(self.legend.boundingRect())

    def _fit_range(self, xy: np.ndarray, margin: float) -> bool:
        """Show ``xy`` as large as possible, none under the legend; False when the view has no size yet."""
        size = self.view_box.boundingRect()
        legend = self.legend_box()
        box = None
        if legend is not None:
            grown = legend.adjusted(-LEGEND_GAP_PX, -LEGEND_GAP_PX, LEGEND_GAP_PX, LEGEND_GAP_PX)
            box = (grown.left(), grown.top(), grown.right(), grown.bottom())
        fitted = fit_view(xy, size.width(), size.height(), box, margin)
        if fitted is None:
            return False
        x0, x1, y0, y1 = fitted
        self.view_box.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
        return True

    fit = reset_view

    def _stop_auto_fit(self, *_) -> None:
        self._auto_fit = False

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        if hasattr(self, "legend"):  # also called during __init__
            self._fit_legend_columns()
        if getattr(self, "_auto_fit", False) and hasattr(self, "cloud"):
            self.reset_view()

    def _fit_legend_columns(self) -> None:
        """A legend taller than the map is laid out in two or three columns, so no entry is cut off."""
        entries = len(self.legend.items)
        room = self.view_box.boundingRect().height() - 24
        if not entries or room <= 0:
            return
        row = self.legend.boundingRect().height() / math.ceil(entries / self.legend.columnCount)
        wanted = min(3, max(1, math.ceil(entries * row / room)))
        if wanted != self.legend.columnCount:
            self.legend.setColumnCount(wanted)

    def go_to(self, indices) -> None:
        """Pan and zoom so that these items fill the view (with room around them); a single item
        or a tight group is shown with at least MIN_REVEAL_SHARE of the map around it."""
        coords = self.coords()
        items = np.asarray(indices, dtype=np.int64).ravel()
        if coords is None or not len(items):
            return
        xy = coords[items[(items >= 0) & (items < len(coords))]]
        xy = xy[np.isfinite(xy).all(axis=1)]
        if not len(xy):
            return
        bounds = self.cloud.data_bounds()
        lo, hi = xy.min(axis=0), xy.max(axis=0)
        centre = (lo + hi) / 2
        span = np.maximum((hi - lo) * 1.3, [bounds.width() * MIN_REVEAL_SHARE, bounds.height() * MIN_REVEAL_SHARE])
        self._auto_fit = False
        corners = np.array([centre - span / 2, centre + span / 2])  # the room to show around them
        if not self._fit_range(np.vstack([fit_points(xy), corners]), REVEAL_MARGIN_PX):
            self.view_box.setRange(xRange=(corners[0, 0], corners[1, 0]), yRange=(corners[0, 1], corners[1, 1]),
                                   padding=0.05)

    def _on_colors_changed(self) -> None:
        project = self.state.project
        if project is None:
            self.coloring = None
            self._rebuild_legend()
            return
        column = project.view.color_by
        values = project.embeddings.metadata.get(column) if column else None
        coloring = color_points(len(project.embeddings), values, order=project.view.legend_order,
                                featured=project.view.featured_categories)
        if self.ink.dark:  # the darkest colours lifted so they stand out on the dark map (legend alike)
            coloring.rgb = readable_colors(coloring.rgb, self.ink)
            hexes = [hex_to_rgb(color) for _, color, _ in coloring.legend]
            lifted = readable_colors(np.array(hexes, dtype=np.uint8).reshape(-1, 3), self.ink)
            coloring.legend = [(label, "#{:02x}{:02x}{:02x}".format(*rgb), count)
                               for (label, _, count), rgb in zip(coloring.legend, lifted)]
        self.coloring = coloring
        self.cloud.set_colors(self.coloring.rgb, self.state.visible_mask())
        self._update_emphasis()
        self._rebuild_legend()

    def set_legend_shown(self, shown: bool) -> None:
        """Show or fold away the legend (the map takes its room back)."""
        self.legend_shown = bool(shown)
        self._rebuild_legend()

    def _rebuild_legend(self) -> None:
        self.legend.clear()
        coloring = self.coloring
        if coloring is None or coloring.kind == "none" or not self.legend_shown:
            self.legend.setVisible(False)
            self._refit_soon()
            return
        self.legend.setVisible(True)
        self._legend_labels = {}
        if coloring.kind == "categorical":
            for label, color, count in coloring.legend:
                swatch = pg.ScatterPlotItem(symbol="o", size=9, brush=pg.mkBrush(color), pen=None)
                swatch.setVisible(label not in self.state.hidden_categories)
                self._legend_labels[id(swatch)] = label
                self.legend.addItem(swatch, f"{label}  ({count:,})")
            self._dim_hidden_entries()
        else:
            lo, hi = coloring.value_range
            for t, label in ((0.0, f"{lo:.4g}"), (0.5, f"{(lo + hi) / 2:.4g}"), (1.0, f"{hi:.4g}")):
                r, g, b = readable_colors(viridis(np.array([t])), self.ink)[0]
                swatch = pg.ScatterPlotItem(symbol="s", size=10, brush=pg.mkBrush(int(r), int(g), int(b)), pen=None)
                self.legend.addItem(swatch, label)
        self._fit_legend_columns()
        self._refit_soon()

    def _refit_soon(self) -> None:
        """The legend changed size: fit again (once it is laid out) unless the user moved the map."""
        if self._auto_fit:
            self._refit_if_auto()
            QTimer.singleShot(0, self._refit_if_auto)

    def _refit_if_auto(self) -> None:
        if self._auto_fit:
            self.reset_view()

    def _on_legend_clicked(self, swatch) -> None:
        """A click on a legend entry hides or shows that category (pyqtgraph toggles the swatch);
        on "N more", a menu offers the categories grouped there, to give one its own colour."""
        label = self._legend_labels.get(id(swatch))
        coloring = self.coloring
        if label is None or coloring is None:
            return
        if coloring.others and label == coloring.legend[-1][0]:
            swatch.setVisible(True)
            menu = QMenu(self)
            menu.setToolTipsVisible(True)
            for name, count in coloring.others[:40]:
                action = menu.addAction(f"{name}  ({count:,})")
                action.setToolTip("Give this category its own colour")
                action.triggered.connect(lambda _=False, n=name: self.state.feature_category(n))
            menu.popup(QCursor.pos())
            self.other_menu = menu
            return
        self.state.toggle_category(label)

    def legend_entries(self) -> list[tuple[str, bool]]:
        """(label, shown) for each legend row, as the user sees them."""
        return [(self._legend_labels[id(sample.item)], sample.item.isVisible())
                for sample, _ in self.legend.items if id(sample.item) in self._legend_labels]

    def _update_visibility(self) -> None:
        if self.coloring is not None:
            self.cloud.set_visible_points(self.state.visible_mask())
        self._dim_hidden_entries()

    def _dim_hidden_entries(self) -> None:
        """A hidden category's legend entry: no swatch and its text muted."""
        hidden = self.state.hidden_categories
        muted = QGuiApplication.palette().color(QPalette.ColorRole.PlaceholderText)
        for sample, label in self.legend.items:
            name = self._legend_labels.get(id(sample.item))
            if name is not None:
                sample.item.setVisible(name not in hidden)
                label.setText(label.text, color=muted if name in hidden else self.ink.text)

    def emphasised(self) -> tuple[np.ndarray | None, list[int]]:
        """The points a result brings forward (selection, search matches, marked results, arrow
        ends; None when there is none) and the items to name, in order of importance."""
        project = self.state.project
        if project is None:
            return None, []
        n = len(project.embeddings)
        named: list[int] = []
        if self.state.focus is not None:
            named.append(self.state.focus)
        for a, b in self.state.arrows:
            named += [a, b]
        groups = [np.asarray(self.state.highlighted if self.state.highlighted is not None else [], np.int64),
                  np.asarray(self.state.selection, np.int64),
                  np.asarray(self.state.search_matches if self.state.search_matches is not None else [], np.int64),
                  np.asarray(named, np.int64)]
        for group in groups[:3]:
            if 0 < len(group) <= MAX_NAMES:  # a big group is named by the region labels instead
                named += group.tolist()
        if not any(len(g) for g in groups) and self.state.search_matches is None:
            return None, []
        mask = np.zeros(n, dtype=bool)
        for group in groups:
            mask[group[(group >= 0) & (group < n)]] = True
        return mask, list(dict.fromkeys(i for i in named if 0 <= i < n))

    def _update_emphasis(self) -> None:
        mask, named = self.emphasised()
        if not _same_mask(mask, self.cloud._emphasis):
            self.cloud.set_emphasis(mask)
        coords = self.coords()
        project = self.state.project
        if coords is None or project is None or self.state.preview is not None:
            self.label_layer.set_names([])
            self.match_item.setData([], [])
            return
        texts = project.embeddings.texts
        self.label_layer.set_names([(texts[i], coords[i, 0], coords[i, 1]) for i in named[:MAX_NAMES]])
        matches = self.state.search_matches
        if matches is not None and 0 < len(matches) <= MAX_RINGS:
            self.match_item.setData(x=coords[matches, 0], y=coords[matches, 1])
        else:
            self.match_item.setData([], [])

    def _update_region_labels(self) -> None:
        project = self.state.project
        shown = project is not None and project.view.show_labels and self.state.preview is None
        self.label_layer.set_regions(self.state.current_labels() if shown else None)
        self.label_layer.follow_view(self.view_box.viewRect())

    def _update_density(self) -> None:
        project = self.state.project
        shown = project is not None and project.view.show_density
        coords = self.coords()
        if shown and coords is not None and self._density_for is not coords:
            self.density.set_points(coords, self.cloud.data_bounds())
            self._density_for = coords
        self.density.set_shown(shown and coords is not None)

    def _update_highlight(self) -> None:
        self._update_emphasis()
        coords = self.coords()
        marked = self.state.highlighted
        if coords is None or marked is None or not len(marked) or len(marked) > MAX_RINGS:
            self.highlight_item.setData([], [])
            return
        self.highlight_item.setData(x=coords[marked, 0], y=coords[marked, 1])

    def _clear_thumbnails(self) -> None:
        for item in self.thumbnail_items.values():
            self.view_box.removeItem(item)
        self.thumbnail_items = {}

    def _update_thumbnails(self) -> None:
        """Image sets, zoomed in: draw each visible point as its thumbnail (fixed screen size)."""
        project = self.state.project
        coords = self.coords()
        if project is None or coords is None or project.embeddings.thumbnails is None:
            self._clear_thumbnails()
            return
        rect = self.view_box.viewRect()
        inside = np.flatnonzero((coords[:, 0] >= rect.left()) & (coords[:, 0] <= rect.right())
                                & (coords[:, 1] >= rect.top()) & (coords[:, 1] <= rect.bottom()))
        mask = self.state.visible_mask()
        if mask is not None:
            inside = inside[mask[inside]]
        if len(inside) > MAX_THUMBNAIL_CANDIDATES:
            self._clear_thumbnails()
            return
        wanted = set(self.thumbnail_layout(inside).tolist())
        for index in list(self.thumbnail_items):
            if index not in wanted:
                self.view_box.removeItem(self.thumbnail_items.pop(index))
        for index in wanted - set(self.thumbnail_items):
            item = QGraphicsPixmapItem(self._framed_thumbnail(index))
            item.setFlag(QGraphicsPixmapItem.GraphicsItemFlag.ItemIgnoresTransformations)
            item.setOffset(-item.pixmap().width() / 2, -item.pixmap().height() / 2)
            item.setPos(float(coords[index, 0]), float(coords[index, 1]))
            item.setZValue(8)
            self.view_box.addItem(item, ignoreBounds=True)
            self.thumbnail_items[index] = item

    def thumbnail_layout(self, candidates: np.ndarray) -> np.ndarray:
        """Of the candidate items (in view), those whose thumbnails do not overlap at this zoom,
        emphasised ones first (core.labels.place_labels over THUMBNAIL_PX squares)."""
        coords = self.coords()
        if coords is None or not len(candidates):
            return np.zeros(0, dtype=np.int64)
        pixel_w, pixel_h = self.view_box.viewPixelSize()
        if pixel_w <= 0 or pixel_h <= 0:
            return np.zeros(0, dtype=np.int64)
        px = coords[candidates, 0] / pixel_w
        py = -coords[candidates, 1] / pixel_h
        half = THUMBNAIL_PX / 2 + THUMBNAIL_BORDER
        boxes = np.column_stack([px - half, py - half, px + half, py + half])
        priority = -np.arange(len(candidates), dtype=np.float64)
        mask, _ = self.emphasised()
        if mask is not None:
            priority += mask[candidates] * 1e9
        return np.asarray(candidates)[place_labels(boxes, priority, gap=1.0)]

    def _framed_thumbnail(self, index: int) -> QPixmap:
        """The item's thumbnail inside a frame of its category colour."""
        project = self.state.project
        pixmap = QPixmap()
        pixmap.loadFromData(project.embeddings.thumbnail(index), "PNG")
        pixmap = pixmap.scaled(THUMBNAIL_PX, THUMBNAIL_PX, Qt.AspectRatioMode.KeepAspectRatio,
                               Qt.TransformationMode.SmoothTransformation)
        rgb = self.coloring.rgb[index] if self.coloring is not None else hex_to_rgb(OTHER_COLOR)
        framed = QPixmap(pixmap.width() + 2 * THUMBNAIL_BORDER, pixmap.height() + 2 * THUMBNAIL_BORDER)
        framed.fill(QColor(int(rgb[0]), int(rgb[1]), int(rgb[2])))
        painter = QPainter(framed)
        painter.drawPixmap(THUMBNAIL_BORDER, THUMBNAIL_BORDER, pixmap)
        painter.end()
        return framed

    def _update_arrows(self) -> None:
        self._update_emphasis()
        for head in self.arrow_heads:
            self.getPlotItem().removeItem(head)
        self.arrow_heads = []
        coords = self.coords()
        if coords is None or not self.state.arrows:
            self.arrow_lines.setData([], [])
            self.arrow_casing.setData([], [])
            return
        ends = np.array([[coords[a], coords[b]] for a, b in self.state.arrows]).reshape(-1, 2)
        self.arrow_casing.setData(ends[:, 0], ends[:, 1])
        self.arrow_lines.setData(ends[:, 0], ends[:, 1])
        for a, b in self.state.arrows:
            dx, dy = coords[b] - coords[a]
            angle = 180 - float(np.degrees(np.arctan2(dy, dx)))  # ArrowItem points left at angle 0
            head = pg.ArrowItem(pos=(float(coords[b, 0]), float(coords[b, 1])), angle=angle, headLen=18,
                                tipAngle=32, brush=self.ink.arrow, pen=pg.mkPen(self.ink.arrow_casing, width=1.5))
            head.setZValue(14)
            self.getPlotItem().addItem(head)
            self.arrow_heads.append(head)

    def _update_focus(self) -> None:
        self._update_emphasis()
        coords = self.coords()
        index = self.state.focus
        if coords is None or index is None:
            self.focus_item.setData([], [])
            return
        self.focus_item.setData(x=[coords[index, 0]], y=[coords[index, 1]])

    def set_mode(self, mode: str) -> None:
        """"pan" (drag pans, click selects), "box" or "lasso" (drag selects)."""
        self.view_box.mode = mode

    def _on_shape_drawn(self, polygon: np.ndarray, additive: bool) -> None:
        coords = self.coords()
        if coords is None or self.state.preview is not None:
            return
        inside = points_in_polygon(coords, polygon)
        mask = self.state.visible_mask()
        if mask is not None:
            inside = inside[mask[inside]]
        if additive:
            inside = np.concatenate([inside, np.asarray(self.state.selection, dtype=np.int64)])
        self.state.select(inside)

    def _update_selection(self) -> None:
        self._update_emphasis()
        coords = self.coords()
        selected = self.state.selection
        if coords is None or not selected or len(selected) > MAX_RINGS:
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
        if self.legend.isVisible() and self.legend.sceneBoundingRect().contains(scene_pos):
            return None  # over the legend: its entries, not the points beneath
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
        if self.legend.isVisible() and self.legend.sceneBoundingRect().contains(event.scenePos()):
            return  # a click on the legend is the legend's, not a click on the map
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


def _same_mask(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a.shape == b.shape and bool(np.array_equal(a, b))
