"""Every menu command of the window in one table (Qt's application example: create_actions /
create_menus, in data). The Help > Keyboard Shortcuts list and the tests read the same table.

``MENUS`` lists, per menu, its entries in order: an ``Command`` (created once as
``window.<name>_action``, its ``slot`` a method name of the window or a dotted path from it, such
as a controller's method: "files.open_dialog"), a ``SEPARATOR``, a ``Submenu`` filled from its own
entries or by a window method (or dotted path) when it opens, or a ``DockToggles`` marker for the
docks' show/hide actions.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QToolBar, QWidgetAction

_KEYS = QKeySequence.StandardKey


@dataclass(frozen=True)
class Command:
    name: str  # the window attribute is name + "_action"
    text: str
    slot: str  # a method of the window, or a dotted path from it ("scatter.reset_view")
    shortcut: QKeySequence.StandardKey | str | None = None
    tip: str = ""
    checkable: bool = False
    needs_project: bool = False  # enabled only while a project is open


@dataclass(frozen=True)
class Submenu:
    name: str  # the window attribute is name + "_menu"
    text: str
    entries: tuple = ()
    fill: str = ""  # a window method (or dotted path) that fills the menu each time it opens


SEPARATOR = "-"
DOCK_TOGGLES = "docks"

MENUS: tuple[tuple[str, str, tuple], ...] = (
    ("file", "&File", (
        Command("import", "New Project from &Data…", "imports.import_dialog", _KEYS.New,
                "Import texts, images or vectors into a new project"),
        Command("open", "&Open…", "files.open_dialog", _KEYS.Open, "Open a project file"),
        Submenu("recent", "Open &Recent", fill="files.fill_recent_menu"),
        SEPARATOR,
        Command("save", "&Save", "files.save", _KEYS.Save, "Save the project", needs_project=True),
        Command("save_as", "Save &As…", "files.save_as_dialog", _KEYS.SaveAs, "Save the project under a new name",
                needs_project=True),
        SEPARATOR,
        Command("export_map", "Export &Map Image…", "export_map_dialog", "Ctrl+E", "Save the map as PNG or SVG",
                needs_project=True),
        SEPARATOR,
        Submenu("data", "Source &Data", entries=(
            Command("keep_copy", "Keep a &Copy of the Data in the Project", "source_data.set_keep_copy", None,
                    "Store the imported file (and images) inside the project, so it travels with it",
                    checkable=True),
            Command("extract_copy", "E&xtract the Copied Data…", "source_data.extract_copy_dialog", None,
                    "Write the data stored in the project into a folder"),
            Command("locate_data", "&Locate the Data Folder…", "source_data.locate_data_dialog", None,
                    "Point the project at the folder that holds its images"),
        )),
        SEPARATOR,
        Command("quit", "&Quit", "close", "Ctrl+Q", "Quit Embedding Explorer"),
    )),
    ("view", "&View", (
        Command("reset_view", "&Fit to Data", "scatter.reset_view", "Home", "Fit the map to every point"),
        Command("clear_selection", "&Clear Selection", "clear_selection", "Esc", "Select nothing"),
        SEPARATOR,
        Command("labels", "&Labels", "state.set_show_labels", "Ctrl+L",
                "Names of the map's regions, finer as you zoom in", checkable=True, needs_project=True),
        Submenu("label_source", "Label &By", fill="map_controls.fill_label_sources"),
        Command("density", "&Density", "state.set_show_density", "Ctrl+Shift+D",
                "Shade where points are dense, with contours", checkable=True, needs_project=True),
        Command("legend", "Le&gend", "scatter.set_legend_shown", None, "Show the legend beside the map",
                checkable=True),
        Submenu("legend_order", "Legend &Order", fill="map_controls.fill_legend_order"),
        SEPARATOR,
        DOCK_TOGGLES,
        SEPARATOR,
        Submenu("theme", "&Theme"),  # System / Light / Dark, filled by the window (one exclusive group)
    )),
    ("map", "&Map", (
        Command("new_projection", "&New Projection…", "projections.new_projection_dialog", "Ctrl+P",
                "Compute PCA, t-SNE or UMAP coordinates", needs_project=True),
        Command("custom_axes", "Custom &Axes…", "projections.custom_axes_dialog", None,
                "Axes from one term or selection to another (e.g. he → she)", needs_project=True),
        Command("embed_again", "&Embed Again with Another Model…", "quality_panel.ask_model", None,
                "Another embedding set of the items, with its own maps, index and results",
                needs_project=True),
        Command("compare_maps", "&Compare Maps Side by Side", "compare_maps.open", "Ctrl+Shift+M",
                "The active embedding set's map beside another set's, aligned, with linked zoom, hover "
                "and selection", needs_project=True),
        SEPARATOR,
        Command("isolate", "&Isolate Selection", "imports.isolate_selection", "Ctrl+I",
                "A new project of the selected items, with its own map", needs_project=True),
    )),
    ("bookmarks", "&Bookmarks", (
        Command("bookmark", "&Bookmark Selection…", "bookmarks.bookmark_dialog", "Ctrl+D",
                "Keep the selected items under a name, saved with the project", needs_project=True),
        Submenu("bookmarks_list", "", fill="bookmarks.fill_menu"),  # the saved bookmarks, listed here
    )),
    ("help", "&Help", (
        Command("getting_started", "&Getting Started", "show_getting_started", _KEYS.HelpContents,
                "What the app does and where to start"),
        Command("shortcuts", "&Keyboard Shortcuts", "show_shortcuts", "Ctrl+/", "Every keyboard shortcut"),
        SEPARATOR,
        Command("about", "&About", "_about", None, "About Embedding Explorer"),
    )),
)


def commands() -> list[Command]:
    """Every command in the table, in menu order."""
    found: list[Command] = []

    def walk(entries: tuple) -> None:
        for entry in entries:
            if isinstance(entry, Command):
                found.append(entry)
            elif isinstance(entry, Submenu):
                walk(entry.entries)

    for _, _, entries in MENUS:
        walk(entries)
    return found


def _slot(window: QMainWindow, path: str):
    target = window
    for part in path.split("."):
        target = getattr(target, part)
    return target


def create_actions(window: QMainWindow) -> None:
    """``window.<name>_action`` for every command of the table."""
    for command in commands():
        action = QAction(command.text, window)
        if command.shortcut is not None:
            action.setShortcut(QKeySequence(command.shortcut))
        if command.tip:
            action.setStatusTip(command.tip)
            action.setToolTip(command.tip)
        action.setCheckable(command.checkable)
        slot = _slot(window, command.slot)
        if command.checkable:
            action.toggled.connect(slot)
        else:
            action.triggered.connect(lambda _=False, slot=slot: slot())
        setattr(window, f"{command.name}_action", action)


def create_menus(window: QMainWindow, docks: list) -> None:
    """The menu bar from the table: ``window.<name>_menu`` for each menu and submenu."""

    def fill(menu: QMenu, entries: tuple) -> None:
        for entry in entries:
            if entry == SEPARATOR:
                menu.addSeparator()
            elif entry == DOCK_TOGGLES:
                for dock in docks:
                    menu.addAction(dock.toggleViewAction())
            elif isinstance(entry, Command):
                menu.addAction(getattr(window, f"{entry.name}_action"))
            elif isinstance(entry, Submenu):
                sub = menu.addMenu(entry.text) if entry.text else menu
                if entry.text:
                    setattr(window, f"{entry.name}_menu", sub)
                fill(sub, entry.entries)
                if entry.fill:
                    sub.aboutToShow.connect(_slot(window, entry.fill))

    for name, text, entries in MENUS:
        menu = window.menuBar().addMenu(text)
        setattr(window, f"{name}_menu", menu)
        fill(menu, entries)


def project_actions(window: QMainWindow) -> list[QAction]:
    """The actions that need an open project."""
    return [getattr(window, f"{c.name}_action") for c in commands() if c.needs_project]


def toolbar_tooltip(action: QAction) -> str:
    """What the action does and its shortcut, once: "Open a project file (Ctrl+O)". Only the first
    shortcut is named (Help > Keyboard Shortcuts lists the others)."""
    tip = action.statusTip() or action.text().replace("&", "").rstrip("…")
    keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
    return f"{tip} ({keys})" if keys else tip


def set_toolbar_tooltips(bar: QToolBar) -> None:
    """Every button of ``bar`` (not its embedded widgets) gets its tooltip in the one form."""
    for action in bar.actions():
        if not action.isSeparator() and not isinstance(action, QWidgetAction):
            action.setToolTip(toolbar_tooltip(action))
