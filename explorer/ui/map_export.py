"""Render the map (points, selection, legend) to a PNG of any size or to an SVG."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QImage, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QApplication

from explorer.core.project import Project
from explorer.state import AppState
from explorer.ui.scatter_view import ScatterView


def render_map(project: Project, path: str | Path, size: tuple[int, int] = (1600, 1200),
               state: AppState | None = None) -> Path:
    """Draw ``project``'s current map into ``path`` (.png or .svg) at ``size`` pixels."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".png", ".svg"):
        raise ValueError(f"map images are .png or .svg, not {path.name}")
    if state is None:
        state = AppState()
        state.set_project(project)
    view = ScatterView(state)
    view.refresh()
    view.resize(*size)
    view.show()
    for _ in range(3):
        QApplication.processEvents()
    view.reset_view()
    QApplication.processEvents()
    width, height = size
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
