"""Helpers that keep the analysis panels inside the side dock (no horizontal scroll bar at the
default window size) and say plainly when a panel does not apply to the open set."""

from __future__ import annotations

import html
from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QComboBox, QLabel, QWidget

from explorer.core.project import Project

COMBO_CHARS = 14  # a combo box asks for this many characters, not its longest item


def compact_combo(combo: QComboBox, chars: int = COMBO_CHARS) -> QComboBox:
    """A combo box whose width does not follow its longest item (the popup still shows it whole)."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(chars)
    return combo


def note_label(text: str = "", small: bool = True) -> QLabel:
    """A wrapped, muted note in the palette's own colours (readable in light and dark themes)."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    if small:
        font = label.font()
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.9))
        label.setFont(font)
    return label


@contextmanager
def quietly(widgets: list[QWidget]) -> Iterator[None]:
    """Set per-project defaults without the session binding noticing: they are defaults, not the
    user's choices (the project's saved choices are put in after them)."""
    blockers = [QSignalBlocker(widget) for widget in widgets]
    try:
        yield
    finally:
        for blocker in blockers:
            blocker.unblock()


def reason_label() -> QLabel:
    """The one line that says why a panel (or part of it) does not apply to the open set."""
    label = QLabel()
    label.setWordWrap(True)
    label.setObjectName("not_applicable")
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setForegroundRole(QPalette.ColorRole.WindowText)
    label.hide()
    return label


def show_reason(label: QLabel, reason: str, widgets: list[QWidget]) -> None:
    """Disable ``widgets`` and show ``reason`` when there is one; enable them and hide it when not."""
    label.setText(f"<b>Not for this set.</b> {html.escape(reason)}" if reason else "")
    label.setVisible(bool(reason))
    for widget in widgets:
        widget.setEnabled(not reason)


def modality(project: Project | None) -> str | None:
    """"word", "text" or "image" for the open project (None when none is open)."""
    return None if project is None else project.embeddings.modality


def embeds_text(project: Project | None) -> bool:
    """Whether the project's model can embed typed text in the set's own space (sentence encoders,
    CLIP); word vectors look words up instead, and ImageNet features cannot."""
    if project is None:
        return False
    kind, model = project.embeddings.modality, project.embeddings.model_id or ""
    if kind == "text":
        return bool(model)  # vectors imported as they are name no model
    return kind == "image" and model.startswith("open_clip")
