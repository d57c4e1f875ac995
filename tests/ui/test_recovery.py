"""Autosave and recovery after a crash (a process that never closed its window)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from PySide6.QtWidgets import QMessageBox

from explorer.ui.main_window import MainWindow
from tests.ui.test_main_window import _answer_next_question


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_autosave_then_recover_after_a_crash(window, qtbot, settings, recovery_folder, project_copy):
    with qtbot.waitSignal(window.project_opened, timeout=10_000):
        window.files.open_project(project_copy)
    window.state.select([3, 4])
    window.projection_combo.setCurrentText("PCA 2-3")
    before = project_copy.read_bytes()
    with qtbot.waitSignal(window.files.autosaver.finished, timeout=10_000):
        window.files.autosave()
    assert project_copy.read_bytes() == before  # the user's own file is not touched by autosave
    info_path = next(Path(recovery_folder).glob("session-*.json"))
    # The crash: this session's recovery file now belongs to a process that is gone.
    info = json.loads(info_path.read_text())
    info["pid"] = dead_pid()
    info_path.write_text(json.dumps(info))

    fresh = MainWindow(settings=settings, recovery_folder=recovery_folder)
    try:
        _answer_next_question(QMessageBox.StandardButton.Yes)
        assert fresh.files.offer_recovery()
        assert fresh.state.selection == [3, 4]
        assert fresh.state.project.view.projection == "PCA 2-3"
        assert fresh.state.path == project_copy and fresh.isWindowModified()
        assert fresh.files.recovery.orphans() == []
    finally:
        fresh.state.set_dirty(False)
        fresh.close()


def test_no_offer_while_the_other_session_runs_and_clean_close_clears(window, qtbot, settings,
                                                                     recovery_folder, project_copy):
    with qtbot.waitSignal(window.project_opened, timeout=10_000):
        window.files.open_project(project_copy)
    window.state.select([1])
    with qtbot.waitSignal(window.files.autosaver.finished, timeout=10_000):
        window.files.autosave()
    other = MainWindow(settings=settings, recovery_folder=recovery_folder)
    assert not other.files.offer_recovery()  # that session (this process) is alive: not a crash
    other.close()
    assert len(list(Path(recovery_folder).glob("session-*.eexp"))) == 1  # the other window's stays
    _answer_next_question(QMessageBox.StandardButton.Discard)
    assert window.close()
    assert list(Path(recovery_folder).glob("session-*")) == []


def test_start_removes_what_killed_autosaves_left_and_says_so(qtbot, settings, recovery_folder):
    Path(recovery_folder).mkdir(parents=True, exist_ok=True)
    leftover = Path(recovery_folder) / f".session-1-abc.eexp.{dead_pid()}-xyz.saving"
    leftover.write_bytes(b"\0" * (2 << 20))
    fresh = MainWindow(settings=settings, recovery_folder=recovery_folder)
    try:
        assert not fresh.files.offer_recovery()
        assert not leftover.exists()
        assert fresh.statusBar().currentMessage() == "Recovered 2.0 MB of disk space from interrupted saves."
    finally:
        fresh.close()
