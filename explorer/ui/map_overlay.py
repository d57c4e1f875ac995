"""What is drawn over the points: region labels and the names of emphasised items, placed in screen
pixels at every paint so that none overlaps another (core.labels.place_labels), and the density
shading with its contours (core.density).

Text is drawn with ``QPainter.drawText`` in device coordinates, so an SVG export gets real ``<text>``
elements, and a PNG export the same picture as the window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPaintEngine, QPainter, QPen

from explorer.core.density import bandwidth_bins, density_grid, mass_levels
from explorer.core.labels import BROAD, FINE, MapLabels, label_priority, place_labels, shown_at_zoom
from explorer.ui.theme import MapInk, map_ink

NAME = 2  # the "level" of an emphasised item's name (above both region levels)
MAX_NAMES = 20
NAME_OFFSET_PX = 7.0
CONTOUR_ALPHAS = (200, 150, 110)  # the 30 %, 60 % and 90 % contours
PAD_X, PAD_Y = 4.0, 1.5


@dataclass(frozen=True)
class PlacedLabel:
    text: str
    rect: QRectF  # in the painter's device pixels
    level: int  # BROAD, FINE or NAME


def label_font(level: int) -> QFont:
    font = QFont()
    if level == BROAD:
        font.setPixelSize(14)
        font.setBold(True)
    elif level == FINE:
        font.setPixelSize(12)
        font.setWeight(QFont.Weight.DemiBold)
    else:
        font.setPixelSize(12)
    return font


class LabelLayer(pg.GraphicsObject):
    """Paints the labels of the map; it lives in the view box (data coordinates) but draws in
    device pixels."""

    def __init__(self) -> None:
        super().__init__()
        self.setZValue(20)
        self.regions: MapLabels | None = None
        self.regions_shown = True
        self.names: list[tuple[str, float, float]] = []  # emphasised items: text, x, y (data)
        self.placed: list[PlacedLabel] = []
        self._fonts = {level: label_font(level) for level in (BROAD, FINE, NAME)}
        self._metrics = {level: QFontMetricsF(font) for level, font in self._fonts.items()}
        self._widths: dict[tuple[str, int], float] = {}
        self._view_rect = QRectF()
        self._images: dict[tuple, QImage] = {}  # drawn labels, by text, level, size and pixel ratio
        self.ink: MapInk = map_ink()
        self.avoid: list = []  # graphics items (the legend) that no label may cover

    def set_ink(self, ink: MapInk) -> None:
        """The palette changed: labels are drawn again in its colours."""
        self.ink = ink
        self._images.clear()
        self.update()

    # ------------------------------------------------------------------ data
    def set_regions(self, labels: MapLabels | None) -> None:
        self.regions = labels
        self.update()

    def set_regions_shown(self, shown: bool) -> None:
        self.regions_shown = bool(shown)
        self.update()

    def set_names(self, names: list[tuple[str, float, float]]) -> None:
        self.names = [(_short(t), float(x), float(y)) for t, x, y in names[:MAX_NAMES]]
        self.update()

    def follow_view(self, rect: QRectF) -> None:
        """The visible area changed: the layer's bounds are the view, so that it is always painted."""
        self.prepareGeometryChange()
        self._view_rect = QRectF(rect)
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt API
        return QRectF(self._view_rect)

    # ------------------------------------------------------------------ layout
    def text_width(self, text: str, level: int) -> float:
        key = (text, level)
        width = self._widths.get(key)
        if width is None:
            width = self._widths[key] = self._metrics[level].horizontalAdvance(text)
        return width

    def layout(self, to_device, viewport: QRectF, obstacles: list[QRectF] = ()) -> list[PlacedLabel]:
        """Place the names, then the region labels that suit the zoom, none overlapping another or
        an obstacle. ``to_device`` maps a data QPointF to device pixels; ``viewport`` and
        ``obstacles`` are device rects."""
        viewport_box = (viewport.left(), viewport.top(), viewport.right(), viewport.bottom())
        taken = [(r.left(), r.top(), r.right(), r.bottom()) for r in obstacles]
        placed: list[PlacedLabel] = []
        h = self._metrics[NAME].height() + 2 * PAD_Y
        for text, x, y in self.names:  # names first, in the order given, each beside its point where it fits
            p = to_device(QPointF(x, y))
            w = self.text_width(text, NAME) + 2 * PAD_X
            for box in name_candidates(p.x(), p.y(), w, h):
                if len(place_labels(np.array([box]), np.ones(1), viewport_box, np.array(taken) if taken else None)):
                    taken.append(box)
                    placed.append(PlacedLabel(text, QRectF(QPointF(box[0], box[1]), QPointF(box[2], box[3])), NAME))
                    break
        texts, boxes, levels, priority = [], [], [], []
        regions = self.regions if self.regions_shown else None
        if regions is not None and len(regions):
            origin = to_device(QPointF(0.0, 0.0))
            unit = to_device(QPointF(1.0, 1.0))
            scale = max(abs(unit.x() - origin.x()), abs(unit.y() - origin.y()))
            extent = 2 * regions.radius * scale
            shown = shown_at_zoom(regions.level, extent, max(viewport.width(), viewport.height()))
            ranks = label_priority(regions)
            for i in np.flatnonzero(shown):
                level = int(regions.level[i])
                p = to_device(QPointF(float(regions.xy[i, 0]), float(regions.xy[i, 1])))
                w = self.text_width(regions.texts[i], level) + 2 * PAD_X
                hl = self._metrics[level].height() + 2 * PAD_Y
                texts.append(regions.texts[i])
                boxes.append((p.x() - w / 2, p.y() - hl / 2, p.x() + w / 2, p.y() + hl / 2))
                levels.append(level)
                priority.append(float(ranks[i]))
        if not boxes:
            return placed
        kept = place_labels(np.array(boxes), np.array(priority), viewport_box, np.array(taken) if taken else None)
        return placed + [PlacedLabel(texts[i], QRectF(QPointF(boxes[i][0], boxes[i][1]),
                                                      QPointF(boxes[i][2], boxes[i][3])), levels[i])
                         for i in kept.tolist()]

    # ------------------------------------------------------------------ drawing
    def paint(self, painter: QPainter, *args) -> None:
        view_box = self.getViewBox()
        if view_box is None or (not self.names and (self.regions is None or not self.regions_shown)):
            self.placed = []
            return
        transform = painter.transform()
        viewport = transform.mapRect(self.mapRectFromView(view_box.viewRect()))
        obstacles = [transform.mapRect(self.mapRectFromScene(item.sceneBoundingRect()))
                     for item in self.avoid if item.isVisible()]
        self.placed = self.layout(transform.map, viewport, obstacles)
        engine = painter.paintEngine()
        vector = engine is not None and engine.type() in (QPaintEngine.Type.SVG, QPaintEngine.Type.Pdf)
        device = painter.device()
        dpr = device.devicePixelRatioF() if hasattr(device, "devicePixelRatioF") else 1.0
        painter.save()
        painter.resetTransform()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        for label in self.placed:
            if vector:  # real text in an SVG or PDF
                draw_label(painter, label, self._fonts[label.level], self.ink)
            else:  # on screen: each label drawn once into an image, then blitted (panning stays cheap)
                painter.drawImage(label.rect.topLeft(), self._label_image(label, dpr))
        painter.restore()

    def _label_image(self, label: PlacedLabel, dpr: float) -> QImage:
        key = (label.text, label.level, round(label.rect.width(), 1), round(label.rect.height(), 1), dpr)
        image = self._images.get(key)
        if image is None:
            if len(self._images) > 2000:
                self._images.clear()
            image = QImage(max(1, int(np.ceil(label.rect.width() * dpr))),
                           max(1, int(np.ceil(label.rect.height() * dpr))), QImage.Format.Format_ARGB32_Premultiplied)
            image.setDevicePixelRatio(dpr)
            image.fill(0)
            inner = QPainter(image)
            inner.setRenderHint(QPainter.RenderHint.Antialiasing)
            inner.setRenderHint(QPainter.RenderHint.TextAntialiasing)
            draw_label(inner, PlacedLabel(label.text, QRectF(0, 0, label.rect.width(), label.rect.height()),
                                          label.level), self._fonts[label.level], self.ink)
            inner.end()
            self._images[key] = image
        return image


