"""Render the map (points, labels, selection, legend) to a PNG of any size or to an SVG, and the
dialog that asks where and how big.

SVG keeps the points as vector shapes (one ``<ellipse>`` each) up to VECTOR_POINT_LIMIT points, and
draws them as one embedded image above that; labels are always SVG ``<text>``.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QImage, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from explorer.core.labels import LabelError, labels_for
from explorer.core.progress import run_to_end
from explorer.core.project import Project
from explorer.state import AppState
from explorer.ui.point_cloud import VECTOR_POINT_LIMIT
from explorer.ui.scatter_view import ScatterView


def ensure_labels(state: AppState) -> None:
    """Compute the shown projection's labels now when they are on and missing (for an export)."""
    project = state.project
    if project is None or not project.view.show_labels or state.current_labels() is not None:
        return
    projection = project.current_projection
    if projection is None:
        return
    try:
        labels = run_to_end(labels_for(project.embeddings, projection.coords, project.view.label_source,
                                       projection.name, project.view.color_by))
    except LabelError:
        return
    state.set_map_labels(labels)


def render_map(project: Project, path: str | Path, size: tuple[int, int] = (1600, 1200),
               state: AppState | None = None) -> Path:
    """Draw ``project``'s current map into ``path`` (.png or .svg) at ``size`` pixels."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".png", ".svg"):
        raise ValueError(f"map images are .png or .svg, not {path.name}")
    width, height = size
    if width < 16 or height < 16 or width > 20000 or height > 20000:
        raise ValueError(f"a map image is 16 to 20,000 pixels a side, not {width}x{height}")
    if state is None:
        state = AppState()
        state.set_project(project)
    ensure_labels(state)
    view = ScatterView(state)
    view.refresh()
    view.resize(*size)
    view.show()
    for _ in range(3):
        QApplication.processEvents()
    view.reset_view()
    QApplication.processEvents()
    if suffix == ".png":
        image = QImage(width, height, QImage.Format.Format_ARGB32)
        image.fill(0xFFFFFFFF)
        painter = QPainter(image)
        view.render(painter)
        painter.end()
        ok = image.save(str(path), "PNG")
    else:
        generator = QSvgGenerator()
        generator.setFileName(str(path))
        generator.setSize(QSize(width, height))
        generator.setViewBox(QRect(0, 0, width, height))
        generator.setTitle(project.title or "Embedding Explorer map")
        painter = QPainter(generator)
        view.render(painter)
        ok = painter.end()
    view.detach()  # the state keeps no reference to a view that is gone
    view.close()
    view.deleteLater()
    if not ok or not path.exists():
        raise OSError(f"cannot write {path}")
    return path


class ExportMapDialog(QDialog):
    """Where to write the map, and at what size; says how an SVG will hold the points."""

    def __init__(self, parent: QWidget | None, view_size: QSize, point_count: int, folder: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Export Map Image")
        self.point_count = point_count
        layout = QFormLayout(self)
        self.path_edit = QLineEdit(str(Path(folder or Path.cwd()) / "map.png"))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        layout.addRow("File (.png or .svg)", row)
        self.width_box, self.height_box = QSpinBox(), QSpinBox()
        for box, value in ((self.width_box, view_size.width() * 2), (self.height_box, view_size.height() * 2)):
            box.setRange(16, 20000)
            box.setSingleStep(100)
            box.setSuffix(" px")
            box.setValue(max(16, value))
        size_row = QHBoxLayout()
        size_row.addWidget(self.width_box)
        size_row.addWidget(QLabel("×"))
        size_row.addWidget(self.height_box)
        size_row.addStretch(1)
        layout.addRow("Size", size_row)
        self.note = QLabel()
        self.note.setWordWrap(True)
        layout.addRow(self.note)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        layout.addRow(self.buttons)
        self.path_edit.textChanged.connect(self._update_note)
        self._update_note()

    def path(self) -> str:
        return self.path_edit.text().strip()

    def image_size(self) -> tuple[int, int]:
        return self.width_box.value(), self.height_box.value()

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export map", self.path(), "PNG image (*.png);;SVG (*.svg)")
        if path:
            self.path_edit.setText(path)

    def _update_note(self) -> None:
        suffix = Path(self.path()).suffix.lower()
        if suffix == ".svg":
            if self.point_count <= VECTOR_POINT_LIMIT:
                text = (f"SVG: the {self.point_count:,} points as vector shapes, labels and legend as text.")
            else:
                text = (f"SVG: {self.point_count:,} points is more than {VECTOR_POINT_LIMIT:,}, so the points are "
                        "one embedded image (raster); labels and legend stay text.")
        elif suffix == ".png":
            text = "PNG: an image of the size above."
        else:
            text = "The file name must end in .png or .svg."
        self.note.setText(text)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(suffix in (".png", ".svg"))

    def _accept(self) -> None:
        if Path(self.path()).suffix.lower() in (".png", ".svg"):
            self.accept()
