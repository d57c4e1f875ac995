"""The status bar's progress: a bar of fixed width that always says something that moves.

A phase that moves shows its percentage; a phase without a size, or one still at 0 % (t-SNE's
affinities are one long step; loading a model) shows the seconds it has been running, ticking once a second, so a long step never looks
frozen. The text is elided to the bar, never wrapped, and the bar never changes width.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QProgressBar, QWidget

from explorer.core.progress import Progress

BAR_WIDTH = 280


def elapsed_text(seconds: float) -> str:
    """'7 s', '1 min 05 s', '1 h 02 min'."""
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class JobProgress(QProgressBar):
    """Shows the newest Progress of a job; ``finish()`` hides it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedWidth(BAR_WIDTH)
        self.setTextVisible(True)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message = ""
        self.fraction: float | None = None
        self.phase_started = time.monotonic()
        self.ticker = QTimer(self)
        self.ticker.setInterval(1000)
        self.ticker.timeout.connect(self._render)
        self.hide()

    def show_step(self, step: Progress) -> None:
        if step.message != self.message:  # a new phase: its clock starts now
            self.message = step.message
            self.phase_started = time.monotonic()
        self.fraction = step.fraction
        # Never Qt's busy mode (range 0..0): it hides the text, and the seconds are the point.
        self.setRange(0, 1000)
        self.setValue(0 if self.fraction is None else int(self.fraction * 1000))
        if not self.ticker.isActive():
            self.ticker.start()
        self.show()
        self._render()

    def finish(self) -> None:
        self.ticker.stop()
        self.message, self.fraction = "", None
        self.hide()

    def label(self) -> str:
        """The text shown: the phase and a number: its percentage once it moves, else the seconds it
        has run (a phase at 0 %, such as t-SNE's affinities, is one blocking step)."""
        number = (f"{self.fraction:.0%}" if self.fraction
                  else elapsed_text(time.monotonic() - self.phase_started))
        return f"{self.message} — {number}" if self.message else number

    def _render(self) -> None:
        text = self.label()
        room = self.width() - 16
        self.setFormat(self.fontMetrics().elidedText(text, Qt.TextElideMode.ElideMiddle, room))
        self.setToolTip(text)