HALO_OFFSETS = ((-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (1, 1), (-1, 1), (1, -1))


def draw_label(painter: QPainter, label: PlacedLabel, font: QFont, ink: MapInk | None = None) -> None:
    """A name in a small box beside its point; a region label as text with a halo of the map's
    background colour (drawn as offset copies, so an SVG keeps it as text), which hides as little of
    the map as possible."""
    ink = ink or map_ink()
    painter.setFont(font)
    if label.level == NAME:
        painter.setPen(QPen(ink.name_border, 1))
        painter.setBrush(ink.name_fill)
        painter.drawRoundedRect(label.rect, 3, 3)
        painter.setPen(ink.name_text)
        painter.drawText(label.rect, Qt.AlignmentFlag.AlignCenter, label.text)
        return
    painter.setPen(ink.halo)
    for dx, dy in HALO_OFFSETS:
        painter.drawText(label.rect.translated(dx * 1.2, dy * 1.2), Qt.AlignmentFlag.AlignCenter, label.text)
    painter.setPen(ink.text if label.level == BROAD else ink.muted)
    painter.drawText(label.rect, Qt.AlignmentFlag.AlignCenter, label.text)


def name_candidates(x: float, y: float, w: float, h: float) -> list[tuple[float, float, float, float]]:
    """Where an item's name may go, best first: right of its point, left, above, below."""
    gap = NAME_OFFSET_PX
    return [(x + gap, y - h / 2, x + gap + w, y + h / 2), (x - gap - w, y - h / 2, x - gap, y + h / 2),
            (x - w / 2, y - gap - h, x + w / 2, y - gap), (x - w / 2, y + gap, x + w / 2, y + gap + h)]


def _short(text: str, limit: int = 36) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


class DensityLayer:
    """Density shading (an ImageItem under the points) and contours enclosing 30 %, 60 % and 90 % of
    the points (IsocurveItems over them), computed once per set of points and then only moved."""

    SHAPE = (256, 256)

    def __init__(self, plot: pg.PlotItem) -> None:
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-5)
        plot.addItem(self.image, ignoreBounds=True)
        self.contours = []
        for _ in CONTOUR_ALPHAS:
            curve = pg.IsocurveItem()
            curve.setParentItem(self.image)
            curve.setPos(0.5, 0.5)  # contour points are at bin centres, the image's at bin corners
            self.contours.append(curve)
        self.set_ink(map_ink())
        self.grid: np.ndarray | None = None
        self.set_shown(False)

    def set_ink(self, ink: MapInk) -> None:
        """Shading and contours in the palette's density colour (dark blue on light, pale on dark)."""
        self.ink = ink
        lut = np.zeros((256, 4), dtype=np.uint8)
        lut[:, :3] = ink.density
        lut[:, 3] = (np.linspace(0, 1, 256) ** 0.7 * (90 if ink.dark else 120)).astype(np.uint8)
        self.image.setLookupTable(lut)
        r, g, b = ink.density
        for curve, alpha in zip(self.contours, CONTOUR_ALPHAS):
            curve.setPen(pg.mkPen(QColor(int(r * 0.75), int(g * 0.75), int(b * 0.75), alpha) if not ink.dark
                                  else QColor(r, g, b, alpha), width=1.2))

    def set_points(self, xy: np.ndarray | None, bounds: QRectF) -> None:
        if xy is None or not len(xy) or bounds.width() <= 0 or bounds.height() <= 0:
            self.grid = None
            self.image.clear()
            for curve in self.contours:
                curve.setData(None)
            return
        pad_x, pad_y = bounds.width() * 0.15, bounds.height() * 0.15  # room for the blur to fade out
        x0, y0 = bounds.left() - pad_x, bounds.top() - pad_y
        x1, y1 = bounds.right() + pad_x, bounds.bottom() + pad_y
        rows, cols = self.SHAPE
        sigma = bandwidth_bins(xy[:: max(1, len(xy) // 100_000)], (x0, y0, x1, y1), (rows, cols))
        grid = density_grid(xy, (x0, y0, x1, y1), (rows, cols), sigma=sigma)
        self.grid = grid
        top = grid.max() or 1.0
        self.image.setImage(grid / top, levels=(0.0, 1.0), autoLevels=False)
        self.image.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
        for curve, level in zip(self.contours, mass_levels(grid, (0.3, 0.6, 0.9))):
            curve.setData(grid.T / top)  # IsocurveItem takes (x, y) order
            curve.setLevel(float(level / top))

    def set_shown(self, shown: bool) -> None:
        self.image.setVisible(bool(shown))
