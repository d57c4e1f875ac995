"""The map a person looks at: labels, density, legend and fit, emphasis, go-to, search scope, exports."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter

from explorer.core.labels import BROAD, MapLabels
from explorer.io.project_file import load_project, save_project
from explorer.ui.map_controls import count_text
from explorer.ui.map_export import ExportMapDialog, render_map
from explorer.ui.map_overlay import NAME


def wait_labels(window, qtbot):
    qtbot.waitUntil(lambda: window.state.current_labels() is not None, timeout=20_000)
    window.scatter.viewport().repaint()
    return window.state.current_labels()


def no_overlap(rects: list[QRectF]) -> bool:
    return all(not a.intersects(b) for a, b in itertools.combinations(rects, 2))


def visible_rect(view) -> QRectF:
    return view.view_box.viewRect()


def test_labels_computed_in_background_placed_without_overlap_and_saved(opened, qtbot, tmp_path):
    labels = wait_labels(opened, qtbot)
    assert labels.projection == opened.state.project.view.projection and len(labels)
    layer = opened.scatter.label_layer
    assert layer.placed, "some region labels are drawn"
    assert no_overlap([p.rect for p in layer.placed])
    viewport = opened.scatter.view_box.sceneBoundingRect()
    assert all(viewport.contains(p.rect) for p in layer.placed)
    assert not opened.isWindowModified()  # derived data is not an unsaved change
    # saved with the project and read back as they were
    target = tmp_path / "labelled.eexp"
    save_project(opened.state.project, target)
    back = load_project(target)
    record = back.view.map_labels[labels.projection]
    assert MapLabels.from_record(record).texts == labels.texts
    # View > Labels hides them
    opened.labels_action.setChecked(False)
    opened.scatter.viewport().repaint()
    assert not opened.state.project.view.show_labels and all(p.level == NAME for p in layer.placed)


def test_finer_labels_when_zoomed_in(opened, qtbot):
    wait_labels(opened, qtbot)
    opened.state.select([])
    view, layer = opened.scatter, opened.scatter.label_layer
    view.viewport().repaint()
    zoomed_out = {p.level for p in layer.placed}
    assert zoomed_out == {BROAD}
    labels = opened.state.current_labels()
    fine = int(np.argmax(np.where(labels.level == 1, labels.size, -1)))
    x, y = labels.xy[fine]
    r = labels.radius[fine]
    view.view_box.setRange(xRange=(x - r, x + r), yRange=(y - r, y + r), padding=0)
    view.viewport().repaint()
    assert 1 in {p.level for p in layer.placed}
    assert no_overlap([p.rect for p in layer.placed])


def test_label_source_can_be_a_column(opened, qtbot):
    wait_labels(opened, qtbot)
    opened.map_controls.choose_label_source("column:band")
    labels = wait_labels(opened, qtbot)
    assert labels.source == "column:band"
    assert set(labels.texts) <= {"common", "frequent", "stop word"}


def test_fit_on_open_and_on_home(opened, qtbot):
    view = opened.scatter
    coords = view.coords()
    inside = visible_rect(view)
    assert all(inside.contains(QPointF(float(x), float(y))) for x, y in coords)
    data = view.cloud.data_bounds()
    assert inside.width() < data.width() * 1.4 or inside.height() < data.height() * 1.4  # fills one side
    view.view_box.scaleBy((0.2, 0.2))
    view.view_box.translateBy((data.width(), 0))
    assert not visible_rect(view).contains(data)
    opened.reset_view_action.trigger()
    assert visible_rect(view).contains(QPointF(float(coords[0, 0]), float(coords[0, 1])))
    assert "Home" in [s.toString() for s in opened.reset_view_action.shortcuts()]


def points_on_screen(view) -> np.ndarray:
    """Every point's position in the view box's own pixels (the view's transform is affine: taken from
    where it maps three points)."""
    coords = view.coords().astype(np.float64)
    origin, unit_x, unit_y = (view.view_box.mapFromView(QPointF(x, y)) for x, y in ((0, 0), (1, 0), (0, 1)))
    o = np.array([origin.x(), origin.y()])
    ex = np.array([unit_x.x(), unit_x.y()]) - o
    ey = np.array([unit_y.x(), unit_y.y()]) - o
    return o + coords[:, :1] * ex + coords[:, 1:2] * ey


def assert_fit_uses_the_room_and_no_point_under_the_legend(view):
    px = points_on_screen(view)
    area = view.view_box.boundingRect()
    assert (px[:, 0] >= 0).all() and (px[:, 0] <= area.width()).all()  # every point in view
    assert (px[:, 1] >= 0).all() and (px[:, 1] <= area.height()).all()
    legend = view.legend_box()
    assert legend is not None and legend.width() > 20
    under = (px[:, 0] >= legend.left()) & (px[:, 0] <= legend.right()) & \
        (px[:, 1] >= legend.top()) & (px[:, 1] <= legend.bottom())
    assert not under.any(), f"{under.sum()} points under the legend"
    span = px.max(axis=0) - px.min(axis=0)
    filled = max(span[0] / area.width(), span[1] / area.height())
    assert filled > 0.85, f"the data fills only {filled:.0%} of the limiting side"
    return px


@pytest.mark.parametrize("size", [QSize(1280, 820), QSize(1600, 1000), QSize(900, 900)])
def test_fit_fills_the_map_and_the_legend_hides_no_point(opened, qtbot, size):
    opened.resize(size)
    qtbot.wait(50)
    view = opened.scatter
    view.reset_view()
    assert_fit_uses_the_room_and_no_point_under_the_legend(view)
    # panned away and back with Home: the same
    view.view_box.translateBy((view.cloud.data_bounds().width() / 3, 0))
    opened.reset_view_action.trigger()
    assert_fit_uses_the_room_and_no_point_under_the_legend(view)


@pytest.mark.parametrize("sample", ["glove_words", "rotten_tomatoes", "digits", "digits_noisy"])
def test_every_sample_fits_its_map_at_both_window_sizes(window, qtbot, sample):
    from tests.conftest import SAMPLES

    path = SAMPLES / f"{sample}.eexp"
    if not path.exists():
        pytest.skip(f"{path.name} is not built (make samples)")
    with qtbot.waitSignal(window.project_opened, timeout=60_000):
        window.files.open_project(path)
    for size in (QSize(1280, 820), QSize(1600, 1000)):
        window.resize(size)
        qtbot.wait(50)
        window.scatter.reset_view()
        assert_fit_uses_the_room_and_no_point_under_the_legend(window.scatter)
    window.map_controls.labels.runner.cancel()  # the labels made in the background are not needed here
    assert window.map_controls.labels.runner.wait(60)


def test_legend_folded_away_gives_the_room_back(opened, qtbot):
    view = opened.scatter
    opened.resize(QSize(1100, 600))  # a wide map: the legend costs room while it is shown
    qtbot.wait(50)
    view.reset_view()
    px = assert_fit_uses_the_room_and_no_point_under_the_legend(view)
    opened.legend_action.setChecked(False)
    assert view.legend_box() is None
    qtbot.waitUntil(lambda: np.ptp(points_on_screen(view)[:, 0]) >= np.ptp(px[:, 0]))
    opened.legend_action.setChecked(True)
    assert view.legend_box() is not None


class Drag:
    """A finished left-button drag between two scene points, as pyqtgraph's scene delivers it."""

    def __init__(self, start: QPointF, end: QPointF, item):
        self.start, self.end, self.currentItem = start, end, item

    def pos(self):
        return pg.Point(self.currentItem.mapFromScene(self.end))

    def lastPos(self):  # noqa: N802
        return pg.Point(self.currentItem.mapFromScene(self.start))

    def buttonDownPos(self, button=None):  # noqa: N802
        return self.lastPos()

    def button(self):
        return Qt.MouseButton.LeftButton

    def modifiers(self):
        return Qt.KeyboardModifier.NoModifier

    def isStart(self):  # noqa: N802
        return False

    def isFinish(self):  # noqa: N802
        return True

    def accept(self):
        pass

    def ignore(self):
        pass


