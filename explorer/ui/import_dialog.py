"""File ▸ New Project from Data: pick a file or folder, see its first rows, choose columns and a
model, see how many items will be embedded and about how long it will take."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from explorer.actions.importer import (
    KINDS,
    ImportOptions,
    detect_kind,
    estimate_seconds,
)
from explorer.embedders.base import DEFAULT_IMAGE_MODEL, DEFAULT_TEXT_MODEL
from explorer.embedders.registry import available_models
from explorer.io import readers

NONE = "(none)"
OTHER_MODEL = "Other: a local model folder or a hub name…"
PREVIEW_ROWS = 20


def _about(seconds: float | None) -> str:
    if seconds is None:
        return "time unknown for this model"
    if seconds < 60:
        return f"about {max(1, round(seconds))} s"
    return f"about {seconds / 60:.0f} min"


class ImportDialog(QDialog):
    def __init__(self, source: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New project from data")
        self.resize(760, 560)
        self.item_count: int | None = None
        self.exact_count = False
        self.table: readers.TableData | None = None
        self.source = QLineEdit(source)
        self.source.setPlaceholderText("a .txt/.csv/.tsv/.jsonl/.parquet file, an image folder, vectors…")
        self.source.editingFinished.connect(self._source_edited)
        self._previewed: str | None = None
        file_button = QPushButton("File…")
        file_button.clicked.connect(self._choose_file)
        folder_button = QPushButton("Folder…")
        folder_button.clicked.connect(self._choose_folder)
        source_row = QHBoxLayout()
        source_row.addWidget(self.source, 1)
        source_row.addWidget(file_button)
        source_row.addWidget(folder_button)
        self.kind = QComboBox()
        self.kind.addItems(KINDS)
        self.kind.currentTextChanged.connect(self._update_fields)
        self.text_column = QComboBox()
        self.label_column = QComboBox()
        self.image_column = QComboBox()
        self.metadata = QLineEdit()
        self.metadata.setPlaceholderText("metadata table for .npy / vectors.tsv (optional)")
        self.model = QComboBox()
        self.other_model = QLineEdit()
        self.other_model.setPlaceholderText("/path/to/sentence-transformers-model or a hub name")
        self.model.currentTextChanged.connect(self._update_fields)
        self.limit = QSpinBox()
        self.limit.setRange(0, 100_000_000)
        self.limit.setSpecialValueText("all")
        self.limit.valueChanged.connect(self._update_summary)
        self.sample = QCheckBox("random sample")
        self.dedupe = QCheckBox("drop repeated texts")
        self.first_map = QComboBox()
        self.first_map.addItems(["UMAP", "PCA"])
        limit_row = QHBoxLayout()
        limit_row.addWidget(self.limit)
        limit_row.addWidget(self.sample)
        limit_row.addWidget(self.dedupe)
        form = QFormLayout()
        form.addRow("Data", source_row)
        form.addRow("Holds", self.kind)
        form.addRow("Text column", self.text_column)
        form.addRow("Image path column", self.image_column)
        form.addRow("Label column", self.label_column)
        form.addRow("Metadata", self.metadata)
        form.addRow("Model", self.model)
        form.addRow("", self.other_model)
        form.addRow("Items", limit_row)
        form.addRow("First map", self.first_map)
        self.form = form
        self.preview = QTableWidget(0, 0)
        self.preview.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Import")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel(f"First rows (up to {PREVIEW_ROWS}):"))
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.buttons)
        self.refresh()

    # ------------------------------------------------------------------ choosing
    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Data file", self.source.text())
        if path:
            self.source.setText(path)
            self.refresh()

    def _choose_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Image folder", self.source.text())
        if path:
            self.source.setText(path)
            self.refresh()

    def _source_edited(self) -> None:
        # editingFinished also fires when focus merely leaves the field (e.g. to click Import):
        # re-reading then would reset the columns the user chose.
        if self.source.text().strip() != self._previewed:
            self.refresh()

    def refresh(self) -> None:
        """Re-read the preview for the current source."""
        source = self.source.text().strip()
        self._previewed = source
        self.table = None
        self.item_count, self.exact_count = None, False
        self._fill_preview([], [])
        if not source:
            self._set_problem("Choose a file or a folder.")
            return
        try:
            kind = detect_kind(source)
        except readers.ReadError as err:
            self._set_problem(str(err))
            return
        self.kind.blockSignals(True)
        self.kind.setCurrentText(kind)
        self.kind.blockSignals(False)
        try:
            self._read_preview(source, kind)
        except readers.ReadError as err:
            self._set_problem(str(err))
            return
        self._update_fields()

    def _read_preview(self, source: str, kind: str) -> None:
        if kind in ("texts", "image-table"):
            table = readers.preview_table(source, rows=PREVIEW_ROWS)
            self.table = table
            names = table.column_names
            self._fill_preview(names, [[str(table.columns[n][r]) for n in names] for r in range(len(table))])
            self.item_count, self.exact_count = self._count_rows(source, table)
            for combo, preferred in ((self.text_column, "text"), (self.image_column, "path")):
                combo.clear()
                combo.addItems(names)
                if preferred in names:
                    combo.setCurrentText(preferred)
            self.label_column.clear()
            self.label_column.addItem(NONE)
            self.label_column.addItems(names)
            for guess in ("label", "category", "class", "verdict"):
                if guess in names:
                    self.label_column.setCurrentText(guess)
        elif kind == "images":
            images = readers.list_image_folder(source)
            labels = sorted(set(images.metadata.get("label", []).tolist())) if len(images) else []
            self._fill_preview(["image", "label"], [[str(images.paths[i]), str(images.metadata["label"][i])]
                                                    for i in range(min(PREVIEW_ROWS, len(images)))])
            self.item_count, self.exact_count = len(images), True
            self.label_column.clear()
            self.label_column.addItems(["label", NONE])
            if labels:
                self.summary.setText(f"{len(labels)} labels from subfolders: {', '.join(labels[:8])}")
        else:
            self.label_column.clear()
            self.label_column.addItem(NONE)
            self._fill_preview(["source"], [[source]])

    @staticmethod
    def _count_rows(source: str, table: readers.TableData) -> tuple[int | None, bool]:
        if table.total_rows is not None:
            return table.total_rows, True
        path = Path(source)
        if path.suffix in (".gz", ".bz2") or not len(table):
            return None, False
        # Estimate from the file size and the preview's share of it (reading it all could be slow).
        with path.open("rb") as f:
            head = f.read(1 << 20)
        lines = head.count(b"\n")
        if len(head) < (1 << 20):
            header = 0 if path.suffix in (".txt", ".jsonl", ".ndjson") else 1
            return max(0, lines - header + (0 if head.endswith(b"\n") else 1)), True
        return int(lines * path.stat().st_size / len(head)), False

    def _fill_preview(self, names: list[str], rows: list[list[str]]) -> None:
        self.preview.clear()
        self.preview.setColumnCount(len(names))
        self.preview.setRowCount(len(rows))
        self.preview.setHorizontalHeaderLabels(names)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                self.preview.setItem(r, c, QTableWidgetItem(value[:200]))

    def _set_problem(self, message: str) -> None:
        self.summary.setText(f"⚠ {message}")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)

    def _update_fields(self) -> None:
        kind = self.kind.currentText()
        embeds = kind in ("texts", "images", "image-table")
        for widget, shown in ((self.text_column, kind == "texts"), (self.image_column, kind == "image-table"),
                              (self.metadata, kind in ("vectors", "projector")),
                              (self.dedupe, kind == "texts"), (self.model, embeds)):
            widget.setVisible(shown)
            label = self.form.labelForField(widget)
            if label is not None:
                label.setVisible(shown)
        self._fill_models(kind)
        self.other_model.setVisible(embeds and self.model.currentText() == OTHER_MODEL)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(self.source.text().strip()))
        self._update_summary()

    def _fill_models(self, kind: str) -> None:
        modality = "image" if kind in ("images", "image-table") else "text"
        wanted = {"text": ("text", "word"), "image": ("image",)}[modality]
        current = self.model.currentData()
        self.model.blockSignals(True)
        self.model.clear()
        for info in available_models():
            if info.available and set(info.modalities) & set(wanted) and not info.id.startswith("open_clip"):
                dim = f"{info.dimension}-d" if info.dimension else ""
                self.model.addItem(f"{info.id}  ({info.family}, {dim})", info.id)
                self.model.setItemData(self.model.count() - 1, f"{info.source}\n{info.note}".strip(), 3)
        self.model.addItem(OTHER_MODEL, OTHER_MODEL)
        default = current if self.model.findData(current) >= 0 else (
            DEFAULT_IMAGE_MODEL if modality == "image" else DEFAULT_TEXT_MODEL)
        self.model.setCurrentIndex(max(0, self.model.findData(default)))
        self.model.blockSignals(False)

    def model_id(self) -> str | None:
        if self.kind.currentText() not in ("texts", "images", "image-table"):
            return None
        data = self.model.currentData()
        return self.other_model.text().strip() or None if data == OTHER_MODEL else data

    def _update_summary(self) -> None:
        count = self.item_count
        if count is None:
            if self.kind.currentText() in ("vectors", "projector", "word2vec", "glove"):
                self.summary.setText("The vectors are taken as they are (no model runs).")
            return
        limit = self.limit.value()
        items = min(count, limit) if limit else count
        prefix = "" if self.exact_count else "about "
        model = self.model_id()
        self.summary.setText(
            f"{prefix}{items:,} items will be embedded with {model or 'the chosen model'}"
            f"{f' (of {prefix}{count:,})' if limit and limit < count else ''}: "
            f"{_about(estimate_seconds(items, model))} on this machine.")

    # ------------------------------------------------------------------ result
    def options(self) -> ImportOptions:
        label = self.label_column.currentText()
        return ImportOptions(
            source=self.source.text().strip(),
            kind=self.kind.currentText(),
            model=self.model_id(),
            text_column=self.text_column.currentText() or None if self.kind.currentText() == "texts" else None,
            label_column=None if label in ("", NONE) or self.kind.currentText() == "images" else label,
            image_column=self.image_column.currentText() or None if self.kind.currentText() == "image-table" else None,
            metadata=self.metadata.text().strip() or None,
            limit=self.limit.value() or None,
            sample_seed=0 if self.sample.isChecked() else None,
            dedupe=self.dedupe.isChecked(),
            first_map=self.first_map.currentText().lower(),
        )
