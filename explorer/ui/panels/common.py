"""Small helpers the analysis panels share: word-list parsing, result tables and export buttons.
(What the user typed is kept in the project through explorer.ui.binding.)"""

from __future__ import annotations

import re
from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from explorer.io.exporters import write_table


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


def export_columns_dialog(parent: QWidget, default_name: str, columns: dict, meta: dict | None = None) -> str | None:
    path, _ = QFileDialog.getSaveFileName(parent, "Export", default_name, "CSV (*.csv);;JSON (*.json)")
    if path:
        write_table(path, columns, meta=meta)
        return path
    return None