def test_a_drag_over_the_legend_pans_the_map_and_a_click_there_picks_no_point(opened, qtbot):
    view = opened.scatter
    legend = view.legend.sceneBoundingRect()
    assert view.pick_at_scene(legend.center()) is None
    before = view.view_box.viewRect()
    view.legend.mouseDragEvent(Drag(legend.center(), legend.center() - QPointF(100, 0), view.legend))
    assert view.legend.sceneBoundingRect() == legend  # the legend stays in its corner
    after = view.view_box.viewRect()
    pixel = view.view_box.viewPixelSize()[0]
    assert after.left() - before.left() == pytest.approx(100 * pixel, rel=0.02)  # the map moved 100 px


def test_legend_order_natural_or_by_count(opened, qtbot):
    view = opened.scatter
    assert [label for label, _ in view.legend_entries()] == ["common", "frequent", "stop word"]
    opened.map_controls.fill_legend_order()
    next(a for a in opened.legend_order_menu.actions() if "Count" in a.text()).trigger()
    bands = opened.state.project.embeddings.metadata["band"]
    labels, counts = np.unique(bands, return_counts=True)
    by_count = [str(label) for _, label in sorted(zip(-counts, labels))]
    assert [label for label, _ in view.legend_entries()] == by_count
    assert opened.state.project.view.legend_order == "count"


