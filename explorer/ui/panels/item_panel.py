"""The side panel for the selected item: its text, its fields, and its nearest neighbours in the
original embedding space (not on the map, where distances are distorted)."""

from __future__ import annotations

import html

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette, QPixmap
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from explorer.core.ann_index import usable_index
from explorer.core.neighbors import nearest
from explorer.state import AppState

NEIGHBOURS = 10
# Exact neighbours on the GUI thread only while a query costs a few milliseconds (N x D floats).
INLINE_NEIGHBOUR_LIMIT = 30_000_000
MAX_LISTED = 500


class ElidedLabel(QLabel):
    """One line of text, elided with … to the width it gets (the whole text in its tooltip)."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.full_text = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setText(text)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt API
        self.full_text = text
        self.setToolTip(text if len(text) > 40 else "")
        self._elide()

    def text(self) -> str:
        return self.full_text

    def shown_text(self) -> str:
        return super().text()

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = max(self.width(), 40)
        super().setText(self.fontMetrics().elidedText(self.full_text, Qt.TextElideMode.ElideRight, width))


class ItemPanel(QWidget):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.setMinimumWidth(260)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.heading = ElidedLabel("Nothing selected")
        font = self.heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.heading.setFont(font)
        self.thumbnail = QLabel()
        self.thumbnail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thumbnail.hide()
        self.text_view = QTextBrowser()
        self.text_view.setOpenLinks(False)
        self.text_view.setMaximumHeight(140)
        self.fields = QTableWidget(0, 2)
        self.fields.setHorizontalHeaderLabels(["Field", "Value"])
        self.fields.horizontalHeader().setStretchLastSection(True)
        self.fields.verticalHeader().setVisible(False)
        self.fields.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.fields.setMaximumHeight(170)
        self.neighbours_label = QLabel("Nearest neighbours (cosine, original space)")
        self.neighbours = QListWidget()
        self.neighbours.setWordWrap(True)
        self.neighbours.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.neighbours.itemActivated.connect(self._on_neighbour_chosen)
        self.neighbours.itemClicked.connect(self._on_neighbour_chosen)
        for widget in (self.heading, self.thumbnail, self.text_view, self.fields, self.neighbours_label, self.neighbours):
            layout.addWidget(widget)
        self.hint = QLabel("Click a point on the map to see it here.\nCtrl+click adds to the selection.")
        self.hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.hint, 1)  # with nothing selected, the title stays at the top
        state.project_changed.connect(self.refresh)
        state.selection_changed.connect(self.refresh)
        state.colors_changed.connect(self.refresh)
        state.focus_changed.connect(self.refresh)
        state.source_changed.connect(self.refresh)  # the image file may be found now
        self.refresh()

    def refresh(self) -> None:
        project = self.state.project
        selected = self.state.selection
        self.neighbours.clear()
        self.fields.setRowCount(0)
        self.text_view.clear()
        has_one = project is not None and len(selected) == 1
        self.hint.setVisible(not selected)
        self.neighbours_label.setVisible(has_one)
        self.neighbours.setVisible(bool(selected))
        self.fields.setVisible(has_one)
        self.text_view.setVisible(has_one)
        self.thumbnail.setVisible(has_one and project.embeddings.thumbnails is not None)
        if project is None or not selected:
            self.heading.setText("Nothing selected")
            return
        if len(selected) > 1:
            self._show_many(selected)
        else:
            self._show_one(selected[0])

    def _show_one(self, index: int) -> None:
        emb = self.state.project.embeddings
        # titled by what the item says (one line, elided to the panel); the id is in the fields
        self.heading.setText(" ".join(emb.texts[index].split()) or f"Item {emb.ids[index]}")
        self.text_view.setHtml(f"<p style='font-size:11pt'>{html.escape(emb.texts[index])}</p>")
        thumbnail = emb.thumbnail(index)
        if thumbnail:
            pixmap = QPixmap()
            pixmap.loadFromData(thumbnail, "PNG")
            self.thumbnail.setPixmap(pixmap.scaled(128, 128, Qt.AspectRatioMode.KeepAspectRatio,
                                                   Qt.TransformationMode.SmoothTransformation))
        rows = [("id", emb.ids[index])] + [(name, emb.metadata[name][index]) for name in emb.metadata]
        if emb.image_paths is not None:
            rows.append(("image", emb.image_paths[index]))
            try:
                found = self.state.project.image_file(index)
            except ValueError as err:  # a path that would leave the data folder
                found, reason = None, str(err)
            else:
                source = self.state.project.source
                reason = "not found in " + str(source.root) if source is not None and source.root is not None \
                    else "data folder not located (File > Source Data)"
            rows.append(("image file", str(found) if found is not None else reason))
        self.fields.setRowCount(len(rows))
        for row, (name, value) in enumerate(rows):
            self.fields.setItem(row, 0, QTableWidgetItem(str(name)))
            shown = f"{value:.4g}" if isinstance(value, (float, np.floating)) else str(value)
            self.fields.setItem(row, 1, QTableWidgetItem(shown))
        self.fields.resizeColumnToContents(0)
        neighbor_index = usable_index(self.state.project.neighbor_index, emb.vectors, "cosine")
        if neighbor_index is not None:  # fast at any size
            self.neighbours_label.setText(f"Nearest neighbours (cosine, original space; {neighbor_index.describe()})")
            result = neighbor_index.search(emb.vectors[index], k=NEIGHBOURS, exclude=[index])
        elif emb.vectors.size > INLINE_NEIGHBOUR_LIMIT:
            self.neighbours_label.setText("Nearest neighbours: build an index in the Neighbours panel "
                                          "to list them here for a set this big")
            return
        else:
            self.neighbours_label.setText("Nearest neighbours (cosine, original space)")
            result = nearest(emb.vectors, emb.vectors[index], k=NEIGHBOURS, metric="cosine",
                             exclude=[index], unit_vectors=emb.unit_vectors)
        for neighbour, score in zip(result.indices.tolist(), result.scores.tolist()):
            text = emb.texts[neighbour]
            item = QListWidgetItem(f"{score:+.3f}  {text[:120]}")
            item.setData(Qt.ItemDataRole.UserRole, int(neighbour))
            item.setToolTip(text[:500])
            self.neighbours.addItem(item)

    def _show_many(self, selected: list[int]) -> None:
        emb = self.state.project.embeddings
        self.heading.setText(f"{len(selected):,} items selected")
        for index in selected[:MAX_LISTED]:
            item = QListWidgetItem(emb.texts[index][:120])
            item.setData(Qt.ItemDataRole.UserRole, int(index))
            self.neighbours.addItem(item)
        if len(selected) > MAX_LISTED:
            self.neighbours.addItem(QListWidgetItem(f"… and {len(selected) - MAX_LISTED:,} more"))

    def _on_neighbour_chosen(self, item: QListWidgetItem) -> None:
        index = item.data(Qt.ItemDataRole.UserRole)
        if index is not None and len(self.state.selection) == 1:
            self.state.select([int(index)])
            self.state.request_reveal([int(index)])
