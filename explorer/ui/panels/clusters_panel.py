"""Clusters: k-means, HDBSCAN or agglomerative in a worker; the map coloured by cluster; a list
with sizes and automatic names; clicking a cluster selects it."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from explorer.actions import ActionError
from explorer.actions.clusters import ClustersOutcome, ClustersRequest, clusters_job
from explorer.actions.tables import Table
from explorer.core.clusters import LABELS
from explorer.state import AppState
from explorer.ui.binding import PanelBinding
from explorer.ui.panels.common import (
    export_columns_dialog,
    fill_table,
    make_table,
)
from explorer.ui.panels.fit import compact_combo
from explorer.ui.workers import JobRunner, connect_current


class ClustersPanel(QWidget):
    results_shown = Signal()

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.result = None
        self.names = {}
        self.outcome: ClustersOutcome | None = None
        self.runner = JobRunner(self)
        self.method = compact_combo(QComboBox())
        for key, label in LABELS.items():
            self.method.addItem(label, key)
        self.n_clusters = QSpinBox()
        self.n_clusters.setRange(2, 500)
        self.n_clusters.setValue(8)
        self.min_size = QSpinBox()
        self.min_size.setRange(2, 100_000)
        self.min_size.setValue(10)
        self.normalize = QCheckBox("Unit vectors (cosine)")
        self.normalize.setToolTip("Cluster directions: every vector scaled to length 1 first, so the "
                                  "clusters follow cosine similarity rather than vector length")
        self.normalize.setChecked(True)
        self.name_by = compact_combo(QComboBox())
        self.name_by.setToolTip("How each cluster is named: its distinctive words, the words nearest "
                                "its centre, or the most common value of a column")
        form = QFormLayout()
        form.addRow("Method", self.method)
        form.addRow("Clusters", self.n_clusters)
        form.addRow("Smallest cluster", self.min_size)
        form.addRow("", self.normalize)
        form.addRow("Name by", self.name_by)
        self.form = form
        self.method.currentIndexChanged.connect(self._update_fields)
        self.run_button = QPushButton("Cluster")
        self.run_button.clicked.connect(self.run)
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Write each item's cluster (CSV or JSON)")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self._export)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.export_button)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.table = make_table(["cluster", "size", "name"], stretch=2)
        self.table.cellClicked.connect(self._row_clicked)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addWidget(self.table)
        connect_current(self.runner, "finished", self._show)
        connect_current(self.runner, "failed", lambda m: self.status.setText(f"⚠ {m}"))
        connect_current(self.runner, "progressed", lambda step: self.status.setText(step.message))
        state.project_changed.connect(self._on_project)
        self.binding = PanelBinding(state, "clusters", {
            "method": self.method, "n_clusters": self.n_clusters, "min_size": self.min_size,
            "normalize": self.normalize, "name_by": self.name_by})
        state.project_changed.connect(self._restore)
        self._update_fields()

    def _on_project(self) -> None:
        self.result, self.names = None, {}
        self.export_button.setEnabled(False)
        self.table.setRowCount(0)
        self.status.setText("")
        self.name_by.clear()
        project = self.state.project
        if project is None:
            return
        automatic = "nearest words" if project.embeddings.modality == "word" else "distinctive words (c-TF-IDF)"
        self.name_by.addItem(automatic, None)
        for name, values in project.embeddings.metadata.items():
            if values.dtype.kind not in "iuf" and not name.startswith("cluster"):
                self.name_by.addItem(f"majority {name}", name)

    # ------------------------------------------------------------------ saved with the project
    def _restore(self) -> None:
        """Show the clusters the project's session kept (checked against the data on load)."""
        record = self.binding.record()
        if record is not None and record.result is not None:
            self._show(ClustersOutcome(record.result, record.names or {}, ""), restoring=True)

    def _update_fields(self) -> None:
        hdbscan = self.method.currentData() == "hdbscan"
        for widget, shown in ((self.n_clusters, not hdbscan), (self.min_size, hdbscan)):
            widget.setVisible(shown)
            self.form.labelForField(widget).setVisible(shown)

    def params(self) -> dict:
        method = self.method.currentData()
        params = {"normalize": self.normalize.isChecked()}
        if method == "hdbscan":
            params["min_cluster_size"] = self.min_size.value()
        else:
            params["n_clusters"] = self.n_clusters.value()
        return params

    def run(self) -> None:
        if self.state.project is None:
            return
        request = self.request()
        try:
            job = clusters_job(self.state.project.embeddings, request)
        except ActionError as err:
            self.status.setText(f"⚠ {err}")
            return
        self.runner.start(job, f"{request.method} clustering")

    def request(self) -> ClustersRequest:
        return ClustersRequest(self.method.currentData(), self.params(), self.name_by.currentData())

    def _show(self, outcome: ClustersOutcome, restoring: bool = False) -> None:
        result, names = outcome.result, outcome.names
        self.result, self.names, self.outcome = result, names, outcome
        if not restoring:  # a reopened project already has its cluster column
            self.binding.record().update(result=outcome.result, names=outcome.names)
            self.state.add_column(*outcome.column())  # colours the map by cluster
        order = sorted(names, key=lambda c: (c < 0, -names[c].size))
        fill_table(self.table, [(c if c >= 0 else "noise", names[c].size, names[c].name) for c in order], keys=order)
        silhouette = "n/a" if result.silhouette is None else f"{result.silhouette:.3f}"
        noise = f", {result.n_noise:,} noise points" if result.n_noise else ""
        self.status.setText(f"{result.n_clusters} clusters{noise}; silhouette (cosine) {silhouette}. "
                            "Click a cluster to select it.")
        self.export_button.setEnabled(True)
        self.results_shown.emit()

    def _row_clicked(self, row: int, _column: int) -> None:
        cluster_id = self.table.item(row, 0).data(Qt.ItemDataRole.UserRole)
        self.state.select(np.flatnonzero(self.result.labels == cluster_id))
        self.state.request_reveal(self.state.selection)

    def export_table(self) -> Table:
        """The table Export writes (the same as ``explorer clusters`` prints)."""
        return self.outcome.table(self.state.project.embeddings)

    def _export(self) -> None:
        export_columns_dialog(self, "clusters.csv", self.export_table())
