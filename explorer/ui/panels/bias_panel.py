"""Bias probes: WEAT (Caliskan et al. 2017, matched to WEFE) with the paper's ten tests as presets,
and direction probes (Bolukbasi et al. 2016): a direction from word pairs, words ranked along it,
and the direction as an axis of the map."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from explorer.actions import ActionError
from explorer.actions.bias import (
    DirectionOutcome,
    DirectionRequest,
    WeatOutcome,
    WeatRequest,
    direction_axis,
    parse_pairs,
    rank_along_direction,
    weat_job,
    weat_table,
)
from explorer.actions.tables import Table
from explorer.core.bias import Direction, DirectionScores, WeatResult, weat_presets
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
    embeds_text,
    modality,
    note_label,
    quietly,
    reason_label,
    show_reason,
)
from explorer.ui.workers import JobRunner, connect_current

CUSTOM = "Custom word sets"
SEAT_NOTE = ("SEAT (May et al. 2019): each word is put in neutral sentences ('This is {term}.') "
             "embedded with the project's model; WEAT then runs on the mean of those embeddings.")


def preset_title(name: str, seat: bool) -> str:
    """'WEAT 3: …' as a SEAT test when the words go through sentence templates."""
    return name.replace("WEAT", "SEAT", 1) if seat else name
STD_NOTE = {"population": "population std (as WEFE)", "sample": "sample std (as SEAT / sent-bias)"}


class BiasPanel(QWidget):
    weat_shown = Signal()
    direction_shown = Signal()

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.presets = {p.name: p for p in weat_presets()}
        self.weat_result = None
        self.weat_request: WeatRequest | None = None  # what the shown result answered, if run here
        self.direction_scores = None
        self.direction = None
        self.runner = JobRunner(self)
        # --- WEAT
        weat_box = QWidget()
        self.preset = compact_combo(QComboBox(), 18)
        self._fill_preset_names(seat=False)
        self.preset.currentIndexChanged.connect(lambda _: self._fill_preset(self.preset.currentData()))
        self.sets = {key: QLineEdit() for key in "XYAB"}
        self.set_names = {key: QLineEdit() for key in "XYAB"}
        self.permutations = QSpinBox()
        self.permutations.setRange(100, 1_000_000)
        self.permutations.setValue(10_000)
        self.std = compact_combo(QComboBox(), 10)
        for key, label in STD_NOTE.items():
            self.std.addItem(label, key)
        self.lowercase = QCheckBox("Try lower case for missing words")
        self.lowercase.setChecked(True)
        self.seat = QCheckBox("SEAT: words in sentence templates")
        self.seat.setToolTip(SEAT_NOTE)
        self.seat.toggled.connect(self._on_seat_toggled)
        form = QFormLayout()
        form.addRow("Test", self.preset)
        for key, role in (("X", "Targets X"), ("Y", "Targets Y"), ("A", "Attrib. A"), ("B", "Attrib. B")):
            row = QHBoxLayout()
            self.set_names[key].setMaximumWidth(90)
            self.set_names[key].setToolTip(f"Name of set {key}")
            row.addWidget(self.set_names[key])
            row.addWidget(self.sets[key], 1)
            form.addRow(role, row)
        self.permutations.setToolTip("Permutations for the p-value (exact when the partitions are fewer)")
        form.addRow("Permutations", self.permutations)
        form.addRow("Deviation", self.std)
        form.addRow(self.lowercase)
        form.addRow(self.seat)
        self.weat_button = QPushButton("Run WEAT")
        self.weat_button.clicked.connect(self.run_weat)
        self.weat_export = QPushButton("Export…")
        self.weat_export.setEnabled(False)
        self.weat_export.clicked.connect(self._export_weat)
        row = QHBoxLayout()
        row.addWidget(self.weat_button)
        row.addWidget(self.weat_export)
        form.addRow(row)
        self.weat_status = QLabel()
        self.weat_status.setWordWrap(True)
        self.weat_status.setTextFormat(self.weat_status.textFormat().RichText)
        self.weat_table = make_table(["set", "word", "s(w, A, B)"])
        self.weat_reason = reason_label()
        box_layout = QVBoxLayout(weat_box)
        box_layout.addWidget(self.weat_reason)
        box_layout.addLayout(form)
        box_layout.addWidget(self.weat_status)
        box_layout.addWidget(self.weat_table)
        # --- direction
        direction_box = QWidget()
        self.pairs = QLineEdit("she-he, her-his, woman-man, mary-john, herself-himself, daughter-son, "
                               "mother-father, gal-guy, girl-boy, female-male")
        self.probe_words = QPlainTextEdit("nurse engineer homemaker programmer receptionist architect "
                                          "librarian carpenter hairdresser surgeon nanny mechanic")
        self.probe_words.setMaximumHeight(60)
        self.direction_method = compact_combo(QComboBox())
        self.direction_method.addItem("first principal component of the pairs", "pca")
        self.direction_method.addItem("mean difference (one pair: RIPA-style)", "mean")
        direction_form = QFormLayout()
        direction_form.addRow("Pairs (+ − −)", self.pairs)
        direction_form.addRow("Method", self.direction_method)
        direction_form.addRow("Words to rank", self.probe_words)
        self.direction_button = QPushButton("Rank words")
        self.direction_button.clicked.connect(self.run_direction)
        self.axis_button = QPushButton("Use as map axis")
        self.axis_button.setEnabled(False)
        self.axis_button.clicked.connect(self.add_axis)
        self.direction_export = QPushButton("Export…")
        self.direction_export.setEnabled(False)
        self.direction_export.clicked.connect(self._export_direction)
        row = QHBoxLayout()
        row.addWidget(self.direction_button)
        row.addWidget(self.axis_button)
        row.addWidget(self.direction_export)
        direction_form.addRow(row)
        self.direction_status = QLabel()
        self.direction_status.setWordWrap(True)
        self.direction_table = make_table(["word", "projection"], stretch=0)
        self.direction_reason = reason_label()
        d_layout = QVBoxLayout(direction_box)
        self.direction_note = note_label("Bolukbasi et al. (2016): a direction from word pairs, words "
                                         "ranked along it, and the direction as an axis of the map.")
        d_layout.addWidget(self.direction_note)
        d_layout.addWidget(self.direction_reason)
        d_layout.addLayout(direction_form)
        d_layout.addWidget(self.direction_status)
        d_layout.addWidget(self.direction_table)
        # Two pages, so neither needs a scroll bar in the side dock.
        self.pages = QTabWidget()
        self.pages.setDocumentMode(True)
        self.pages.addTab(weat_box, "WEAT")
        self.pages.addTab(direction_box, "Direction")
        self.weat_box, self.direction_box = weat_box, direction_box
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.pages)
        connect_current(self.runner, "finished", self._show_weat)
        connect_current(self.runner, "progressed", lambda step: self.weat_status.setText(step.message))
        state.project_changed.connect(self._on_project)
        connect_current(self.runner, "failed", lambda m: self.weat_status.setText(f"⚠ {m}"))
        self._fill_preset(self.preset.currentData())
        self.binding = PanelBinding(state, "bias", {
            "preset": self.preset,  # first: choosing a preset fills the word sets
            **{f"set_{key}": self.sets[key] for key in "XYAB"},
            **{f"name_{key}": self.set_names[key] for key in "XYAB"},
            "permutations": self.permutations, "std": self.std, "lowercase": self.lowercase,
            "seat": self.seat, "pairs": self.pairs, "direction_method": self.direction_method,
            "probe_words": self.probe_words})
        state.project_changed.connect(self._restore)

    # ------------------------------------------------------------------ saved with the project
    def _restore(self) -> None:
        """Show the results the project's session kept."""
        record = self.binding.record()
        if record is None:
            return
        if record.weat is not None:
            self._show_weat(record.weat, restoring=True)
        if record.direction is not None and record.direction_scores is not None and record.direction.pairs:
            self._show_direction(record.direction, record.direction_scores, restoring=True)

    # ------------------------------------------------------------------ WEAT
    def _on_project(self) -> None:
        self.weat_result = self.direction = self.direction_scores = None
        for table, status, button in ((self.weat_table, self.weat_status, self.weat_export),
                                      (self.direction_table, self.direction_status, self.axis_button)):
            table.setRowCount(0)
            status.setText("")
            button.setEnabled(False)
        self.direction_export.setEnabled(False)
        self._apply_modality()

    def _apply_modality(self) -> None:
        """What applies to the open set: WEAT on word vectors; its SEAT version (the same tests, the
        words in sentence templates) on sentence sets and CLIP images; neither on image features.
        The presets start from the first test of that kind, never the last project's words."""
        project = self.state.project
        kind = modality(project)
        seat = kind in ("text", "image") and embeds_text(project)
        with quietly([self.seat, self.preset, *self.sets.values(), *self.set_names.values()]):
            self.seat.setChecked(seat)
            self._fill_preset_names(seat)
            self.preset.setCurrentIndex(0)
            self._fill_preset(self.preset.currentData())
        self.seat.setEnabled(False)  # follows the set: word vectors look words up, encoders need sentences
        self.seat.setToolTip(SEAT_NOTE + (" On for this sentence set: its model embeds sentences."
                                          if seat else " Off for word vectors: words are looked up."))
        model = project.embeddings.model_id if project is not None else ""
        weat_reason = ("WEAT needs words or sentences; this image set's model "
                       f"({model or 'unknown'}) embeds only images." if kind == "image" and not seat else "")
        show_reason(self.weat_reason, weat_reason,
                    [self.preset, *self.sets.values(), *self.set_names.values(), self.permutations,
                     self.std, self.lowercase, self.weat_button, self.weat_table])
        kinds = {"image": "images", "text": "sentences"}
        direction_reason = (f"Directions need word vectors: the pairs are looked up as words, and this "
                            f"set holds {kinds[kind]}." if kind in kinds else "")
        show_reason(self.direction_reason, direction_reason,
                    [self.pairs, self.direction_method, self.probe_words, self.direction_button,
                     self.direction_table])
        self.direction_note.setVisible(not direction_reason)
        self.weat_table.setVisible(not weat_reason)  # no results to come: the inputs and the reason fit
        self.direction_table.setVisible(not direction_reason)

    def _fill_preset_names(self, seat: bool) -> None:
        """The presets' titles (WEAT n, or SEAT n when the words go through sentence templates)."""
        blocked = self.preset.blockSignals(True)
        current = self.preset.currentData()
        self.preset.clear()
        for name, preset in self.presets.items():
            self.preset.addItem(preset_title(name, seat), name)
            self.preset.setItemData(self.preset.count() - 1, preset.description, Qt.ItemDataRole.ToolTipRole)
        self.preset.addItem(CUSTOM, CUSTOM)
        index = self.preset.findData(current)
        self.preset.setCurrentIndex(max(index, 0))
        self.preset.blockSignals(blocked)

    def _on_seat_toggled(self, seat: bool) -> None:
        self._fill_preset_names(seat)

    def _fill_preset(self, name: str) -> None:
        preset = self.presets.get(name)
        if preset is None:
            return
        for key, words, label in zip("XYAB", preset.sets, preset.set_names.values()):
            self.sets[key].setText(", ".join(words))
            self.sets[key].setCursorPosition(0)  # show the first words, not the last
            self.set_names[key].setText(label)

    def run_weat(self) -> None:
        if self.state.project is None:
            return
        request = self.weat_request_now()
        try:
            job = weat_job(self.state.project.embeddings, request)
        except ActionError as err:
            self.weat_status.setText(f"⚠ {err}")
            return
        self.weat_status.setText("Running…")
        self.runner.start(job, "weat")

    def weat_request_now(self) -> WeatRequest:
        preset = self.presets.get(self.preset.currentText())
        sets = tuple(tuple(parse_words(self.sets[key].text())) for key in "XYAB")
        if preset is not None and (sets != tuple(tuple(words) for words in preset.sets)
                                   or any(self.set_names[k].text() != preset.set_names[k] for k in "XYAB")):
            preset = None  # a preset the user edited is a test of their own
        return WeatRequest(sets, {key: self.set_names[key].text() or key for key in "XYAB"},
                           permutations=self.permutations.value(), seed=0, std=self.std.currentData(),
                           lowercase_fallback=self.lowercase.isChecked(), seat=self.seat.isChecked(),
                           preset=preset.id if preset is not None else None,
                           title=preset.name if preset is not None else "")

    def _show_weat(self, outcome: WeatOutcome | WeatResult, restoring: bool = False) -> None:
        if isinstance(outcome, WeatOutcome):
            self.weat_request, result = outcome.request, outcome.result
        else:  # a result the project kept
            self.weat_request, result = None, outcome
        self.weat_result = result
        if not restoring:
            self.binding.record().weat = result
        n = result.names
        missing = "; ".join(f"{n.get(k, k)}: {', '.join(w)}" for k, w in result.missing.items() if w)
        p_kind = (f"exact over all {result.partitions:,} partitions" if result.p_value_method == "exact"
                  else f"sampled from {result.partitions:,} partitions, seed 0")
        self.weat_status.setText(
            f"<b>effect size d = {result.effect_size:+.3f}</b> ({STD_NOTE[result.std]}), "
            f"p = {result.p_value:.4g} (one-sided, {p_kind}); statistic s = {result.statistic:.4f}. "
            f"Positive d: {n.get('X', 'X')} is closer to {n.get('A', 'A')} than {n.get('Y', 'Y')} is."
            + (f"<br>Not in the vocabulary (left out, as WEFE does): {missing}" if missing else ""))
        rows = [(n.get(key, key), word, float(score))
                for key in ("X", "Y") for word, score in result.associations[key].items()]
        fill_table(self.weat_table, rows)
        self.weat_export.setEnabled(True)
        self.weat_shown.emit()

    def weat_export_table(self) -> Table:
        """The table Export writes (the same as ``explorer weat`` prints)."""
        return weat_table(self.weat_result, self.weat_request)

    def _export_weat(self) -> None:
        export_columns_dialog(self, "weat.csv", self.weat_export_table())

    # ------------------------------------------------------------------ direction
    def run_direction(self) -> None:
        if self.state.project is None:
            return
        try:
            outcome = rank_along_direction(self.state.project.embeddings, self.direction_request())
        except ActionError as err:
            self.direction_status.setText(f"⚠ {err}")
            return
        self._show_direction(outcome.direction, outcome.scores)

    def direction_request(self) -> DirectionRequest:
        return DirectionRequest(tuple(parse_pairs(self.pairs.text())),
                                tuple(parse_words(self.probe_words.toPlainText())),
                                self.direction_method.currentData())

    def direction_export_table(self) -> Table:
        """The ranked words as a table (the same as ``explorer direction`` prints)."""
        return DirectionOutcome(self.direction, self.direction_scores).table()

    def _export_direction(self) -> None:
        export_columns_dialog(self, "direction.csv", self.direction_export_table())

    def _show_direction(self, direction: Direction, scores: DirectionScores, restoring: bool = False) -> None:
        self.direction, self.direction_scores = direction, scores
        if not restoring:
            self.binding.record().update(direction=direction, direction_scores=scores)
        fill_table(self.direction_table, [(w, float(s)) for w, s in zip(scores.words, scores.scores)])
        first, second = self.direction.pairs[0]
        missing = f" Not found: {', '.join(scores.missing + self.direction.missing)}." if (
            scores.missing or self.direction.missing) else ""
        self.direction_status.setText(
            f"Positive = towards '{first}', negative = towards '{second}' ({len(self.direction.pairs)} pairs)."
            + missing)
        self.axis_button.setEnabled(True)
        self.direction_export.setEnabled(True)
        self.direction_shown.emit()

    def add_axis(self) -> None:
        """The direction as the map's x axis (y: what x leaves unexplained, by PCA)."""
        if self.direction is None:
            return
        self.state.add_projection(direction_axis(self.state.project.embeddings, self.direction))
