"""Analogies (king - man + woman) with 3CosAdd or 3CosMul, drawn as arrows on the map, and
evaluation on a question file in the Google analogy format."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from explorer.actions import ActionError
from explorer.actions.analogy import (
    AnalogyRequest,
    EvaluationRequest,
    analogy_job,
    analogy_table,
    evaluate_job,
    evaluation_table,
)
from explorer.actions.tables import Table
from explorer.core.analogy import AnalogyEvaluation, AnalogyResult
from explorer.state import AppState
from explorer.ui.binding import PanelBinding
from explorer.ui.panels.common import (
    export_columns_dialog,
    fill_table,
    make_table,
    parse_words,
)
from explorer.ui.panels.fit import (
    compact_combo,
    modality,
    note_label,
    quietly,
    reason_label,
    show_reason,
)
from explorer.ui.workers import JobRunner, connect_current

INPUTS_NOTE = ("Input words are left out of the answers by default, as gensim and the papers do. "
               "Include them to see that several famous biased analogies (man : doctor :: woman : "
               "nurse) only appear because the inputs are excluded: the true nearest vector is often "
               "an input word itself.")


class AnalogyPanel(QWidget):
    results_shown = Signal()
    evaluation_shown = Signal()

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.result = None
        self.evaluation = None
        self.runner = JobRunner(self)
        self.positive = QLineEdit("king woman")
        self.negative = QLineEdit("man")
        self.method = compact_combo(QComboBox(), 9)
        self.method.addItem("3CosAdd", "3cosadd")
        self.method.addItem("3CosMul", "3cosmul")
        self.method.setToolTip("3CosAdd: the vector offset b − a + c. 3CosMul: Levy & Goldberg (2014)'s "
                               "multiplicative combination, less dominated by one large similarity.")
        self.k = QSpinBox()
        self.k.setRange(1, 200)
        self.k.setValue(10)
        self.include_inputs = QCheckBox("Include the input words")
        self.include_inputs.setToolTip(INPUTS_NOTE)
        form = QFormLayout()
        form.addRow("Positive (+)", self.positive)
        form.addRow("Negative (−)", self.negative)
        row = QHBoxLayout()
        row.addWidget(self.method, 1)
        row.addWidget(QLabel("k"))
        row.addWidget(self.k)
        form.addRow("Method", row)
        form.addRow("", self.include_inputs)
        self.note = note = note_label(INPUTS_NOTE)
        self.run_button = QPushButton("Solve")
        self.run_button.clicked.connect(self.run)
        self.positive.returnPressed.connect(self.run)
        self.negative.returnPressed.connect(self.run)
        self.export_button = QPushButton("Export…")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self._export)
        self.eval_button = QPushButton("Evaluate…")
        self.eval_button.setToolTip("Accuracy on a question file in the Google analogy format, per section")
        self.eval_button.clicked.connect(self.evaluate_dialog)
        self.eval_export = QPushButton("Export evaluation…")
        self.eval_export.setEnabled(False)
        self.eval_export.clicked.connect(self._export_evaluation)
        buttons = QHBoxLayout()
        for button in (self.run_button, self.export_button):
            buttons.addWidget(button)
        eval_buttons = QHBoxLayout()  # a row of their own: four buttons do not fit the side dock
        for button in (self.eval_button, self.eval_export):
            eval_buttons.addWidget(button)
        self.reason = reason_label()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.table = make_table(["#", "word", "score"])
        self.table.cellClicked.connect(self._row_clicked)
        self.eval_table = make_table(["section", "accuracy", "correct", "questions"], stretch=0)
        self.eval_table.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(self.reason)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addLayout(buttons)
        layout.addLayout(eval_buttons)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 2)
        layout.addWidget(self.eval_table, 1)
        connect_current(self.runner, "finished", self._show)
        connect_current(self.runner, "failed", lambda m: self.status.setText(f"⚠ {m}"))
        connect_current(self.runner, "progressed", lambda step: self.status.setText(step.message))
        state.project_changed.connect(self._clear)
        self.binding = PanelBinding(state, "analogy", {
            "positive": self.positive, "negative": self.negative, "method": self.method, "k": self.k,
            "include_inputs": self.include_inputs})
        state.project_changed.connect(self._restore)

    # ------------------------------------------------------------------ saved with the project
    def _restore(self) -> None:
        """Show the results the project's session kept."""
        record = self.binding.record()
        if record is None:
            return
        if record.result is not None:
            self._show(record.result, restoring=True)
        if record.evaluation is not None:
            self._show_evaluation(record.evaluation, restoring=True)

    def _clear(self) -> None:
        """A new project: its own defaults (never the last project's words), and a reason instead
        of the inputs when the set has no words to do arithmetic on."""
        kind = modality(self.state.project)
        words = kind in (None, "word")
        with quietly([self.positive, self.negative]):
            self.positive.setText("king woman" if words else "")
            self.negative.setText("man" if words else "")
        reasons = {"image": "Analogies need word vectors; this set holds images.",
                   "text": "Analogies need word vectors; this set holds sentences, which have no "
                           "single-word offsets such as king − man + woman."}
        show_reason(self.reason, reasons.get(kind, ""),
                    [self.positive, self.negative, self.method, self.k, self.include_inputs,
                     self.run_button, self.eval_button, self.table])
        self.note.setVisible(not self.reason.text())  # about input words: moot when there are none
        self.table.setVisible(not self.reason.text())
        self.result = self.evaluation = None
        self.table.setRowCount(0)
        self.eval_table.setRowCount(0)
        self.eval_table.hide()
        self.status.setText("")
        self.export_button.setEnabled(False)
        self.eval_export.setEnabled(False)

    def run(self) -> None:
        if self.state.project is None:
            return
        request = self.request()
        if not request.positive:
            self.status.setText("⚠ give at least one positive word")
            return
        self.runner.start(analogy_job(self.state.project.embeddings, request), "analogy")

    def request(self) -> AnalogyRequest:
        return AnalogyRequest(tuple(parse_words(self.positive.text())), tuple(parse_words(self.negative.text())),
                              self.method.currentData(), self.k.value(), self.include_inputs.isChecked())

    def _show(self, outcome: AnalogyResult | AnalogyEvaluation, restoring: bool = False) -> None:
        if isinstance(outcome, AnalogyEvaluation):
            self._show_evaluation(outcome)
            return
        self.result = outcome
        fill_table(self.table, [(i + 1, w, float(s)) for i, (w, s) in enumerate(zip(outcome.words, outcome.scores))],
                   keys=[int(i) for i in outcome.indices])
        expression = " + ".join(outcome.positive) + "".join(f" − {w}" for w in outcome.negative)
        excluded = "inputs excluded" if outcome.excluded else "inputs included"
        self.status.setText(f"{expression} ≈ {outcome.words[0] if outcome.words else '?'}  "
                            f"({outcome.method}, {excluded}; cosine in the original space)")
        self.export_button.setEnabled(True)
        if not restoring:  # a reopened project brings its own arrows and marks
            self.binding.record().result = outcome
            self._draw_arrows(outcome)
        self.results_shown.emit()

    def _draw_arrows(self, outcome) -> None:
        """man → woman, and king → the answer: the two offsets the analogy says are parallel."""
        key = self.state.project.embeddings.key_to_index
        arrows = []
        positive = [key[w] for w in outcome.positive if w in key]
        negative = [key[w] for w in outcome.negative if w in key]
        for neg, pos in zip(negative, positive[1:]):
            arrows.append((neg, pos))
        if positive and len(outcome.indices):
            arrows.append((positive[0], int(outcome.indices[0])))
        self.state.set_arrows(arrows)
        self.state.set_highlight(outcome.indices)
        self.state.request_reveal([i for pair in arrows for i in pair])  # the arrows and the answer

    def _row_clicked(self, row: int, _column: int) -> None:
        index = self.table.item(row, 0).data(Qt.ItemDataRole.UserRole)
        self.state.select([int(index)])
        self.state.request_reveal([int(index)])

    def export_table(self) -> Table:
        """The table Export writes (the same as ``explorer analogy`` prints)."""
        return analogy_table(self.result)

    def _export(self) -> None:
        export_columns_dialog(self, "analogy.csv", self.export_table())

    # ------------------------------------------------------------------ evaluation
    def evaluate_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Analogy questions (Google format)", "",
                                              "Text files (*.txt);;All files (*)")
        if path:
            self.evaluate(path)

    def evaluate(self, path: str, restrict: int = 300_000) -> None:
        try:
            job = evaluate_job(self.state.project.embeddings, EvaluationRequest(Path(path), restrict))
        except ActionError as err:
            self.status.setText(f"⚠ {err}")
            return
        self.runner.start(job, "analogy evaluation")

    def evaluation_table(self) -> Table:
        """The evaluation's table (the same as ``explorer analogy-eval`` prints)."""
        return evaluation_table(self.evaluation, len(self.state.project.embeddings))

    def _export_evaluation(self) -> None:
        export_columns_dialog(self, "analogy-evaluation.csv", self.evaluation_table())

    def _show_evaluation(self, evaluation, restoring: bool = False) -> None:
        self.evaluation = evaluation
        if not restoring:
            self.binding.record().evaluation = evaluation
        rows = [(s.name, f"{s.accuracy:.1%}", s.n_correct, s.n_correct + s.n_incorrect)
                for s in evaluation.sections]
        fill_table(self.eval_table, rows)
        self.eval_table.show()
        self.eval_export.setEnabled(True)
        self.status.setText(f"Accuracy {evaluation.accuracy:.1%} on {evaluation.total.n_correct + evaluation.total.n_incorrect:,} "
                            f"questions; {evaluation.oov_skipped:,} skipped for unknown words.")
        self.evaluation_shown.emit()
