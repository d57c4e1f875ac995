"""Drawing benchmark: our PointCloudItem against a naive pyqtgraph ScatterPlotItem.

Prints, for growing N, in a 1000x800 offscreen plot:
  load     time to hand the points and colours to the item
  frame    one pan step drawn (what a user sees while dragging)
  settle   the exact re-render after the view stops (ours only; naive has no such step)
  pick     nearest-point lookup for a hover or click
  recolour new per-point colours drawn

With --map, the whole map (ScatterView: points, region labels placed at every frame, density
shading and contours) at each size, panned and zoomed, and the time to compute labels for 50,000
items from texts, word vectors and a label column (in a warm process: scikit-learn already imported,
as it is in the app once a project is open).

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/render.py [--sizes 10000,100000,1000000] [--map]
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


def timed_cpu(fn, repeat: int = 5) -> tuple[float, float]:
    """Median wall and CPU milliseconds (CPU: this process's time on all its threads, which a busy
    shared machine does not inflate the way it inflates wall time)."""
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu)


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


def synthetic_project(n: int):
    from explorer.core import EmbeddingSet  # noqa: PLC0415
    from explorer.core.project import Project, Projection  # noqa: PLC0415

    xy, labels = blobs(n)
    emb = EmbeddingSet(np.zeros((n, 2), np.float32), np.arange(n).astype(str), labels, modality="text",
                       metadata={"group": labels})
    project = Project(emb, {"map": Projection("map", "pca", xy)})
    project.view.color_by = "group"
    project.view.show_density = True
    project.view.label_source = "column:group"
    return project


def bench_map(app, n: int, extras: bool = True) -> dict[str, float]:
    from explorer.core.labels import labels_for  # noqa: PLC0415
    from explorer.core.progress import run_to_end  # noqa: PLC0415
    from explorer.state import AppState  # noqa: PLC0415
    from explorer.ui.scatter_view import ScatterView  # noqa: PLC0415

    project = synthetic_project(n)
    project.view.show_density = project.view.show_labels = extras
    state = AppState()
    state.set_project(project)
    labels = run_to_end(labels_for(project.embeddings, project.current_projection.coords, "column:group", "map"))
    state.set_map_labels(labels)
    view = ScatterView(state)
    view.resize(1000, 800)
    view.show()
    started = time.perf_counter()
    view.refresh()
    view.grab()
    first = (time.perf_counter() - started) * 1000
    vb = view.view_box
    span = vb.viewRect().width()

    def pan():
        vb.translateBy(x=span * 0.01, y=span * 0.005)
        view.grab()

    def zoom():
        vb.scaleBy((0.97, 0.97))
        view.grab()

    pan_ms = timed_cpu(pan, repeat=10)
    zoom_ms = timed_cpu(zoom, repeat=10)

    def settle():
        view.cloud.invalidate()
        view.grab()

    settle_ms = timed_cpu(settle, repeat=3)
    layout_ms = timed(lambda: view.label_layer.layout(
        lambda p: vb.mapViewToScene(p), vb.sceneBoundingRect()), repeat=10)
    placed = len(view.label_layer.placed)
    view.detach()
    view.close()
    return {"open": first, "pan": pan_ms, "zoom": zoom_ms, "settle": settle_ms, "layout": layout_ms,
            "labels": len(labels), "placed": placed}


def bench_labels(n: int = 50_000) -> list[tuple[str, float, int]]:
    import sklearn.feature_extraction.text  # noqa: F401, PLC0415 - warm, as in the app

    from explorer.core.labels import topic_labels  # noqa: PLC0415
    from explorer.core.progress import run_to_end  # noqa: PLC0415

    xy, labels = blobs(n)
    rng = np.random.default_rng(2)
    vocabulary = np.array([f"word{i}" for i in range(3000)])
    texts = [" ".join(vocabulary[rng.integers(0, 3000, 12)]) for _ in range(n)]
    vectors = rng.standard_normal((n, 50)).astype(np.float32)
    rows = []
    for name, kwargs in (("texts (c-TF-IDF, 12 words each)", {"texts": texts}),
                         ("word vectors (50-d, nearest to centroid)", {"vectors": vectors, "words": vocabulary[
                             np.arange(n) % 3000]}),
                         ("label column (majority)", {"column": labels})):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = run_to_end(topic_labels(xy, **kwargs))
        rows.append((name, (time.perf_counter() - started) * 1000, (time.process_time() - started_cpu) * 1000,
                     len(result)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--no-naive", action="store_true")
    parser.add_argument("--map", action="store_true", help="the whole map with labels and density")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    if args.map:
        print("Wall ms (CPU ms of this process in brackets).")
        print()
        print("| N | map | open ms | pan frame ms | zoom frame ms | settle ms | label layout ms | labels (placed) |")
        print("|---|---|---|---|---|---|---|---|")
        for n in (int(s) for s in args.sizes.split(",")):
            for extras in (False, True):
                r = bench_map(app, n, extras)
                what = "labels + density" if extras else "points only"
                (pan, pan_cpu), (zoom, zoom_cpu), (settle, settle_cpu) = r["pan"], r["zoom"], r["settle"]
                print(f"| {n:,} | {what} | {r['open']:.0f} | {pan:.1f} ({pan_cpu:.1f}) | {zoom:.1f} ({zoom_cpu:.1f}) | "
                      f"{settle:.0f} ({settle_cpu:.0f}) | {r['layout']:.2f} | {r['labels']} "
                      f"({r['placed'] if extras else 0}) |", flush=True)
        print()
        print("| labels for 50,000 items from | wall ms | CPU ms | labels |")
        print("|---|---|---|---|")
        for name, ms, cpu, count in bench_labels():
            print(f"| {name} | {ms:.0f} | {cpu:.0f} | {count} |", flush=True)
        return
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
