from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from explorer.ui.main_window import MainWindow


@pytest.fixture
def settings(tmp_path):
    """Preferences in a temporary ini file, never the user's."""
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def recovery_folder(tmp_path):
    return str(tmp_path / "recovery")


@pytest.fixture
def window(qtbot, settings, recovery_folder):
    # Not qtbot.addWidget: pytest-qt closes those before fixtures tear down, and a window with
    # unsaved changes would then wait for an answer to its prompt.
    win = MainWindow(settings=settings, recovery_folder=recovery_folder)
    win.resize(1100, 750)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.state.set_dirty(False)  # no unsaved-changes prompt during teardown
    win.files.loader.wait(10)
    win.files.saver.wait(10)
    win.close()
    win.deleteLater()


@pytest.fixture
def opened(window, qtbot, v1_project_path):
    """The main window with the format-1 fixture open, laid out and painted."""
    with qtbot.waitSignal(window.project_opened, timeout=10_000):
        window.files.open_project(v1_project_path)
    qtbot.wait(50)
    return window


def glove_project_file(tmp_path_factory, words: int):
    """A project of the ``words`` most frequent GloVe words (PCA map), imported like a user would."""
    from explorer.actions.importer import ImportOptions, import_job
    from explorer.core import run_to_end
    from explorer.io.project_file import save_project

    result = run_to_end(import_job(ImportOptions("glove-6B-50d", limit=words, first_map="pca")))
    return save_project(result.project, tmp_path_factory.mktemp("glove") / f"glove{words}.eexp")