def test_emphasis_dims_the_rest_and_names_without_overlap(opened, qtbot):
    view = opened.scatter
    opened.state.select([0, 5, 7])
    opened.state.set_highlight([10, 11, 12, 13])
    view.viewport().repaint()
    emphasis = view.cloud._emphasis
    assert set(np.flatnonzero(emphasis).tolist()) == {0, 5, 7, 10, 11, 12, 13}
    faded = view.cloud._argb_drawn[:len(emphasis) - 7]
    strong = view.cloud._argb_drawn[-7:]
    assert view.cloud._order_drawn[-7:].tolist() and set(view.cloud._order_drawn[-7:].tolist()) == \
        {0, 5, 7, 10, 11, 12, 13}  # drawn on top
    assert ((faded >> 16) & 0xFF).mean() > ((strong >> 16) & 0xFF).mean() - 1  # faded towards white
    names = [p for p in view.label_layer.placed if p.level == NAME]
    texts = opened.state.project.embeddings.texts
    assert {p.text for p in names} <= {texts[i] for i in (0, 5, 7, 10, 11, 12, 13)} and len(names) >= 3
    assert no_overlap([p.rect for p in view.label_layer.placed])
    opened.state.select([])
    opened.state.set_highlight(None)
    assert view.cloud._emphasis is None


def test_big_selection_gets_no_rings_and_no_names(opened, qtbot):
    view = opened.scatter
    opened.state.select(range(40))
    assert len(view.selection_item.data) == 40  # few: rings
    names = [name for name, _, _ in view.label_layer.names]
    assert names == []  # more than MAX_NAMES: the region labels name them


def test_analogy_arrows_are_cased_and_their_ends_named(opened, qtbot):
    view = opened.scatter
    opened.state.set_arrows([(1, 2)])
    assert view.arrow_lines.opts["pen"].widthF() >= 3 and view.arrow_casing.opts["pen"].widthF() > 3
    texts = opened.state.project.embeddings.texts
    assert [n for n, _, _ in view.label_layer.names][:2] == [texts[1], texts[2]]


