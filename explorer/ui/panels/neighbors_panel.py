"""Nearest neighbours of a point, a selection's centroid, or typed text, in the ORIGINAL space
(except typed text over an image set whose model reads no text: that is searched in a text model's
space through ImageNet classes, ConSE, and the panel says it is an approximation).

Exact search by default; for large sets the panel offers to build an approximate index
(explorer.core.ann_index) in a worker, kept with the project, and every result says which search
answered it and, for the index, its measured recall against exact search.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from explorer.actions import ActionError
from explorer.actions.neighbors import (
    CENTROID,
    ITEM,
    TEXT,
    IndexRequest,
    NeighborsOutcome,
    NeighborsRequest,
    build_index,
    find_neighbors,
    saved_outcome,
)
from explorer.actions.tables import Table
from explorer.core.ann_index import ApproximateIndex, should_use_index, usable_index
from explorer.core.neighbors import METRICS, Neighbors
from explorer.core.progress import Progress
from explorer.state import AppState
from explorer.ui.binding import PanelBinding
from explorer.ui.panels.common import (
    export_columns_dialog,
    fill_table,
    make_table,
)
from explorer.ui.workers import JobRunner, connect_current

SOURCES = {"Selected item": ITEM, "Selection centroid": CENTROID, "Typed query": TEXT}


class NeighborsPanel(QWidget):
    results_shown = Signal()

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.result: Neighbors | None = None
        self.outcome: NeighborsOutcome | None = None
        self.runner = JobRunner(self)
        self.index_runner = JobRunner(self)
        self._index_project = None  # the project the running index build is for
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
        self.index_button = QPushButton("Build index")
        self.index_button.setToolTip("Build an approximate nearest-neighbour index for the chosen metric, "
                                     "kept with the project: much faster search on large sets, with "
                                     "its recall against exact search measured and shown")
        self.index_button.clicked.connect(self.build_index)
        self.index_progress = QProgressBar()
        self.index_progress.setRange(0, 1000)
        self.index_progress.setTextVisible(True)
        self.index_cancel = QPushButton("Cancel")
        self.index_cancel.clicked.connect(self.index_runner.cancel)
        index_row = QHBoxLayout()
        index_row.addWidget(self.index_button)
        index_row.addWidget(self.index_progress, 1)
        index_row.addWidget(self.index_cancel)
        self.index_status = QLabel()
        self.index_status.setWordWrap(True)
        self.index_status.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.table = make_table(["#", "item", "score"])
        self.table.cellClicked.connect(self._row_clicked)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addLayout(index_row)
        layout.addWidget(self.index_status)
        layout.addWidget(self.note)
        layout.addWidget(self.table)
        connect_current(self.runner, "finished", self._show)
        connect_current(self.runner, "failed", self._failed)
        connect_current(self.runner, "progressed", lambda step: self.note.setText(step.message))
        connect_current(self.index_runner, "progressed", self._index_progressed)
        connect_current(self.index_runner, "finished", self._index_built)
        connect_current(self.index_runner, "failed", self._index_failed)
        connect_current(self.index_runner, "cancelled", self._index_cancelled)
        state.project_changed.connect(self._clear)
        self.metric_box.currentTextChanged.connect(lambda _: self._show_index_status())
        self.binding = PanelBinding(state, "neighbors", {"source": self.source, "query": self.query,
                                                         "metric": self.metric_box, "k": self.k})
        state.project_changed.connect(self._restore)
        self._show_building(False)
        self._show_index_status()

    def _query_entered(self) -> None:
        self.source.setCurrentText("Typed query")
        self.run()

    def run(self) -> None:
        if self.state.project is None:
            return
        try:
            job = find_neighbors(self.state.project, self.request())
        except ActionError as err:
            self._failed(str(err))
            return
        self.note.setText("Searching…")
        self.runner.start(job, "neighbours")

    def request(self) -> NeighborsRequest:
        """What the inputs ask for, with the selection as it is now."""
        source = SOURCES[self.source.currentText()]
        selected = list(self.state.selection)
        if source == ITEM and selected:
            selected = [self.state.focus if self.state.focus is not None else selected[0]]
        return NeighborsRequest(source, self.query.text(), tuple(selected) if source != TEXT else (),
                                self.k.value(), self.metric_box.currentText())

    def _failed(self, message: str) -> None:
        self.note.setText(f"⚠ {message}")

    # ------------------------------------------------------------------ the approximate index
    def build_index(self) -> None:
        project = self.state.project
        if project is None:
            return
        self._index_project = project
        self._show_building(True)
        self.index_status.setText("Building the index…")
        job = build_index(project, IndexRequest(self.metric_box.currentText()))
        self.index_runner.start(job, "neighbour index")

    def _show_building(self, building: bool) -> None:
        self.index_progress.setVisible(building)
        self.index_cancel.setVisible(building)
        self.index_button.setEnabled(not building and self.state.project is not None)
        if building:
            self.index_progress.setValue(0)

    def _index_progressed(self, step: Progress) -> None:
        fraction = step.fraction
        if fraction is not None:
            self.index_progress.setValue(int(fraction * 1000))
        self.index_progress.setFormat(step.message or "%p%")

    def _index_built(self, index: ApproximateIndex) -> None:
        self._show_building(False)
        project = self._index_project
        self._index_project = None
        if project is None or project is not self.state.project:
            return  # built for a project that is no longer open
        project.neighbor_index = index
        self.state.set_dirty()
        self._show_index_status()

    def _index_failed(self, message: str) -> None:
        self._show_building(False)
        self._index_project = None
        self.index_status.setText(f"⚠ Could not build the index: {message}")

    def _index_cancelled(self) -> None:
        self._show_building(False)
        self._index_project = None
        self._show_index_status()

    def _show_index_status(self) -> None:
        project = self.state.project
        if project is None:
            self.index_status.setText("")
            return
        emb, metric = project.embeddings, self.metric_box.currentText()
        index = project.neighbor_index
        if usable_index(index, emb.vectors, metric) is not None:
            self.index_status.setText(f"Search: {index.describe()}, for {metric}.")
        elif isinstance(index, ApproximateIndex) and index.matches(emb.vectors, index.metric):
            self.index_status.setText(f"Search: exact. The index is for {index.metric}; "
                                      f"build one for {metric} to search faster by it.")
        elif should_use_index(len(emb), emb.dim):
            self.index_status.setText(f"Search: exact over {len(emb):,} items, which takes tens of "
                                      "milliseconds or more per query. Build an index for fast "
                                      "approximate search (its recall is measured and shown).")
        else:
            self.index_status.setText("Search: exact (fast at this size; an index is optional).")

    def _clear(self) -> None:
        self.index_runner.cancel()
        self._index_project = None
        self._show_building(False)
        self._show_index_status()
        self.result = None
        self.outcome = None
        self.table.setRowCount(0)
        self.export_button.setEnabled(False)
        self.note.setText("")

    # ------------------------------------------------------------------ saved with the project
    def _restore(self) -> None:
        """Show the result the project's session kept (the record was checked against the data)."""
        record = self.binding.record()
        if record is not None and record.result is not None:
            self._show(saved_outcome(record, self.state.project.embeddings.dim), restoring=True)

    def _show(self, outcome: NeighborsOutcome, restoring: bool = False) -> None:
        result, description, how, space = outcome.neighbors, outcome.description, outcome.search, outcome.space
        self.result, self.outcome = result, outcome
        emb = self.state.project.embeddings
        what = "distance (smaller is nearer)" if result.metric == "euclidean" else result.metric
        if space is None:
            where = f"in the original {emb.dim}-d space (not distances on the map)"
        else:
            where = (f"in {space.split('/', 1)[-1]}'s text space, where each image sits by its ImageNet "
                     "classes: an approximation (ConSE), not the image model's own space")
        self.note.setText(f"Neighbours of {description}, by {what} {where}; search: {how}.")
        indices = result.indices.tolist()
        fill_table(self.table, [(row + 1, emb.texts[index][:200], float(score))
                                for row, (index, score) in enumerate(zip(indices, result.scores.tolist()))],
                   keys=indices)
        self.export_button.setEnabled(True)
        if not restoring:  # a reopened project brings its own marks
            self.binding.record().update(result=result, description=description, how=how, space=space)
            self.state.set_highlight(result.indices)
        self.results_shown.emit()

    def _row_clicked(self, row: int, _column: int) -> None:
        index = self.table.item(row, 0).data(Qt.ItemDataRole.UserRole)
        self.state.select([int(index)])
        self.state.request_reveal([int(index)])

    def table_columns(self) -> dict[str, np.ndarray]:
        return dict(self.export_table().columns)

    def export_table(self) -> Table:
        """The table Export writes (the same as ``explorer neighbors`` prints)."""
        return self.outcome.table(self.state.project.embeddings)

    def export_dialog(self) -> None:
        export_columns_dialog(self, "neighbours.csv", self.export_table())
