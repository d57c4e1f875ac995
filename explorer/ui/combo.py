"""A toolbar combo box whose width does not follow its entries.

The box shows about ``chars`` characters (a longer entry is elided); the list that drops down is as
wide as its longest entry. A project with long column or set names (the compare sample's
"kNN agreement all-MiniLM-L6-v2 vs mpnet (Jaccard@10)") once widened the map toolbar to 1,675 px,
which squeezed the search box and the opacity slider to a few pixels in a 1280-px window.
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QWidget


class CompactCombo(QComboBox):
    def __init__(self, chars: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(chars)

    def showPopup(self) -> None:  # noqa: N802 - Qt's name
        view = self.view()
        widest = view.sizeHintForColumn(0) + 2 * view.frameWidth() + view.verticalScrollBar().sizeHint().width()
        view.setMinimumWidth(max(self.width(), widest))
        super().showPopup()