def test_go_to_brings_items_into_view(opened, qtbot):
    view = opened.scatter
    coords = view.coords()
    full = visible_rect(view)
    target = 17
    opened.state.request_reveal([target])
    rect = visible_rect(view)
    assert rect.contains(QPointF(float(coords[target, 0]), float(coords[target, 1])))
    assert rect.width() < full.width() * 0.5  # zoomed in on it
    centre = rect.center()
    assert abs(centre.x() - coords[target, 0]) < rect.width() * 0.1
    group = [3, 4, 30]
    opened.state.request_reveal(group)
    rect = visible_rect(view)
    assert all(rect.contains(QPointF(float(coords[i, 0]), float(coords[i, 1]))) for i in group)


def test_enter_in_search_and_panel_clicks_go_to(opened, qtbot):
    seen = []
    opened.state.reveal_requested.connect(lambda items: seen.append(list(items)))
    opened.search_box.setText("the")
    qtbot.keyClick(opened.search_box, Qt.Key.Key_Return)
    assert seen and seen[-1] == opened.state.search_matches.tolist()
    opened.state.add_bookmark("pair", [2, 9])
    opened.state.select_bookmark("pair")
    assert seen[-1] == [2, 9]


def test_search_looks_in_text_and_chosen_columns_only(opened, qtbot):
    state = opened.state
    bands = state.project.embeddings.metadata["band"]
    opened.search_box.setText("frequent")
    assert state.search_matches.tolist() == [i for i, t in enumerate(state.project.embeddings.texts)
                                             if "frequent" in t.lower()]
    button = opened.search_columns_button
    button.column_menu.aboutToShow.emit()
    action = next(a for a in button.column_menu.actions() if a.text() == "band")
    action.setChecked(True)
    assert state.project.view.search_columns == ["band"]
    expected = sorted(set(np.flatnonzero(bands == "frequent").tolist())
                      | {i for i, t in enumerate(state.project.embeddings.texts) if "frequent" in t.lower()})
    assert state.search_matches.tolist() == expected
    assert opened.search_count.text() == count_text(expected)


def test_count_grammar():
    assert count_text(None) == ""
    assert count_text([1]) == "1 match"
    assert count_text([]) == "0 matches"
    assert count_text(list(range(1234))) == "1,234 matches"


def test_density_toggle(opened, qtbot):
    view = opened.scatter
    assert not view.density.image.isVisible()
    opened.density_action.setChecked(True)
    assert view.density.image.isVisible() and opened.state.project.view.show_density
    assert view.density.grid.sum() == pytest.approx(len(view.coords()), rel=0.05)
    opened.density_action.setChecked(False)
    assert not view.density.image.isVisible()


def test_svg_export_has_vector_points_and_text_labels(opened, qtbot, tmp_path):
    wait_labels(opened, qtbot)
    target = tmp_path / "map.svg"
    render_map(opened.state.project, target, (900, 700), state=opened.state)
    svg = target.read_text()
    n = len(opened.state.project.embeddings)
    assert len(re.findall(r"<(?:circle|ellipse)\b", svg)) >= n
    assert "<image" not in svg
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    labels = opened.state.current_labels()
    assert any(t.strip() in labels.texts for t in texts)
    png = tmp_path / "map.png"
    render_map(opened.state.project, png, (640, 480), state=opened.state)
    from PySide6.QtGui import QImage
    assert QImage(str(png)).size() == QSize(640, 480)


def test_export_dialog_sizes_and_says_how_points_are_drawn(opened, qtbot, tmp_path):
    dialog = ExportMapDialog(opened, QSize(500, 400), 1_000_000, str(tmp_path))
    qtbot.addWidget(dialog)
    assert dialog.image_size() == (1000, 800)
    dialog.path_edit.setText(str(tmp_path / "m.svg"))
    assert "raster" in dialog.note.text()
    small = ExportMapDialog(opened, QSize(500, 400), 2000, str(tmp_path))
    qtbot.addWidget(small)
    small.path_edit.setText(str(tmp_path / "m.svg"))
    assert "vector" in small.note.text()
    small.path_edit.setText(str(tmp_path / "m.gif"))
    assert not small.buttons.button(small.buttons.StandardButton.Save).isEnabled()


