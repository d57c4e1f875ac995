"""Drawing benchmark: our PointCloudItem against a naive pyqtgraph ScatterPlotItem.

Prints, for growing N, in a 1000x800 offscreen plot:
  load     time to hand the points and colours to the item
  frame    one pan step drawn (what a user sees while dragging)
  settle   the exact re-render after the view stops (ours only; naive has no such step)
  pick     nearest-point lookup for a hover or click
  recolour new per-point colours drawn

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/render.py [--sizes 10000,100000,1000000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pyqtgraph as pg  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from explorer.core.colors import color_points  # noqa: E402
from explorer.ui.point_cloud import PointCloudItem  # noqa: E402


def blobs(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 12, n)
    centres = rng.standard_normal((12, 2)) * 8
    return (centres[labels] + rng.standard_normal((n, 2))).astype(np.float32), labels.astype(str)


def timed(fn, repeat: int = 5) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def make_plot(app: QApplication) -> pg.PlotWidget:
    widget = pg.PlotWidget(background="w")
    widget.resize(1000, 800)
    widget.getPlotItem().hideAxis("left")
    widget.getPlotItem().hideAxis("bottom")
    widget.show()
    app.processEvents()
    return widget


def bench_ours(app, xy, labels) -> dict[str, float]:
    widget = make_plot(app)
    item = PointCloudItem()
    widget.addItem(item)
    rgb = color_points(len(xy), labels).rgb
    other_rgb = color_points(len(xy), np.roll(labels, 1)).rgb
    load = timed(lambda: (item.set_points(xy), item.set_colors(rgb)), repeat=3)
    widget.grab()
    vb = widget.getPlotItem().getViewBox()
    vb.autoRange()
    widget.grab()

    def pan():
        vb.translateBy(x=0.2, y=0.1)
        widget.grab()

    frame = timed(pan, repeat=10)

    def settle():
        item.invalidate()
        widget.grab()

    settle_ms = timed(settle)
    pixel_w, pixel_h = vb.viewPixelSize()
    rng = np.random.default_rng(1)
    targets = xy[rng.integers(0, len(xy), 20)]
    pick = statistics.median(
        timed(lambda t=t: item.pick(float(t[0]), float(t[1]), pixel_w, pixel_h), repeat=1) for t in targets)
    colours = [rgb, other_rgb]
    recolour = timed(lambda: (item.set_colors(colours.reverse() or colours[0]), widget.grab()))
    widget.close()
    return {"load": load, "frame": frame, "settle": settle_ms, "pick": pick, "recolour": recolour}


def bench_naive(app, xy, labels) -> dict[str, float]:
    widget = make_plot(app)
    item = pg.ScatterPlotItem(pxMode=True, size=5, pen=None)
    widget.addItem(item)
    rgb = color_points(len(xy), labels).rgb
    brushes = [pg.mkBrush(*c) for c in map(tuple, rgb[: min(len(rgb), 4096)])]
    brush_list = [brushes[i % len(brushes)] for i in range(len(xy))]
    load = timed(lambda: item.setData(x=xy[:, 0], y=xy[:, 1], brush=brush_list), repeat=1)
    widget.grab()
    vb = widget.getPlotItem().getViewBox()
    vb.autoRange()

    def pan():
        vb.translateBy(x=0.2, y=0.1)
        widget.grab()

    frame = timed(pan, repeat=3)
    pick = timed(lambda: item.pointsAt(pg.Point(float(xy[0, 0]), float(xy[0, 1]))), repeat=3)
    recolour = timed(lambda: (item.setBrush(brush_list[::-1]), widget.grab()), repeat=1)
    widget.close()
    return {"load": load, "frame": frame, "settle": float("nan"), "pick": pick, "recolour": recolour}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--no-naive", action="store_true")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    print("| N | drawing | load ms | pan frame ms (fps) | settle ms | pick ms | recolour ms |")
    print("|---|---|---|---|---|---|---|")
    for n in (int(s) for s in args.sizes.split(",")):
        xy, labels = blobs(n)
        rows = [("PointCloudItem (ours)", bench_ours(app, xy, labels))]
        if not args.no_naive:
            rows.append(("ScatterPlotItem (naive)", bench_naive(app, xy, labels)))
        for name, r in rows:
            print(f"| {n:,} | {name} | {r['load']:.0f} | {r['frame']:.1f} ({1000 / r['frame']:.0f}) | "
                  f"{r['settle']:.0f} | {r['pick']:.2f} | {r['recolour']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
