"""The window's entry points: open it, render it to a PNG offscreen (screenshot), draw the map to an
image file. explorer.__main__ calls these for the commands that need Qt."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from explorer.actions import ActionError
from explorer.actions.files import open_project

EXIT_FAILED = 1


def _has_display() -> bool:
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform and not platform.startswith(("xcb", "wayland")):
        return True  # offscreen, minimal, vnc...: the user chose
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def make_app(argv: list[str] | None = None):
    from PySide6.QtCore import QCoreApplication  # noqa: PLC0415
    from PySide6.QtWidgets import QApplication  # noqa: PLC0415

    QCoreApplication.setOrganizationName("EmbeddingExplorer")
    QCoreApplication.setApplicationName("Embedding Explorer")
    app = QApplication.instance() or QApplication(argv or ["explorer"])
    return app


def run_gui(project: str | None, startup_timing: bool = False) -> int:
    if not _has_display():
        print("explorer: no display found (DISPLAY is not set); to render the app without one, run: "
              "explorer screenshot PROJECT -o map.png", file=sys.stderr)
        return EXIT_FAILED
    app = make_app(sys.argv[:1])
    from PySide6.QtCore import QTimer  # noqa: PLC0415

    from explorer.ui.main_window import MainWindow  # noqa: PLC0415

    window = MainWindow()
    if startup_timing:
        _report_startup(app, window, bool(project))
    window.show()
    if project:
        window.files.open_project(project)
    elif not startup_timing:
        QTimer.singleShot(300, window.files.offer_recovery)
    return app.exec()


def _report_startup(app, window, wait_for_project: bool) -> None:
    """For benchmarks/startup.py: print wall-clock stamps of the first paint and of the project
    drawn on the map, then quit."""
    from PySide6.QtCore import QTimer  # noqa: PLC0415

    def painted(stamp: float) -> None:
        print(f"first_paint_epoch={stamp:.6f}", flush=True)
        if not wait_for_project:
            app.quit()

    def opened(_path: str) -> None:
        window.scatter.repaint()
        print(f"project_shown_epoch={time.time():.6f}", flush=True)
        QTimer.singleShot(0, app.quit)

    window.first_painted.connect(painted)
    window.project_opened.connect(opened)
    window.error_shown.connect(lambda message: (print(message, file=sys.stderr), app.exit(1)))


def screenshot(project_path: str, output: str, size: tuple[int, int] = (1400, 900),
               projection: str | None = None, color_by: str | None = None, select: str | None = None) -> int:
    """Render the window showing a project to a PNG, offscreen."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    project = open_project(project_path)
    output = Path(output)
    if output.suffix.lower() != ".png":
        raise ActionError(f"output must be a .png file, not {output.name}")
    if not output.parent.exists():
        raise ActionError(f"folder {output.parent} does not exist")
    app = make_app()
    from PySide6.QtCore import QSettings  # noqa: PLC0415

    from explorer.ui.main_window import MainWindow  # noqa: PLC0415

    settings = QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "EmbeddingExplorer",
                         "screenshot")
    window = MainWindow(settings=settings)
    if projection and projection not in project.projections:
        raise ActionError(f"no projection {projection!r}; the project has "
                           f"{', '.join(project.projections) or 'none'}")
    if color_by and color_by not in project.embeddings.metadata:
        raise ActionError(f"no column {color_by!r}; the project has "
                           f"{', '.join(project.embeddings.metadata) or 'none'}")
    window.files.show_opened(project, Path(project_path).resolve())
    if projection:
        window.state.set_projection(projection)
    if color_by:
        window.state.set_color_by(color_by)
    if select:
        index = project.embeddings.key_to_index.get(select)
        if index is None:
            raise ActionError(f"no item with id or text {select!r}")
        window.state.select([index])
    window.state.set_dirty(False)
    window.resize(*size)
    window.show()
    window.map_controls.labels.runner.wait(60)  # the map's labels, made in the background on open
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.02)
    window.scatter.reset_view()
    app.processEvents()
    image = window.grab()
    if not image.save(str(output), "PNG"):
        raise ActionError(f"cannot write {output}")
    window.close()
    print(f"wrote {output} ({image.width()}x{image.height()})")
    return 0


def export_image(project_path: str, output: str | None, size: tuple[int, int] = (1600, 1200),
                 projection: str | None = None) -> int:
    """Draw a project's map (points, colours, legend) to a PNG or SVG file, offscreen."""
    project = open_project(project_path)
    if not output:
        raise ActionError("export image needs -o FILE.png or FILE.svg")
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    make_app()
    from explorer.ui.map_export import render_map  # noqa: PLC0415

    if projection:
        if projection not in project.projections:
            raise ActionError(f"no projection {projection!r}")
        project.view.projection = projection
    try:
        render_map(project, output, size)
    except (ValueError, OSError) as err:
        raise ActionError(str(err)) from None
    print(f"wrote {output}", file=sys.stderr)
    return 0