def test_export_confirms_with_its_path(opened, qtbot, tmp_path):
    target = tmp_path / "shown.png"
    opened.export_map(str(target), (300, 200))
    assert str(target.resolve()) in opened.statusBar().currentMessage()


def test_a_clicked_neighbour_cluster_or_table_row_is_brought_into_view(opened, qtbot):
    view, state = opened.scatter, opened.state
    coords = view.coords()
    panel = opened.neighbors_panel
    opened.show_analysis(panel)
    qtbot.keyClicks(panel.query, "government")
    with qtbot.waitSignal(panel.results_shown, timeout=10_000):
        qtbot.keyClick(panel.query, Qt.Key.Key_Return)
    view.reset_view()
    full = visible_rect(view)
    rect = panel.table.visualItemRect(panel.table.item(3, 0))
    qtbot.mouseClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    chosen = state.selection[0]
    shown = visible_rect(view)
    assert shown.width() < full.width() and shown.contains(QPointF(*map(float, coords[chosen])))
    # a row of the selection table
    view.reset_view()
    state.select([1, 50, 300])
    table = opened.selection_panel.table
    table.setCurrentIndex(table.model().index(2, 0))
    assert visible_rect(view).contains(QPointF(*map(float, coords[300])))
    assert visible_rect(view).width() < full.width()


def image_project(n: int = 60):
    from PySide6.QtCore import QBuffer, QIODevice
    from PySide6.QtGui import QImage

    from explorer.core import EmbeddingSet
    from explorer.core.project import Project, Projection

    blobs = []
    for i in range(n):
        image = QImage(16, 16, QImage.Format.Format_RGB32)
        image.fill(0xFF000000 + ((i * 3) % 256) * 0x010101)
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "PNG")
        blobs.append(bytes(buffer.data()))
    rng = np.random.default_rng(0)
    xy = rng.normal(size=(n, 2)).astype(np.float32)
    digits = np.array([str(i % 3) for i in range(n)])
    emb = EmbeddingSet(rng.normal(size=(n, 4)).astype(np.float32), [f"img{i}" for i in range(n)],
                       [f"image {i}" for i in range(n)], modality="image", metadata={"digit": digits},
                       thumbnails=EmbeddingSet.pack_blobs(blobs))
    project = Project(emb, {"map": Projection("map", "pca", xy)})
    project.view.color_by = "digit"
    return project


def test_thumbnails_keep_their_colour_and_never_pile_up(window, qtbot):
    from explorer.core.colors import CATEGORICAL, hex_to_rgb
    from explorer.ui.scatter_view import THUMBNAIL_BORDER

    window.state.set_project(image_project())
    view = window.scatter
    view.view_box.setRange(xRange=(-1.5, 1.5), yRange=(-1.5, 1.5), padding=0)
    qtbot.waitUntil(lambda: len(view.thumbnail_items) > 3, timeout=5_000)
    assert no_overlap(thumbnail_rects(view))
    digits = window.state.project.embeddings.metadata["digit"]
    for index, item in view.thumbnail_items.items():
        corner = item.pixmap().toImage().pixelColor(0, 0)
        assert (corner.red(), corner.green(), corner.blue()) == hex_to_rgb(CATEGORICAL[int(digits[index])])
        inner = item.pixmap().toImage().pixelColor(THUMBNAIL_BORDER + 2, THUMBNAIL_BORDER + 2)
        assert inner.red() == inner.green() == inner.blue()  # the image itself inside the frame
    # zoomed out, the thumbnails that would cover each other give way
    view.view_box.setRange(xRange=(-3, 3), yRange=(-3, 3), padding=0)
    view._update_thumbnails()
    assert 0 < len(view.thumbnail_items) < 60
    assert no_overlap(thumbnail_rects(view))


