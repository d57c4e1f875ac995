"""The Bookmarks menu: name the selection, list the saved bookmarks (choosing one selects its items)
and remove them."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QInputDialog, QMainWindow


class BookmarksController(QObject):
    """Bookmarks for ``window`` (its state, status bar, ``bookmarks_menu`` and ``bookmark_action``)."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.state = window.state

    def bookmark_dialog(self) -> None:
        status = self.window.statusBar()
        if self.state.project is None or not self.state.selection:
            status.showMessage("Select some points to bookmark them", 4000)
            return
        default = f"Bookmark {len(self.state.project.bookmarks) + 1}"
        name, ok = QInputDialog.getText(self.window, "Bookmark selection",
                                        f"Name for these {len(self.state.selection):,} items:", text=default)
        if ok and name.strip():
            self.state.add_bookmark(name)
            status.showMessage(f"Bookmarked {len(self.state.selection):,} items as {name.strip()}", 4000)

    def fill_menu(self) -> None:
        menu = self.window.bookmarks_menu
        menu.clear()
        menu.addAction(self.window.bookmark_action)
        project = self.state.project
        bookmarks = project.bookmarks if project is not None else {}
        if bookmarks:
            menu.addSeparator()
            for name, items in bookmarks.items():
                action = menu.addAction(f"{name}  ({len(items):,})")
                action.setStatusTip(f"Select the {len(items):,} items bookmarked as {name}")
                action.triggered.connect(lambda _=False, n=name: self.state.select_bookmark(n))
            remove = menu.addMenu("Remove")
            for name in bookmarks:
                remove.addAction(name, lambda n=name: self.state.remove_bookmark(n))
