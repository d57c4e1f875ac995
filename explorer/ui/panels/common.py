"""Small helpers the analysis panels share: word-list parsing, result tables, export buttons, and
saving what the user typed into the project."""

from __future__ import annotations

import re
from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QHeaderView,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from explorer.actions import ActionError
from explorer.actions.tables import Table


def parse_words(text: str) -> list[str]:
    """Words separated by commas, spaces or new lines."""
    return [w for w in re.split(r"[,\s]+", text.strip()) if w]


def make_table(headers: Sequence[str], stretch: int = 1) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    return table


def fill_table(table: QTableWidget, rows: Sequence[Sequence[object]], keys: Sequence[object] | None = None) -> None:
    """Fill rows of display values; ``keys`` (e.g. item indices) go in each row's UserRole."""
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            text = f"{value:.4f}" if isinstance(value, float) else str(value)
            cell = QTableWidgetItem(text)
            if keys is not None:
                cell.setData(Qt.ItemDataRole.UserRole, keys[r])
            table.setItem(r, c, cell)


def export_columns_dialog(parent: QWidget, default_name: str, table: Table) -> str | None:
    """Ask for a .csv or .json file and write ``table`` to it (a failure is shown, not raised)."""
    path, _ = QFileDialog.getSaveFileName(parent, "Export", default_name, "CSV (*.csv);;JSON (*.json)")
    if not path:
        return None
    try:
        table.write(path)
    except ActionError as err:
        QMessageBox.warning(parent, "Cannot export", str(err))
        return None
    return path


def widget_values(widgets: dict[str, QWidget]) -> dict[str, object]:
    """What the user typed and chose in ``widgets``, as plain values (for the project file)."""
    values: dict[str, object] = {}
    for name, widget in widgets.items():
        if isinstance(widget, QCheckBox):
            values[name] = widget.isChecked()
        elif isinstance(widget, (QSpinBox, QDoubleSpinBox)):
            values[name] = widget.value()
        elif isinstance(widget, QComboBox):
            data = widget.currentData()
            values[name] = data if isinstance(data, (str, int, float)) else widget.currentText()
        elif isinstance(widget, QLineEdit):
            values[name] = widget.text()
        elif isinstance(widget, QPlainTextEdit):
            values[name] = widget.toPlainText()
    return values


def set_widget_values(widgets: dict[str, QWidget], values: dict[str, object]) -> None:
    """Put saved values back; unknown names and values that no longer fit are skipped."""
    for name, value in values.items():
        widget = widgets.get(name)
        if widget is None:
            continue
        if isinstance(widget, QCheckBox) and isinstance(value, bool):
            widget.setChecked(value)
        elif isinstance(widget, QSpinBox) and isinstance(value, int):
            widget.setValue(value)
        elif isinstance(widget, QDoubleSpinBox) and isinstance(value, (int, float)):
            widget.setValue(float(value))
        elif isinstance(widget, QComboBox):
            index = widget.findData(value)
            if index < 0:
                index = widget.findText(str(value))
            if index >= 0:
                widget.setCurrentIndex(index)
        elif isinstance(widget, QLineEdit) and isinstance(value, str):
            widget.setText(value)
        elif isinstance(widget, QPlainTextEdit) and isinstance(value, str):
            widget.setPlainText(value)