def thumbnail_rects(view) -> list[QRectF]:
    """Thumbnails keep their pixel size at any zoom: their rects on screen, around their points."""
    rects = []
    for item in view.thumbnail_items.values():
        centre = view.view_box.mapViewToScene(item.pos())
        w, h = item.pixmap().width(), item.pixmap().height()
        rects.append(QRectF(centre.x() - w / 2, centre.y() - h / 2, w, h))
    return rects


def test_more_than_twenty_categories_group_as_other_and_one_can_be_picked(window, qtbot):
    from explorer.core.colors import MAX_CATEGORIES

    project = image_project(120)
    emb = project.embeddings
    emb.metadata["kind"] = np.array([f"kind {i % 30}" for i in range(120)])
    project.view.color_by = "kind"
    window.state.set_project(project)
    view = window.scatter
    entries = [label for label, _ in view.legend_entries()]
    assert len(entries) == MAX_CATEGORIES + 1 and entries[-1] == "10 more"
    assert entries[:3] == ["kind 0", "kind 1", "kind 2"]  # natural order: 2 before 10
    other = view.legend.items[-1][0]
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                     pos=view.mapFromScene(other.sceneBoundingRect().center()))
    menu = view.other_menu
    picked = menu.actions()[-1]
    name = picked.text().split("  (")[0]
    assert name not in entries
    picked.trigger()
    menu.close()
    assert name in [label for label, _ in view.legend_entries()]
    assert window.state.project.view.featured_categories == [name]
    assert window.state.hidden_categories == set()  # picking is not hiding


# ---------------------------------------------------------------------------------- dark theme
@pytest.fixture
def restore_theme():
    from explorer.ui import theme

    yield
    theme.apply_theme("system")


def map_colours(view) -> dict[str, QColor]:
    """The colours the real items draw with: rings, arrows, legend, density, names and halos."""
    from explorer.ui.map_overlay import draw_label

    layer = view.label_layer
    label = next(p for p in layer.placed if p.level != NAME)
    name = next(p for p in layer.placed if p.level == NAME)

    def drawn(placed) -> QImage:
        """The label as the layer blits it, over the map's background."""
        image = QImage(int(placed.rect.width()) + 1, int(placed.rect.height()) + 1, QImage.Format.Format_ARGB32)
        image.fill(view.backgroundBrush().color())
        painter = QPainter(image)
        draw_label(painter, type(placed)(placed.text, QRectF(0, 0, placed.rect.width(), placed.rect.height()),
                                         placed.level), layer._fonts[placed.level], layer.ink)
        painter.end()
        return image

    def extreme(image: QImage, darkest: bool) -> QColor:
        colours = [image.pixelColor(x, y) for x in range(image.width()) for y in range(image.height())]
        return (min if darkest else max)(colours, key=QColor.lightness)

    legend_label = view.legend.items[0][1]
    return {
        "background": view.backgroundBrush().color(),
        "selection": view.selection_item.opts["pen"].color(),
        "highlight": view.highlight_item.opts["pen"].color(),
        "focus": view.focus_item.opts["pen"].color(),
        "match": view.match_item.opts["pen"].color(),
        "arrow": view.arrow_lines.opts["pen"].color(),
        "arrow casing": view.arrow_casing.opts["pen"].color(),
        "arrow head": pg.mkBrush(view.arrow_heads[0].opts["brush"]).color(),
        "legend text": QColor(legend_label.opts["color"]),
        "legend fill": view.legend.opts["brush"].color(),
        "density": QColor(*view.density.image.lut[-1][:3]),
        "label text (light)": extreme(drawn(label), darkest=False),
        "label text (dark)": extreme(drawn(label), darkest=True),
        "name box": drawn(name).pixelColor(2, int(name.rect.height() / 2)),
        "faded point": QColor.fromRgba(int(view.cloud._argb_drawn[0])),
    }


