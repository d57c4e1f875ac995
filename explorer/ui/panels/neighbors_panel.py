"""Nearest neighbours of a point, a selection's centroid, or typed text, in the ORIGINAL space."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from explorer.core.neighbors import METRICS, Neighbors, nearest
from explorer.core.progress import Job, Progress
from explorer.embedders.query import query_vector
from explorer.io.exporters import write_table
from explorer.state import AppState
from explorer.ui.workers import JobRunner, connect_current

SOURCES = ("Selected item", "Selection centroid", "Typed query")


def neighbors_job(state: AppState, source: str, text: str, k: int, metric: str) -> Job[tuple]:
    emb = state.project.embeddings
    selected = state.selection
    exclude: list[int] = []
    if source == "Typed query":
        if not text.strip():
            raise ValueError("type a word, an item's text or id, or any text to embed")
        query = yield from query_vector(emb, text.strip())
        vector, description = query.vector, query.description
        exclude = [query.item] if query.item is not None else []
    elif not selected:
        raise ValueError("select a point on the map first")
    elif source == "Selected item":
        index = state.focus if state.focus is not None else selected[0]
        vector, exclude, description = emb.vectors[index], [index], f"item {emb.ids[index]}"
    else:
        vector = emb.unit_vectors[selected].mean(axis=0) if metric == "cosine" else emb.vectors[selected].mean(axis=0)
        exclude, description = list(selected), f"centroid of {len(selected):,} selected items"
    yield Progress(0, 1, "Searching")
    result = nearest(emb.vectors, vector, k=k, metric=metric, exclude=exclude,
                     unit_vectors=emb.unit_vectors if metric == "cosine" else None)
    return result, description


class NeighborsPanel(QWidget):
    results_shown = Signal()

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.result: Neighbors | None = None
        self.runner = JobRunner(self)
        form = QFormLayout()
        self.source = QComboBox()
        self.source.addItems(SOURCES)
        self.query = QLineEdit()
        self.query.setPlaceholderText("a word, an item, or any text")
        self.query.returnPressed.connect(self._query_entered)
        self.metric_box = QComboBox()
        self.metric_box.addItems(METRICS)
        self.k = QSpinBox()
        self.k.setRange(1, 1000)
        self.k.setValue(10)
        form.addRow("Of", self.source)
        form.addRow("Query", self.query)
        row = QHBoxLayout()
        row.addWidget(self.metric_box)
        row.addWidget(QLabel("k"))
        row.addWidget(self.k)
        form.addRow("Metric", row)
        self.run_button = QPushButton("Find neighbours")
        self.run_button.clicked.connect(self.run)
        self.export_button = QPushButton("Export…")
        self.export_button.clicked.connect(self.export_dialog)
        self.export_button.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.export_button)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #555;")
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["#", "item", "score"])
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.cellClicked.connect(self._row_clicked)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.note)
        layout.addWidget(self.table)
        connect_current(self.runner, "finished", self._show)
        connect_current(self.runner, "failed", self._failed)
        connect_current(self.runner, "progressed", lambda step: self.note.setText(step.message))
        state.project_changed.connect(self._clear)

    def _query_entered(self) -> None:
        self.source.setCurrentText("Typed query")
        self.run()

    def run(self) -> None:
        if self.state.project is None:
            return
        self.note.setText("Searching…")
        job = neighbors_job(self.state, self.source.currentText(), self.query.text(), self.k.value(),
                            self.metric_box.currentText())
        self.runner.start(job, "neighbours")

    def _failed(self, message: str) -> None:
        self.note.setText(f"⚠ {message}")

    def _clear(self) -> None:
        self.result = None
        self.table.setRowCount(0)
        self.export_button.setEnabled(False)
        self.note.setText("")

    def _show(self, outcome) -> None:
        result, description = outcome
        self.result = result
        emb = self.state.project.embeddings
        what = "distance (smaller is nearer)" if result.metric == "euclidean" else result.metric
        self.note.setText(f"Neighbours of {description}, by {what} in the original {emb.dim}-d space "
                          "(not distances on the map).")
        self.table.setRowCount(len(result.indices))
        for row, (index, score) in enumerate(zip(result.indices.tolist(), result.scores.tolist())):
            for column, value in enumerate((str(row + 1), emb.texts[index][:200], f"{score:.4f}")):
                cell = QTableWidgetItem(value)
                cell.setData(Qt.ItemDataRole.UserRole, index)
                self.table.setItem(row, column, cell)
        self.export_button.setEnabled(True)
        self.state.set_highlight(result.indices)
        self.results_shown.emit()

    def _row_clicked(self, row: int, _column: int) -> None:
        index = self.table.item(row, 0).data(Qt.ItemDataRole.UserRole)
        self.state.select([int(index)])

    def table_columns(self) -> dict[str, np.ndarray]:
        emb = self.state.project.embeddings
        indices = self.result.indices
        return {"rank": np.arange(1, len(indices) + 1), "id": emb.ids[indices], "text": emb.texts[indices],
                self.result.metric: self.result.scores}

    def export_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export neighbours", "neighbours.csv",
                                              "CSV (*.csv);;JSON (*.json)")
        if path:
            write_table(path, self.table_columns())
