"""The embedding-set switch: a combo box on the map toolbar listing the project's sets (several
models' vectors for the same items). Choosing one makes every panel, the map and the neighbour
index work on it (``AppState.switch_set``); it is hidden while the project has one set."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QToolBar

from explorer.state import AppState
from explorer.ui.combo import CompactCombo
from explorer.ui.workers import JobRunner


class SetSwitcher(CompactCombo):
    def __init__(self, state: AppState, parent=None) -> None:
        super().__init__(8, parent)
        self.state = state
        self.actions_shown: list[QAction] = []  # the toolbar entries shown only with several sets
        self.setToolTip("The embedding set the map, the panels and the neighbour index work on "
                        "(each set keeps its own maps and results)")
        self.activated.connect(self._on_activated)
        for signal in (state.project_changed, state.sets_changed):
            signal.connect(self.refill)
        self.refill()

    def add_to(self, bar: QToolBar) -> None:
        """Put the label and the combo on ``bar`` (before whatever comes next)."""
        self.actions_shown = [bar.addWidget(QLabel(" Set ")), bar.addWidget(self), bar.addSeparator()]
        self.refill()

    def refill(self) -> None:
        project = self.state.project
        names = project.set_names() if project is not None else []
        self.blockSignals(True)
        self.clear()
        for name in names:
            model = project.set_model(name)
            dims = project.set_vectors(name).shape[1]
            self.addItem(name, name)
            self.setItemData(self.count() - 1, f"{model or 'no model id'}, {dims} dimensions",
                             Qt.ItemDataRole.ToolTipRole)
        if project is not None:
            self.setCurrentIndex(max(0, self.findData(project.active_set)))
        self.blockSignals(False)
        for action in self.actions_shown:
            action.setVisible(len(names) > 1)

    def _on_activated(self, row: int) -> None:
        name = self.itemData(row)
        if name is not None and self.state.project is not None and name != self.state.project.active_set:
            self.state.switch_set(name)


def cancel_on_switch(state: AppState, runners: Callable[[], Iterable[JobRunner]]) -> None:
    """Jobs started on one set (a map, a panel's search) are stopped when the user switches sets:
    their result would belong to the set left."""
    state.set_switched.connect(lambda: [runner.cancel() for runner in runners() if runner.running])
