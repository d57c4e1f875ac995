"""Two-way binding of input widgets to the fields of a panel's session record (explorer.core.session).

A widget edit writes its record field at once (which marks the project dirty); a record that
changes elsewhere updates its widget; opening a project puts the record's values into the widgets,
and fields the file left unchosen (None) take the widget's default. The record's field names, not
the widgets' attribute names, are what the project file keeps.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QWidget,
)

from explorer.state import AppState


def read_widget(widget: QWidget) -> Any:
    if isinstance(widget, QCheckBox):
        return widget.isChecked()
    if isinstance(widget, (QSpinBox, QDoubleSpinBox)):
        return widget.value()
    if isinstance(widget, QComboBox):
        data = widget.currentData()
        return data if isinstance(data, (str, int, float)) else widget.currentText()
    if isinstance(widget, QLineEdit):
        return widget.text()
    if isinstance(widget, QPlainTextEdit):
        return widget.toPlainText()
    raise TypeError(f"cannot bind a {type(widget).__name__}")


def write_widget(widget: QWidget, value: Any) -> None:
    """Show ``value``; one that no longer fits the widget (an unknown choice) is skipped."""
    if isinstance(widget, QCheckBox) and isinstance(value, bool):
        widget.setChecked(value)
    elif isinstance(widget, QSpinBox) and isinstance(value, int) and not isinstance(value, bool):
        widget.setValue(value)
    elif isinstance(widget, QDoubleSpinBox) and isinstance(value, (int, float)) and not isinstance(value, bool):
        widget.setValue(float(value))
    elif isinstance(widget, QComboBox):
        index = widget.findData(value)
        if index < 0:
            index = widget.findText(str(value))
        if index >= 0:
            widget.setCurrentIndex(index)
    elif isinstance(widget, QLineEdit) and isinstance(value, str):
        if widget.text() != value:  # setText moves the cursor: only when it differs
            widget.setText(value)
    elif isinstance(widget, QPlainTextEdit) and isinstance(value, str):
        if widget.toPlainText() != value:
            widget.setPlainText(value)


def _changed_signal(widget: QWidget):
    if isinstance(widget, QCheckBox):
        return widget.toggled
    if isinstance(widget, (QSpinBox, QDoubleSpinBox)):
        return widget.valueChanged
    if isinstance(widget, QComboBox):
        return widget.currentIndexChanged
    if isinstance(widget, QLineEdit):
        return widget.textChanged
    if isinstance(widget, QPlainTextEdit):
        return widget.textChanged
    raise TypeError(f"cannot bind a {type(widget).__name__}")


class PanelBinding:
    """Binds ``widgets`` (record field -> widget, in the order they must be restored) to the
    ``panel`` record of the state's open project. Create it after the panel has connected its own
    project handler, so that choices the panel fills per project exist before they are restored."""

    def __init__(self, state: AppState, panel: str, widgets: dict[str, QWidget]) -> None:
        self.state = state
        self.panel = panel
        self.widgets = dict(widgets)
        self._quiet = False  # while the widgets are being filled from the record
        for name, widget in self.widgets.items():
            _changed_signal(widget).connect(lambda *_, name=name: self._to_record(name))
        state.project_changed.connect(self.load)
        state.panel_changed.connect(self._from_record)

    def record(self):
        return self.state.project.view.panel(self.panel) if self.state.project is not None else None

    def load(self) -> None:
        record = self.record()
        if record is None:
            return
        self._quiet = True
        try:
            for name, widget in self.widgets.items():
                value = getattr(record, name)
                if value is not None:
                    write_widget(widget, value)
        finally:
            self._quiet = False
        for name, widget in self.widgets.items():  # unchosen: the widget's default
            if getattr(record, name) is None:
                setattr(record, name, read_widget(widget))

    def _to_record(self, name: str) -> None:
        record = self.record()
        if record is None or self._quiet:
            return
        self._quiet = True  # our own change comes back through panel_changed: leave the widget be
        try:
            setattr(record, name, read_widget(self.widgets[name]))
        finally:
            self._quiet = False

    def _from_record(self, panel: str, name: str) -> None:
        if panel != self.panel or name not in self.widgets or self._quiet:
            return
        value = getattr(self.record(), name)
        if value is not None:
            self._quiet = True
            try:
                write_widget(self.widgets[name], value)
            finally:
                self._quiet = False