def test_dark_theme_recolours_everything_the_map_draws(opened, qtbot, restore_theme):
    view = opened.scatter
    wait_labels(opened, qtbot)
    opened.state.select([0, 5])
    opened.state.set_highlight([10, 11])
    opened.state.set_focus(3)
    opened.state.set_arrows([(20, 21)])
    opened.state.set_show_density(True)
    opened.set_theme("light")
    view.viewport().repaint()
    light = map_colours(view)
    opened.set_theme("dark")
    view.viewport().repaint()
    dark = map_colours(view)
    assert dark["background"].lightness() < 60 < 200 < light["background"].lightness()
    # rings, legend text and names are light on the dark map, dark on the light one
    for key in ("selection", "match", "legend text"):
        assert light[key].lightness() < 90 and dark[key].lightness() > 170, key
    assert light["label text (dark)"].lightness() < 90  # dark text with a light halo
    assert dark["label text (light)"].lightness() > 170 and dark["label text (dark)"].lightness() < 60
    assert dark["name box"].lightness() < 80 < 200 < light["name box"].lightness()
    assert dark["arrow casing"].lightness() < 60 < 200 < light["arrow casing"].lightness()
    assert dark["legend fill"].lightness() < 60 < 200 < light["legend fill"].lightness()
    # the arrow, focus and neighbour colours stay hues that stand out, lighter on dark
    for key in ("arrow", "arrow head", "highlight", "focus", "density"):
        assert dark[key].lightness() > light[key].lightness(), key
    # points that a result leaves out fade towards the background, not towards white
    assert dark["faded point"].lightness() < 110 < light["faded point"].lightness()
    # and back again
    opened.set_theme("light")
    assert map_colours(view)["selection"] == light["selection"]


def test_no_label_under_the_legend(opened, qtbot):
    wait_labels(opened, qtbot)
    view, layer = opened.scatter, opened.scatter.label_layer
    opened.state.select([])
    # pan so that the data lies under the legend
    legend_centre = view.view_box.mapSceneToView(view.legend.sceneBoundingRect().center())
    data = view.cloud.data_bounds()
    view.view_box.translateBy((data.center().x() - legend_centre.x(), data.center().y() - legend_centre.y()))
    view.viewport().repaint()
    legend = view.legend.sceneBoundingRect()
    assert layer.placed and not any(p.rect.intersects(legend) for p in layer.placed)
    layer.avoid.clear()  # the same view without the legend as an obstacle puts labels there
    view.viewport().repaint()
    assert any(p.rect.intersects(legend) for p in layer.placed)


def test_a_legend_taller_than_the_map_takes_columns_and_still_hides_no_point(window, qtbot):
    project = image_project(120)
    project.embeddings.metadata["kind"] = np.array([f"kind {i % 30}" for i in range(120)])
    project.view.color_by = "kind"
    window.state.set_project(project)
    view = window.scatter
    window.resize(QSize(1200, 1100))
    qtbot.waitUntil(lambda: view.legend.columnCount == 1)
    window.resize(QSize(1100, 600))  # the map is now lower than the 21 entries
    qtbot.waitUntil(lambda: view.legend.columnCount > 1)
    legend = view.legend_box()
    assert legend.bottom() <= view.view_box.boundingRect().height()
    view.reset_view()
    px = points_on_screen(view)
    assert not ((px[:, 0] >= legend.left()) & (px[:, 1] <= legend.bottom())).any()


def luminance(argb: np.ndarray) -> np.ndarray:
    rgb = np.column_stack([(argb >> 16) & 0xFF, (argb >> 8) & 0xFF, argb & 0xFF]).astype(float)
    return rgb @ [0.2126, 0.7152, 0.0722] / 255


def test_dark_points_lifted_on_the_dark_map_and_the_legend_matches(window, qtbot, restore_theme):
    project = image_project(120)
    project.embeddings.metadata["kind"] = np.array([f"kind {i % 12}" for i in range(120)])
    project.view.color_by = "kind"
    window.state.set_project(project)
    view = window.scatter
    window.set_theme("light")
    light = luminance(view.cloud._argb)
    window.set_theme("dark")
    dark = luminance(view.cloud._argb)
    assert light.min() < 0.2 and dark.min() > 0.3  # the navy category stands out on the dark map
    assert (dark >= light - 1e-9).all()
    codes = view.coloring.codes
    for (label, shown), (sample, _) in zip(view.legend_entries(), view.legend.items):
        swatch = sample.item.opts["brush"].color()
        point = int(view.cloud._argb[np.flatnonzero(codes == view.legend_entries().index((label, shown)))[0]])
        assert swatch.rgb() & 0xFFFFFF == point & 0xFFFFFF, label  # the legend shows the colour drawn


