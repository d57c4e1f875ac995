"""Small helpers the analysis panels share: word-list parsing, result tables and export buttons.
(What the user typed is kept in the project through explorer.ui.binding.)"""

from __future__ import annotations

import re
from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QHeaderView,
    QMessageBox,
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
