"""``explorer.show(...)``: the window on data a script or a notebook holds."""

from __future__ import annotations

from typing import Any

from explorer.core.progress import run_to_end


def _event_loop_running() -> bool:
    """Whether IPython's ``%gui qt`` runs Qt's event loop already (then show() must not block)."""
    try:
        from IPython import get_ipython  # noqa: PLC0415
    except ImportError:
        return False
    shell = get_ipython()
    return bool(shell is not None and getattr(shell, "active_eventloop", None) in ("qt", "qt5", "qt6"))


def show(data: Any = None, *, text: str | None = None, vectors: Any = None, labels: str | None = None,
         model: str | None = None, title: str = "", block: bool | None = None):
    """Open Embedding Explorer on ``data``: a pandas DataFrame or a pyarrow Table (with a column of
    vectors, or ``vectors=`` an (N, D) array; else its ``text`` column is embedded with ``model``),
    a path (a project, or any file ``explorer import`` reads), or a Project. ``labels`` names the
    column the map is coloured by.

    From a script it blocks until the window is closed (``block=False`` returns at once); in Jupyter
    with ``%gui qt`` it returns the window straight away. Returns the MainWindow."""
    from PySide6.QtCore import QCoreApplication  # noqa: PLC0415
    from PySide6.QtWidgets import QApplication  # noqa: PLC0415

    from explorer.actions.importer import project_from_data  # noqa: PLC0415
    from explorer.ui.main_window import MainWindow  # noqa: PLC0415

    if QApplication.instance() is None:
        QCoreApplication.setOrganizationName("EmbeddingExplorer")
        QCoreApplication.setApplicationName("Embedding Explorer")
    app = QApplication.instance() or QApplication(["explorer"])

    project = None if data is None else run_to_end(project_from_data(data, text=text, vectors=vectors,
                                                                        labels=labels, model=model, title=title))
    window = MainWindow()
    if project is not None:
        window.state.set_project(project, None)
        window.state.set_dirty(True)  # not saved anywhere yet: closing asks
    window.show()
    if block is None:
        block = not _event_loop_running()
    if block:
        app.exec()
    return window
