"""The import dialog end to end on small real files, driven like a user."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, Qt, QTimer, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox

from explorer.ui.import_dialog import ImportDialog


def accept_dialog_with(configure):
    def act():
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, ImportDialog):
            QTimer.singleShot(20, act)
            return
        configure(dialog)
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()

    QTimer.singleShot(20, act)


def run_import(window, qtbot, source, configure=lambda d: None):
    def setup(dialog):
        dialog.source.setText(str(source))
        dialog.refresh()
        dialog.first_map.setCurrentText("PCA")
        configure(dialog)

    accept_dialog_with(setup)
    with qtbot.waitSignal(window.import_finished, timeout=120_000) as blocker:
        window.import_action.trigger()
    return blocker.args[0]


def test_csv_preview_columns_estimate_and_import(window, qtbot, tmp_path):
    data = tmp_path / "reviews.csv"
    data.write_text("id,review,verdict\n1,I loved this film,fresh\n2,A tedious mess,rotten\n"
                    "3,Sharp and funny,fresh\n4,,rotten\n")
    dialog = ImportDialog(str(data))
    assert dialog.kind.currentText() == "texts"
    assert dialog.preview.rowCount() == 4 and dialog.preview.columnCount() == 3
    assert dialog.label_column.currentText() == "verdict"
    dialog.text_column.setCurrentText("review")
    assert "4 items will be embedded with all-MiniLM-L6-v2" in dialog.summary.text()
    dialog.limit.setValue(2)
    assert "2 items" in dialog.summary.text() and "(of 4)" in dialog.summary.text()
    dialog.close()

    report = run_import(window, qtbot, data, lambda d: d.text_column.setCurrentText("review"))
    project = window.state.project
    assert len(project.embeddings) == 3 and project.embeddings.dim == 384
    assert project.view.color_by == "verdict"
    assert "line 5: empty text" in report
    assert window.findChild(QMessageBox, "error_box").text() == report  # skipped rows are shown
    assert window.isWindowModified() and "untitled" in window.windowTitle()
    assert window.scatter.cloud.point_count == 3


def test_image_folder(window, qtbot, tmp_path):
    for label, colour in (("red", (220, 30, 30)), ("blue", (30, 30, 220))):
        (tmp_path / "imgs" / label).mkdir(parents=True)
        for i in range(2):
            Image.new("RGB", (50, 40 + i), colour).save(tmp_path / "imgs" / label / f"{i}.png")
    run_import(window, qtbot, tmp_path / "imgs")
    emb = window.state.project.embeddings
    assert len(emb) == 4 and emb.modality == "image" and emb.model_id == "efficientnet-lite0"
    assert window.state.project.view.color_by == "label"
    # The side panel and the tooltip show the thumbnail.
    assert emb.thumbnail(0).startswith(b"\x89PNG")
    window.state.select([0])
    assert window.item_panel.thumbnail.isVisible() and not window.item_panel.thumbnail.pixmap().isNull()
    from explorer.ui.scatter_view import item_tooltip

    assert "data:image/png;base64," in item_tooltip(window.state, 0)
    # Four points fit on screen: drawn as thumbnails, except where one would cover another (two
    # near-identical images of a colour land on one spot), so at least one per colour.
    import numpy as np

    view = window.scatter
    qtbot.waitUntil(lambda: len(view.thumbnail_items) >= 2, timeout=3000)
    expected = set(view.thumbnail_layout(np.arange(4)).tolist())
    assert set(view.thumbnail_items) == expected
    shown_labels = {str(emb.metadata["label"][i]) for i in view.thumbnail_items}
    assert shown_labels == {"red", "blue"}


def test_projector_tsv(window, qtbot, tmp_path):
    vectors = np.random.default_rng(0).standard_normal((8, 5))
    (tmp_path / "vectors.tsv").write_text("".join("\t".join(map(str, r)) + "\n" for r in vectors))
    (tmp_path / "metadata.tsv").write_text("word\tgroup\n" + "".join(f"w{i}\t{'xy'[i % 2]}\n" for i in range(8)))
    run_import(window, qtbot, tmp_path / "vectors.tsv",
               lambda d: d.metadata.setText(str(tmp_path / "metadata.tsv")))
    emb = window.state.project.embeddings
    assert emb.texts.tolist() == [f"w{i}" for i in range(8)]
    np.testing.assert_allclose(emb.vectors, vectors.astype(np.float32), rtol=1e-6)


def test_word2vec_text(window, qtbot, tmp_path):
    path = tmp_path / "tiny.vec"
    vectors = np.random.default_rng(1).standard_normal((5, 3))
    path.write_text("5 3\n" + "".join(f"w{i} " + " ".join(map(str, r)) + "\n" for i, r in enumerate(vectors)))
    run_import(window, qtbot, path)
    emb = window.state.project.embeddings
    assert emb.modality == "word" and len(emb) == 5


def test_bad_file_is_explained_in_the_dialog(tmp_path):
    bad = tmp_path / "empty.csv"
    bad.write_text("")
    dialog = ImportDialog(str(bad))
    assert dialog.summary.text().startswith("⚠")
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()


@pytest.mark.parametrize("name", ["notes.txt"])
def test_dropping_a_data_file_opens_the_import_dialog(window, qtbot, tmp_path, name):
    data = tmp_path / name
    data.write_text("alpha\nbeta\ngamma\n")
    seen = []

    def check():
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, ImportDialog):
            seen.append(dialog.source.text())
            dialog.reject()
        else:
            QTimer.singleShot(20, check)

    QTimer.singleShot(20, check)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(data))])
    event = QDropEvent(QPoint(50, 50).toPointF(), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    qtbot.waitUntil(lambda: seen == [str(data)], timeout=5000)


def test_cancel_an_import_keeps_the_open_project(opened, qtbot, tmp_path):
    from explorer.actions.importer import ImportOptions

    data = tmp_path / "long.txt"
    data.write_text("".join(f"review number {i}: " + "a long and winding sentence " * 12 + "\n" for i in range(3000)))
    before = opened.state.project
    opened.imports.import_data(ImportOptions(str(data), first_map="pca"))
    qtbot.waitUntil(lambda: "Embedding" in opened.progress_bar.format(), timeout=60_000)
    with qtbot.waitSignal(opened.imports.runner.cancelled, timeout=10_000):
        opened.cancel_button.click()
    assert opened.state.project is before and opened.state.path is not None
    assert not list(tmp_path.glob("*.eexp"))  # nothing half-written
