"""The selection as a table (text, label, metadata), in sync with the map both ways: the map's
selection fills the table; choosing a row focuses that point on the map; Delete removes rows."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from explorer.actions.tables import selection_table
from explorer.state import AppState


class SelectionModel(QAbstractTableModel):
    def __init__(self, state: AppState) -> None:
        super().__init__()
        self.state = state
        self.rows: list[int] = []
        self.columns: list[str] = []

    def refresh(self) -> None:
        self.beginResetModel()
        project = self.state.project
        self.rows = self.state.selection
        self.columns = ["id", "text", *project.embeddings.metadata] if project else []
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        value = self.state.project.embeddings.column(self.columns[index.column()])[self.rows[index.row()]]
        if isinstance(value, (float, np.floating)):
            return f"{value:.4g}"
        return str(value)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.columns[section]
        return str(section + 1)


class SelectionPanel(QWidget):
    exported = Signal(str)

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.model = SelectionModel(state)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSortingEnabled(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setDefaultSectionSize(20)
        self.table.selectionModel().currentRowChanged.connect(self._on_row)
        self.count = QLabel()
        self.export_button = QPushButton("Export…")
        self.export_button.clicked.connect(self.export_dialog)
        self.clear_button = QPushButton("Clear")
        self.clear_button.clicked.connect(lambda: self.state.select([]))
        top = QHBoxLayout()
        top.addWidget(self.count, 1)
        top.addWidget(self.export_button)
        top.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.table)
        remove = QShortcut(QKeySequence.StandardKey.Delete, self.table)
        remove.setWhatsThis("Remove the chosen rows from the selection")
        remove.activated.connect(self.remove_chosen_rows)
        state.project_changed.connect(self.refresh)
        state.selection_changed.connect(self.refresh)
        state.focus_changed.connect(self._show_focus)
        self.refresh()

    def refresh(self) -> None:
        self.model.refresh()
        n = len(self.model.rows)
        self.count.setText(f"{n:,} selected" if n else "Nothing selected: click, or drag with Box / Lasso")
        self.export_button.setEnabled(bool(n))
        self.clear_button.setEnabled(bool(n))
        self.table.resizeColumnToContents(0)

    def _on_row(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid() and current.row() < len(self.model.rows):
            self.state.set_focus(self.model.rows[current.row()])
            self.state.request_reveal([self.model.rows[current.row()]])

    def _show_focus(self) -> None:
        focus = self.state.focus
        if focus in self.model.rows:
            row = self.model.rows.index(focus)
            if self.table.currentIndex().row() != row:
                self.table.selectRow(row)

    def remove_chosen_rows(self) -> None:
        chosen = {self.model.rows[i.row()] for i in self.table.selectionModel().selectedRows()}
        if chosen:
            self.state.select([i for i in self.state.selection if i not in chosen])

    def export_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export selection", "selection.csv",
                                              "CSV (*.csv);;JSON (*.json)")
        if path:
            self.export(path)

    def export(self, path: str) -> None:
        selection_table(self.state.project, self.state.selection).write(path)
        self.exported.emit(path)