def test_names_of_neighbouring_points_both_placed_beside_them(opened, qtbot):
    from explorer.ui.map_overlay import NAME_OFFSET_PX

    view, layer = opened.scatter, opened.scatter.label_layer
    opened.labels_action.setChecked(False)
    px = points_on_screen(view)
    distance = np.linalg.norm(px[:, None] - px[None], axis=2)
    distance[np.diag_indices(len(px))] = np.inf
    a, b = np.unravel_index(np.argmin(distance), distance.shape)
    assert distance[a, b] < 6  # so close that both names cannot sit right of their points
    opened.state.select([int(a), int(b)])
    view.viewport().repaint()
    texts = opened.state.project.embeddings.texts
    names = {p.text: p.rect for p in layer.placed if p.level == NAME}
    assert set(names) == {texts[a], texts[b]}
    assert not names[texts[a]].intersects(names[texts[b]])
    for i in (a, b):  # each name touches the point's neighbourhood (right, left, above or below it)
        point = view.view_box.mapViewToScene(QPointF(*map(float, view.coords()[i])))
        grown = names[texts[i]].adjusted(-NAME_OFFSET_PX - 8, -NAME_OFFSET_PX - 8, NAME_OFFSET_PX + 8,
                                         NAME_OFFSET_PX + 8)
        assert grown.contains(point), texts[i]


def test_a_click_on_a_legend_entrys_text_toggles_it_and_keeps_the_selection(opened, qtbot):
    view = opened.scatter
    opened.state.select([0])
    _, label = view.legend.items[1]
    where = view.mapFromScene(label.sceneBoundingRect().center())
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=where)
    assert opened.state.hidden_categories == {"frequent"}
    assert view.legend_entries()[1] == ("frequent", False)
    assert QColor(label.opts["color"]) != QColor(view.legend.items[0][1].opts["color"])  # muted text
    assert opened.state.selection == [0]  # the click was the legend's, not the map's
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=where)
    assert opened.state.hidden_categories == set()
    assert QColor(label.opts["color"]) == QColor(view.legend.items[0][1].opts["color"])


def test_a_regex_too_slow_on_a_newly_chosen_column_says_so(window, qtbot, monkeypatch):
    """Typing the pattern was fine on the texts; ticking a column where it would take hours shows
    "regex too slow" and no stale matches, instead of an error escaping the menu."""
    from explorer.core import EmbeddingSet, Project, Projection, selection

    monkeypatch.setattr(selection, "REGEX_SECONDS", 0.3)
    n = 30
    texts = [f"w{i}" for i in range(n)]
    emb = EmbeddingSet(np.eye(n, dtype=np.float32), texts, texts,
                       metadata={"note": np.array(["a" * 64 + "b"] * n, dtype=object)})
    window.state.set_project(Project(emb, {"PCA": Projection("PCA", "pca", np.zeros((n, 2)))}))
    window.regex_box.setChecked(True)
    window.search_box.setText("^(w1|a|aa)+$")
    assert window.search_count.text() == count_text(window.state.search_matches) != ""
    button = window.search_columns_button
    button.column_menu.aboutToShow.emit()
    next(a for a in button.column_menu.actions() if a.text() == "note").setChecked(True)
    assert window.search_count.text() == "regex too slow"
    assert window.state.search_matches is None and window.state.project.view.search_columns == ["note"]
    assert "too slow" in window.search_box.toolTip()
    assert not window.select_matches_button.isEnabled()
