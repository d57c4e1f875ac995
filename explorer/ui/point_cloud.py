"""A pyqtgraph item that draws many points by rasterising them with numpy into one image.

Per-point pyqtgraph items (ScatterPlotItem) cost seconds per update at a million points and redraw
every point on every pan. Here the points are stamped into an ARGB buffer at the view's pixel
resolution (one vectorised assignment per pixel of the point's disc), the image is cached, and while
the user pans or zooms the cached image is moved and scaled at blit cost; the exact image is
rendered again once the view has been still for a moment (``settle_ms``).
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, QTimer
from PySide6.QtGui import QColor, QImage, QPaintEngine, QPainter, QTransform

# Above this many points a render takes long enough that interaction blits the cached image.
DEFER_ABOVE = 150_000
# Painting into an SVG, up to this many points are written as vector shapes (one ellipse each);
# above it they are one embedded image, as on screen.
VECTOR_POINT_LIMIT = 50_000


def auto_radius(n: int) -> float:
    """A point radius in pixels that keeps small sets readable and big sets from merging."""
    if n <= 2_000:
        return 4.0
    if n <= 20_000:
        return 3.0
    if n <= 200_000:
        return 2.5
    return 1.6


def disc_offsets(radius: float) -> np.ndarray:
    r = max(radius, 0.5)
    span = int(math.ceil(r))
    dy, dx = np.mgrid[-span:span + 1, -span:span + 1]
    inside = dx * dx + dy * dy <= r * r + 0.25
    return np.stack([dx[inside], dy[inside]], axis=1)


class PointCloudItem(pg.GraphicsObject):
    def __init__(self, radius: float = 2.5, settle_ms: int = 60) -> None:
        super().__init__()
        self.radius = radius
        self.opacity_value = 0.85
        self._xy = np.zeros((0, 2), dtype=np.float32)
        self._argb = np.zeros(0, dtype=np.uint32)
        self._visible = np.zeros(0, dtype=bool)
        self._order = np.zeros(0, dtype=np.int64)
        self._xy_drawn = self._xy
        self._order_drawn = self._order
        self._argb_drawn = self._argb
        self._visible_drawn = self._visible
        self._emphasis: np.ndarray | None = None
        self.fade_rgb = (255, 255, 255)  # the points a result does not emphasise fade towards this
        self._bounds = QRectF()
        self._cache: tuple | None = None  # (key, QImage, QTransform at render, QRectF device rect)
        self.render_count = 0
        self.last_render_ms = 0.0
        self._settle = QTimer()
        self._settle.setSingleShot(True)
        self._settle.setInterval(settle_ms)
        self._settle.timeout.connect(self._rerender)
        self._force = False

    # ------------------------------------------------------------------ data
    def set_points(self, xy: np.ndarray) -> None:
        self.prepareGeometryChange()
        self._xy = np.ascontiguousarray(xy, dtype=np.float32)
        n = len(self._xy)
        # A fixed random drawing order, so no category systematically hides another.
        self._order = np.random.default_rng(0).permutation(n)
        if len(self._argb) != n:
            self._argb = np.full(n, 0xFF3A6EA5, dtype=np.uint32)
            self._visible = np.ones(n, dtype=bool)
        if self._emphasis is not None and len(self._emphasis) != n:
            self._emphasis = None
        self._rebuild_drawn()
        if n:
            lo, hi = np.nanmin(self._xy, axis=0), np.nanmax(self._xy, axis=0)
            pad = (hi - lo) * 0.03 + 1e-6
            self._bounds = QRectF(float(lo[0] - pad[0]), float(lo[1] - pad[1]),
                                  float(hi[0] - lo[0] + 2 * pad[0]), float(hi[1] - lo[1] + 2 * pad[1]))
        else:
            self._bounds = QRectF()
        self.invalidate()

    def set_colors(self, rgb: np.ndarray, visible: np.ndarray | None = None) -> None:
        rgb = np.asarray(rgb, dtype=np.uint8)
        argb = np.full(len(rgb), 0xFF000000, dtype=np.uint32)
        argb |= rgb[:, 0].astype(np.uint32) << 16
        argb |= rgb[:, 1].astype(np.uint32) << 8
        argb |= rgb[:, 2]
        self._argb = argb
        self._visible = np.ones(len(rgb), dtype=bool) if visible is None else np.asarray(visible, bool)
        self._rebuild_drawn()
        self.invalidate()

    def set_visible_points(self, visible: np.ndarray | None) -> None:
        self._visible = np.ones(len(self._xy), dtype=bool) if visible is None else np.asarray(visible, bool)
        self._rebuild_drawn()
        self.invalidate()

    def set_emphasis(self, emphasis: np.ndarray | None) -> None:
        """Points to bring forward (search matches): the others are faded and drawn beneath."""
        self._emphasis = None if emphasis is None else np.asarray(emphasis, dtype=bool)
        self._rebuild_drawn()
        self.invalidate()

    def set_fade_color(self, rgb: tuple[int, int, int]) -> None:
        """Dimmed points fade towards the map's background (white on light, dark on dark)."""
        rgb = tuple(int(c) for c in rgb)
        if rgb != self.fade_rgb:
            self.fade_rgb = rgb
            self._rebuild_drawn()
            self.invalidate()

    def _rebuild_drawn(self) -> None:
        """Arrays in drawing order, so that a render needs no gather."""
        if len(self._argb) != len(self._order) or len(self._visible) != len(self._order):
            return
        order, argb = self._order, self._argb
        if self._emphasis is not None:
            strong = self._emphasis[order]
            order = np.concatenate([order[~strong], order[strong]])
            faded = argb.copy()
            for shift, target in zip((16, 8, 0), self.fade_rgb):  # each channel 80 % of the way to the fade
                channel = (faded >> shift) & 0xFF
                faded = (faded & ~np.uint32(0xFF << shift)) | (((channel + 4 * target) // 5) << shift).astype(np.uint32)
            argb = np.where(self._emphasis, argb, faded).astype(np.uint32)
        self._order_drawn = order
        self._xy_drawn = self._xy[order]
        self._argb_drawn = argb[order]
        self._visible_drawn = self._visible[order]

    def set_radius(self, radius: float) -> None:
        self.radius = float(radius)
        self.invalidate()

    def set_point_opacity(self, opacity: float) -> None:
        self.opacity_value = float(opacity)
        self.update()

    def invalidate(self) -> None:
        self._cache = None
        self.update()

    @property
    def point_count(self) -> int:
        return len(self._xy)

    def data_bounds(self) -> QRectF:
        return QRectF(self._bounds)

    # ------------------------------------------------------------------ picking
    def pick(self, x: float, y: float, pixel_w: float, pixel_h: float, tolerance_px: float = 4.0) -> int | None:
        """The visible point nearest to data position (x, y), if within the point radius plus
        ``tolerance_px`` screen pixels. ``pixel_w``/``pixel_h`` are the data size of one pixel."""
        if not len(self._xy) or pixel_w <= 0 or pixel_h <= 0:
            return None
        dx = (self._xy[:, 0] - np.float32(x)) * np.float32(1.0 / pixel_w)
        dy = (self._xy[:, 1] - np.float32(y)) * np.float32(1.0 / pixel_h)
        d2 = dx * dx + dy * dy
        if not self._visible.all():
            d2[~self._visible] = np.inf
        best = int(np.argmin(d2))
        limit = self.radius + tolerance_px
        return best if d2[best] <= limit * limit else None

    # ------------------------------------------------------------------ drawing
    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt API
        return QRectF(self._bounds)

    def _rerender(self) -> None:
        self._force = True
        self.update()

    def paint(self, painter: QPainter, *args) -> None:
        if not len(self._xy):
            return
        transform = painter.transform()
        view_box = self.getViewBox()
        device = painter.device()
        dpr = device.devicePixelRatioF() if hasattr(device, "devicePixelRatioF") else 1.0
        if view_box is not None:
            rect = transform.mapRect(self.mapRectFromView(view_box.viewRect()))
        else:
            rect = transform.mapRect(self._bounds)
        rect = rect.intersected(QRectF(0, 0, device.width() / dpr if dpr else device.width(),
                                       device.height() / dpr if dpr else device.height()))
        if rect.width() < 1 or rect.height() < 1:
            return
        engine = painter.paintEngine()
        if engine is not None and engine.type() == QPaintEngine.Type.SVG and len(self._xy) <= VECTOR_POINT_LIMIT:
            self._paint_vector(painter, transform, rect)
            return
        key = (transform.m11(), transform.m12(), transform.m21(), transform.m22(), transform.m31(),
               transform.m32(), rect.x(), rect.y(), rect.width(), rect.height(), dpr, self.radius)
        painter.save()
        painter.setOpacity(self.opacity_value)
        if self._cache is not None and self._cache[0] == key:
            self._blit(painter, self._cache)
        elif self._cache is not None and len(self._xy) > DEFER_ABOVE and not self._force:
            # Interaction on a big set: move the last image now, render exactly when still.
            self._blit(painter, self._cache, transform)
            self._settle.start()
        else:
            self._force = False
            image = self._render(transform, rect, dpr)
            self._cache = (key, image, QTransform(transform), rect)
            self._blit(painter, self._cache)
        painter.restore()

    def _paint_vector(self, painter: QPainter, transform: QTransform, rect: QRectF) -> None:
        """Each visible point as an ellipse in device coordinates, grouped by colour (one SVG group
        per colour), faded points beneath emphasised ones."""
        xy, argb = self._xy_drawn, self._argb_drawn
        strong = np.ones(len(xy), dtype=bool)
        if self._emphasis is not None:
            strong = self._emphasis[self._order_drawn]
        keep = self._visible_drawn.copy()
        px = xy[:, 0] * transform.m11() + xy[:, 1] * transform.m21() + transform.m31()
        py = xy[:, 0] * transform.m12() + xy[:, 1] * transform.m22() + transform.m32()
        r = self.radius
        keep &= (px >= rect.left() - r) & (px <= rect.right() + r) & (py >= rect.top() - r) & (py <= rect.bottom() + r)
        painter.save()
        painter.resetTransform()
        painter.setClipRect(rect)
        painter.setOpacity(self.opacity_value)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(pg.mkPen(None))
        for layer in (False, True):
            chosen = np.flatnonzero(keep & (strong == layer))
            for color in np.unique(argb[chosen]):
                painter.setBrush(QColor.fromRgba(int(color)))
                for i in chosen[argb[chosen] == color]:
                    painter.drawEllipse(QPointF(float(px[i]), float(py[i])), r, r)
        painter.restore()
        self.render_count += 1

    def _blit(self, painter: QPainter, cache: tuple, now: QTransform | None = None) -> None:
        _, image, rendered_with, rect = cache
        if now is None:
            painter.resetTransform()
        else:
            inverse, ok = rendered_with.inverted()
            if not ok:
                return
            painter.setTransform(inverse * now)
        painter.drawImage(rect.topLeft(), image)

    def _render(self, transform: QTransform, rect: QRectF, dpr: float) -> QImage:
        import time  # noqa: PLC0415

        started = time.perf_counter()
        width = max(1, int(math.ceil(rect.width() * dpr)))
        height = max(1, int(math.ceil(rect.height() * dpr)))
        radius = self.radius * dpr
        offsets = disc_offsets(radius)
        margin = int(math.ceil(max(radius, 0.5))) * 2
        full_w, full_h = width + 2 * margin, height + 2 * margin
        # Arrays are kept in drawing order (see set_points), so no gather is needed here.
        xy, argb = self._xy_drawn, self._argb_drawn
        if not self._visible_drawn.all():
            xy, argb = xy[self._visible_drawn], argb[self._visible_drawn]
        sx, sy = np.float32(transform.m11() * dpr), np.float32(transform.m22() * dpr)
        hx, hy = np.float32(transform.m21() * dpr), np.float32(transform.m12() * dpr)
        ox = np.float32((transform.m31() - rect.x()) * dpr + margin)
        oy = np.float32((transform.m32() - rect.y()) * dpr + margin)
        px = xy[:, 0] * sx + xy[:, 1] * hx + ox
        py = xy[:, 0] * hy + xy[:, 1] * sy + oy
        lo, high_x, high_y = margin / 2, full_w - margin / 2 - 1, full_h - margin / 2 - 1
        keep = (px >= lo) & (px <= high_x) & (py >= lo) & (py <= high_y)
        flat = np.rint(py[keep]).astype(np.int32) * np.int32(full_w) + np.rint(px[keep]).astype(np.int32)
        colors = argb[keep]
        buffer = np.zeros(full_w * full_h, dtype=np.uint32)
        if len(offsets) > 1 and len(flat) > full_w * full_h // 8:
            # Dense: many points share a centre pixel. Resolve those first (the last drawn wins,
            # as it would anyway), then stamp discs only for the distinct centres.
            buffer[flat] = colors
            flat = np.flatnonzero(buffer).astype(np.int32)
            colors = buffer[flat]
        for dx, dy in offsets:
            buffer[flat + np.int32(int(dy) * full_w + int(dx))] = colors
        pixels = np.ascontiguousarray(buffer.reshape(full_h, full_w)[margin:margin + height,
                                                                     margin:margin + width])
        image = QImage(pixels.data, width, height, 4 * width, QImage.Format.Format_ARGB32).copy()
        image.setDevicePixelRatio(dpr)
        self.render_count += 1
        self.last_render_ms = (time.perf_counter() - started) * 1000
        return image
