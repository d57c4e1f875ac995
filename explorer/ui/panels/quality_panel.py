"""Data quality: outliers, near-duplicates, label issues, a linear probe, and the agreement of this
project's neighbours with another embedding of the same items. Each runs as a job in the worker
(progress and Cancel); its result is a sortable table (clicking rows selects their items on the
map) and a numeric column the map is coloured by. The work is explorer.actions.quality's, the same
the command line runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from explorer.actions import ActionError
from explorer.actions.quality import (
    OWN_SET,
    CompareOutcome,
    DuplicatesOutcome,
    DuplicatesRequest,
    EmbedAgainOutcome,
    EmbedAgainRequest,
    LabelIssuesOutcome,
    LabelIssuesRequest,
    OutliersOutcome,
    OutliersRequest,
    ProbeOutcome,
    ProbeRequest,
    compare_sets_job,
    duplicates_job,
    embed_again_job,
    embedding_sets,
    label_issues_job,
    outliers_job,
    probe_job,
)
from explorer.core.project import VectorSet
from explorer.state import AppState
from explorer.ui.binding import PanelBinding
from explorer.ui.panels.common import export_columns_dialog, make_table
from explorer.ui.workers import JobRunner, connect_current

TOOLS = (("outliers", "Outliers"), ("duplicates", "Near-duplicates"), ("label-issues", "Label issues"),
         ("probe", "Linear probe"), ("compare", "Compare two embeddings"))
# the score columns this panel adds (not labels to check)
SCORE_COLUMNS = ("outlier score", "near-duplicates", "label issue", "probe P", "kNN agreement")
SHOWN_ROWS = 1000  # a table of every item of a large set would be slow to fill; export has them all


def _cell(value: object) -> QTableWidgetItem:
    """A table cell that sorts by its value: numbers are stored as numbers (Qt compares those
    numerically), rounded to what is shown. (Not a QTableWidgetItem subclass with __lt__: PySide
    crashes sorting those once their Python wrappers are gone.)"""
    cell = QTableWidgetItem()
    if isinstance(value, (bool, np.bool_)):
        cell.setData(Qt.ItemDataRole.DisplayRole, str(value))
    elif isinstance(value, (int, np.integer)):
        cell.setData(Qt.ItemDataRole.DisplayRole, int(value))
    elif isinstance(value, (float, np.floating)):
        cell.setData(Qt.ItemDataRole.DisplayRole, round(float(value), 4))
    else:
        cell.setData(Qt.ItemDataRole.DisplayRole, str(value))
    return cell


class QualityPanel(QWidget):
    results_shown = Signal()
    set_added = Signal(str)  # "Embed again" kept another embedding of the items in the project
    side_by_side_requested = Signal(str)  # show the active set's map beside this set's (compare view)

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.outcome = None
        self.row_items: list[np.ndarray] = []  # the items each table row stands for
        self.runner = JobRunner(self)
        self.tool = QComboBox()
        for key, label in TOOLS:
            self.tool.addItem(label, key)
        self.method = QComboBox()
        self.method.addItem("local outlier factor (LOF)", "lof")
        self.method.addItem("mean distance to the k nearest", "knn")
        self.k = QSpinBox()
        self.k.setRange(1, 1000)
        self.k.setValue(20)
        self.distance = QComboBox()
        self.distance.addItems(["cosine", "euclidean"])
        self.threshold = QDoubleSpinBox()
        self.threshold.setRange(0.5, 1.0)
        self.threshold.setDecimals(3)
        self.threshold.setSingleStep(0.01)
        self.threshold.setValue(0.95)
        self.label_column = QComboBox()
        self.folds = QSpinBox()
        self.folds.setRange(2, 20)
        self.folds.setValue(5)
        self.seed = QSpinBox()
        self.seed.setRange(0, 1_000_000)
        self.set_a = QComboBox()
        self.set_a.setToolTip("vectors: the project's own embedding; other names: matrices the "
                              "project keeps for the same items")
        self.other = QComboBox()  # a set of the project, or another project file
        self.other.setEditable(True)
        self.other.lineEdit().setPlaceholderText("another project (.eexp) with the same item ids")
        self.browse = QPushButton("…")
        self.browse.setToolTip("Choose another project holding the same items (matched by id), "
                               "e.g. embedded with another model")
        self.browse.clicked.connect(self._browse)
        self.embed_button = QPushButton("Embed again…")
        self.embed_button.setToolTip("Embed the items again with another model and keep the result "
                                     "in the project as another set to compare (texts and words)")
        self.embed_button.clicked.connect(self.ask_model)
        other_row = QHBoxLayout()
        other_row.addWidget(self.other, 1)
        other_row.addWidget(self.browse)
        other_row.addWidget(self.embed_button)
        self.other_widget = QWidget()
        self.other_widget.setLayout(other_row)
        other_row.setContentsMargins(0, 0, 0, 0)
        form = QFormLayout()
        form.addRow("Check", self.tool)
        form.addRow("Method", self.method)
        form.addRow("Neighbours k", self.k)
        form.addRow("Metric", self.distance)
        form.addRow("Cosine at least", self.threshold)
        form.addRow("Labels", self.label_column)
        form.addRow("Folds", self.folds)
        form.addRow("Seed", self.seed)
        form.addRow("Embedding A", self.set_a)
        form.addRow("Embedding B", self.other_widget)
        self.form = form
        self.tool.currentIndexChanged.connect(self._update_fields)
        self.run_button = QPushButton("Run")
        self.run_button.clicked.connect(self.run)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.runner.cancel)
        self.export_button = QPushButton("Export…")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self._export)
        self.axis_button = QPushButton("Direction as map axis")
        self.axis_button.setToolTip("A map whose x axis is the probe's direction (towards the class "
                                    "of the current row)")
        self.axis_button.setVisible(False)
        self.axis_button.clicked.connect(self.direction_as_axis)
        self.side_by_side_button = QPushButton("Maps side by side")
        self.side_by_side_button.setToolTip("The two sets' maps side by side, aligned, with linked zoom, "
                                            "hover and selection (a row's click selects in both)")
        self.side_by_side_button.setVisible(False)
        self.side_by_side_button.clicked.connect(self._side_by_side)
        buttons = QHBoxLayout()
        for button in (self.run_button, self.cancel_button, self.export_button, self.axis_button,
                       self.side_by_side_button):
            buttons.addWidget(button)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setVisible(False)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.table = make_table(["item"])
        self.table.setSortingEnabled(True)
        self.table.setSelectionMode(QTableWidget.SelectionMode.ExtendedSelection)
        self.table.itemSelectionChanged.connect(self._rows_selected)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.table)
        connect_current(self.runner, "finished", self._show)
        connect_current(self.runner, "failed", self._failed)
        connect_current(self.runner, "cancelled", self._cancelled)
        connect_current(self.runner, "progressed", self._progressed)
        state.project_changed.connect(self._on_project)
        state.columns_changed.connect(self._fill_label_columns)
        # after the panel's own project handler, so the choices it fills exist when restored
        self.binding = PanelBinding(state, "quality", {
            "tool": self.tool, "method": self.method, "k": self.k, "metric": self.distance,
            "threshold": self.threshold, "label_column": self.label_column, "folds": self.folds,
            "seed": self.seed, "set_a": self.set_a, "set_b": self.other})
        self._update_fields()
        self._on_project()
        if state.project is not None:  # already open when the panel is made: restore, as on opening
            dirty = state.dirty
            self.binding.load()
            state.set_dirty(dirty)

    # ------------------------------------------------------------------ inputs
    def _update_fields(self) -> None:
        tool = self.tool.currentData()
        shown = {
            self.method: tool == "outliers",
            self.k: tool in ("outliers", "label-issues", "compare"),
            self.distance: tool == "outliers",
            self.threshold: tool == "duplicates",
            self.label_column: tool in ("label-issues", "probe"),
            self.folds: tool in ("label-issues", "probe"),
            self.seed: tool in ("label-issues", "probe"),
            self.set_a: tool == "compare",
            self.other_widget: tool == "compare",
        }
        for widget, visible in shown.items():
            widget.setVisible(visible)
            self.form.labelForField(widget).setVisible(visible)
        self.k.setValue(20 if tool == "outliers" else 10)
        self._fill_label_columns()

    def _fill_label_columns(self) -> None:
        """Category columns (not measurements, not scores this panel added); the probe can also
        tell the selection from the rest."""
        current = self.label_column.currentData()
        self.label_column.clear()
        if self.tool.currentData() == "probe":
            self.label_column.addItem("the selection against the rest", "")
        project = self.state.project
        if project is not None:
            for name, values in project.embeddings.metadata.items():
                if values.dtype.kind not in "fc" and not name.startswith(SCORE_COLUMNS):
                    self.label_column.addItem(name, name)
        index = self.label_column.findData(current)
        if index >= 0:
            self.label_column.setCurrentIndex(index)

    def _browse(self) -> None:
        start = str(self.state.path.parent) if self.state.path else str(Path.cwd())
        path, _ = QFileDialog.getOpenFileName(self, "Another embedding of the same items", start,
                                              "Embedding Explorer projects (*.eexp)")
        if path:
            self.other.setEditText(path)

    def ask_model(self) -> None:
        """Map ▸ Embed Again with Another Model…, or the panel's button: ask for a model id."""
        from PySide6.QtWidgets import QInputDialog  # noqa: PLC0415

        model, ok = QInputDialog.getText(
            self, "Embed again", "Model id, as for import (e.g. all-MiniLM-L6-v2@onnx-int8, "
            "all-mpnet-base-v2, a model folder).\nThe items get another embedding set with its own map:",
            text="all-MiniLM-L6-v2@onnx-int8")
        if ok and model.strip():
            self._bring_forward()  # asked from the Map menu: show where the progress is
            self.embed_again(model.strip())

    def _bring_forward(self) -> None:
        """Make this panel the visible tab of its dock."""
        from PySide6.QtWidgets import QDockWidget, QTabWidget  # noqa: PLC0415

        widget = self.parentWidget()
        while widget is not None:
            if isinstance(widget, QTabWidget):
                for page in range(widget.count()):
                    if widget.widget(page) is self or widget.widget(page).isAncestorOf(self):
                        widget.setCurrentIndex(page)
            elif isinstance(widget, QDockWidget):
                widget.show()
                widget.raise_()
            widget = widget.parentWidget()

    def embed_again(self, model: str, name: str | None = None) -> None:
        """Embed the items again with ``model`` in the worker; the set joins the project when done."""
        if self.state.project is None:
            return
        try:
            job = embed_again_job(self.state.project, EmbedAgainRequest(model, name))
        except ActionError as err:
            self.status.setText(f"⚠ {err}")
            return
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.cancel_button.setEnabled(True)
        self.status.setText(f"Embedding again with {model}…")
        self.runner.start(job, f"embedding again with {model}")

    def _set_added(self, outcome: EmbedAgainOutcome) -> None:
        try:  # on the GUI thread, like every change of the project
            self.state.add_set(VectorSet(outcome.name, outcome.model_id, outcome.vectors,
                                         {} if outcome.projection is None
                                         else {outcome.projection.name: outcome.projection}))
        except ValueError as err:
            self.status.setText(f"⚠ {err}")
            return
        for combo in (self.set_a, self.other):
            if combo.findText(outcome.name) < 0:
                combo.addItem(outcome.name)
        self.other.setCurrentIndex(self.other.findText(outcome.name))
        rows, dims = outcome.vectors.shape
        self.status.setText(f"Added the set {outcome.name!r} ({rows:,} x {dims}) to the project: "
                            "Run compares it with embedding A; the Set box on the toolbar shows its map.")
        self.set_added.emit(outcome.name)

    def _on_project(self) -> None:
        self.runner.cancel()
        self.outcome = None
        self.row_items = []
        self.table.setRowCount(0)
        self.status.setText("")
        self.export_button.setEnabled(False)
        self.axis_button.setVisible(False)
        self.side_by_side_button.setVisible(False)
        self._fill_label_columns()
        self.set_a.clear()
        self.other.clear()
        if self.state.project is not None:
            sets = embedding_sets(self.state.project)
            self.set_a.addItems(sets)
            self.other.addItems(sets[1:])  # the project's other matrices; or a file, typed or chosen
        self.run_button.setEnabled(self.state.project is not None)

    # ------------------------------------------------------------------ running
    def make_job(self):
        """The job for the chosen check and inputs (ActionError on bad input)."""
        project = self.state.project
        emb = project.embeddings
        tool = self.tool.currentData()
        if tool == "outliers":
            request = OutliersRequest(self.method.currentData(), self.k.value(), self.distance.currentText())
            return outliers_job(emb, request, index=project.neighbor_index)
        if tool == "duplicates":
            return duplicates_job(emb, DuplicatesRequest(round(self.threshold.value(), 6)))
        if tool == "label-issues":
            if not self.label_column.currentData():
                raise ActionError("the project has no category column to check")
            request = LabelIssuesRequest(self.label_column.currentData(), self.k.value(),
                                         self.folds.value(), self.seed.value())
            return label_issues_job(emb, request, index=project.neighbor_index)
        if tool == "probe":
            column = self.label_column.currentData() or None
            selection = () if column else tuple(int(i) for i in self.state.selection)
            return probe_job(emb, ProbeRequest(column, selection, self.folds.value(), self.seed.value()))
        other = self.other.currentText().strip()
        if not other:
            raise ActionError("choose embedding B: another project holding the same items")
        return compare_sets_job(project, self.set_a.currentText(), other, self.k.value())

    def run(self) -> None:
        if self.state.project is None:
            return
        try:
            job = self.make_job()
        except ActionError as err:
            self.status.setText(f"⚠ {err}")
            return
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.cancel_button.setEnabled(True)
        self.status.setText("Starting…")
        self.runner.start(job, self.tool.currentText())

    def _progressed(self, step) -> None:
        if step.fraction is not None:
            self.progress.setValue(int(step.fraction * 1000))
        self.status.setText(step.message)

    def _stopped(self) -> None:
        self.progress.setVisible(False)
        self.cancel_button.setEnabled(False)

    def _failed(self, message: str) -> None:
        self._stopped()
        self.status.setText(f"⚠ {message}")

    def _cancelled(self) -> None:
        self._stopped()
        self.status.setText("Cancelled.")

    # ------------------------------------------------------------------ results
    def _show(self, outcome) -> None:
        self._stopped()
        if isinstance(outcome, EmbedAgainOutcome):
            self._set_added(outcome)
            return
        self.outcome = outcome
        emb = self.state.project.embeddings
        self.axis_button.setVisible(isinstance(outcome, ProbeOutcome))
        self.side_by_side_button.setVisible(self._other_set(outcome) is not None)
        if isinstance(outcome, ProbeOutcome):
            self._show_probe(outcome)
        else:
            table = outcome.table(emb)
            columns = {name: values for name, values in table.columns.items()}
            if isinstance(outcome, DuplicatesOutcome):
                groups = outcome.result.groups
                items = [group for group in groups for _ in group]
            else:
                items = [np.array([row]) for row in outcome.result.order]
            self._fill(columns, items)
            shown = f" The first {SHOWN_ROWS:,} are listed; Export writes all." \
                if len(items) > SHOWN_ROWS else ""
            self.status.setText(self._summary(outcome, table.meta, shown))
        name, values = outcome.column()
        self.state.add_column(name, values)  # the map is coloured by the score
        self.export_button.setEnabled(True)
        self.results_shown.emit()

    def _other_set(self, outcome) -> str | None:
        """The compared set that is not the active one, if both are sets of the project."""
        project = self.state.project
        if not isinstance(outcome, CompareOutcome) or project is None:
            return None
        names = [project.active_set if name == OWN_SET else name for name in (outcome.name_a, outcome.name_b)]
        if not all(name in project.sets for name in names) or project.active_set not in names:
            return None
        others = [name for name in names if name != project.active_set]
        return others[0] if others else None

    def _side_by_side(self) -> None:
        other = self._other_set(self.outcome)
        if other is not None:
            self.side_by_side_requested.emit(other)

    def _show_probe(self, outcome: ProbeOutcome) -> None:
        result = outcome.result
        columns = dict(outcome.table().columns)
        items = [np.flatnonzero(result.labels == c) for c in range(len(result.classes))]
        self._fill(columns, items, limit=False)
        target = "the selection against the rest" if outcome.target == "selection" else \
            f"column {outcome.target!r}"
        notes = f" {'; '.join(result.notes)}." if result.notes else ""
        self.status.setText(
            f"Linear probe on {target}: accuracy {result.accuracy:.1%} over {result.folds} folds "
            f"(majority baseline {result.baseline:.1%}). Rows: classes (click to select their "
            f"items); columns: what the out-of-fold predictions said.{notes}")

    def _fill(self, columns: dict, items: list[np.ndarray], limit: bool = True) -> None:
        names = list(columns)
        count = len(items) if not limit else min(len(items), SHOWN_ROWS)
        self.table.setSortingEnabled(False)
        self.table.clearContents()
        self.table.setColumnCount(len(names))
        self.table.setHorizontalHeaderLabels(names)
        self.table.setRowCount(count)
        self.row_items = items[:count]
        lists = {name: np.asarray(columns[name]).tolist() for name in names}
        for r in range(count):
            for c, name in enumerate(names):
                cell = _cell(lists[name][r])
                cell.setData(Qt.ItemDataRole.UserRole, r)  # the row's items, whatever the sort
                self.table.setItem(r, c, cell)
        # first column ascending: the order the result gave (rank, group, class)
        self.table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        self.table.resizeColumnsToContents()

    @staticmethod
    def _summary(outcome, meta: dict, shown: str) -> str:
        search = meta.get("search") or meta.get("search_a")
        how = f" Neighbours: {search}." if search and search != "exact" else ""
        if isinstance(outcome, OutliersOutcome):
            return (f"{meta['items']:,} items scored by {meta['score_means']}; most unusual first."
                    f"{shown}{how}")
        if isinstance(outcome, DuplicatesOutcome):
            if not meta["pairs"]:
                return f"No two items have a cosine of {meta['threshold']:g} or more."
            return (f"{meta['pairs']:,} pairs with cosine ≥ {meta['threshold']:g}, in {meta['groups']:,} "
                    f"groups ({meta['items_in_groups']:,} items). Click a row to select its group.")
        if isinstance(outcome, LabelIssuesOutcome):
            notes = f" {'; '.join(meta['notes'])}." if meta["notes"] else ""
            return (f"{meta['labelled_items']:,} labelled items, least self-confident first "
                    f"(out-of-fold probability of their own label; {meta['folds']} folds).{shown}{how}{notes}")
        if isinstance(outcome, CompareOutcome):
            return (f"Mean Jaccard@{meta['k']} {meta['mean_jaccard']:.3f}, linear CKA {meta['cka']:.3f}; "
                    f"the items whose neighbours differ most first.{shown}{how}")
        return ""

    def _rows_selected(self) -> None:
        rows = sorted({index.row() for index in self.table.selectedIndexes()})
        if not rows or not self.row_items:
            return
        chosen = [self.row_items[self.table.item(r, 0).data(Qt.ItemDataRole.UserRole)] for r in rows]
        self.state.select(np.unique(np.concatenate(chosen)))

    def direction_as_axis(self) -> None:
        """A map whose x axis is the probe's direction (towards the current row's class)."""
        from explorer.core.projections import axes_projection  # noqa: PLC0415

        if not isinstance(self.outcome, ProbeOutcome):
            return
        current = self.table.currentRow()
        class_index = self.table.item(current, 0).data(Qt.ItemDataRole.UserRole) if current >= 0 else None
        name, direction = self.outcome.direction(class_index)
        projection = axes_projection(self.state.project.embeddings.vectors, direction, None, name=name,
                                     params={"probe": self.outcome.target})
        self.state.add_projection(projection)

    def _export(self) -> None:
        if self.outcome is None:
            return
        emb = self.state.project.embeddings
        table = self.outcome.table() if isinstance(self.outcome, ProbeOutcome) else self.outcome.table(emb)
        name = self.tool.currentData() or "quality"
        export_columns_dialog(self, f"{name}.csv", dict(table.columns), dict(table.meta))
