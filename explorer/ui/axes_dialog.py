"""Map ▸ Custom Axes: x (and optionally y) runs from one term, set of items or the selection to
another, like the Embedding Projector's custom projection."""

from __future__ import annotations

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)


class AxesDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Custom axes")
        self.x_from, self.x_to = QLineEdit("he"), QLineEdit("she")
        self.y_from, self.y_to = QLineEdit(), QLineEdit()
        for edit in (self.y_from, self.y_to):
            edit.setPlaceholderText("optional")
        form = QFormLayout()
        form.addRow("x from", self.x_from)
        form.addRow("x to", self.x_to)
        form.addRow("y from", self.y_from)
        form.addRow("y to", self.y_to)
        hint = QLabel("Each end is a word or an item's text, several separated by commas (their centre), "
                      "'selection' (the selected points' centre), or any text, embedded with the "
                      "project's model. Without y, the y axis is the main direction x leaves unexplained.")
        hint.setWordWrap(True)
        hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(buttons)
        self.buttons = buttons

    def ends(self) -> tuple[str, str, str, str]:
        return self.x_from.text(), self.x_to.text(), self.y_from.text(), self.y_to.text()
