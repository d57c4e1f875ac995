"""The main window lays out and wires: the map, the side panels, the toolbar, the status bar and the
menus (declared in one table, explorer.ui.menus). It owns the AppState; every panel is a view over
that state. Files, imports, projections, bookmarks and source data are handled by the small
controllers in explorer.ui.controllers, which the menu table's dotted slots name."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QEvent, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QDockWidget,
    QDoubleSpinBox,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSlider,
    QTabBar,
    QTabWidget,
    QToolBar,
    QToolButton,
    QToolTip,
    QWidget,
)

from explorer import __version__
from explorer.core.progress import Progress
from explorer.core.selection import SearchTooSlow
from explorer.io.project_file import SUFFIX
from explorer.state import AppState
from explorer.ui import APP_NAME, menus, theme
from explorer.ui.combo import CompactCombo
from explorer.ui.compare_view import CompareMaps
from explorer.ui.controllers.bookmarks import BookmarksController
from explorer.ui.controllers.files import FilesController
from explorer.ui.controllers.importing import ImportController
from explorer.ui.controllers.projections import ProjectionController
from explorer.ui.controllers.source_data import SourceDataController
from explorer.ui.help_dialogs import HelpDialog, ShortcutsDialog
from explorer.ui.job_progress import JobProgress
from explorer.ui.map_controls import MapControls, count_text, search_columns_button
from explorer.ui.menus import create_actions, create_menus, project_actions
from explorer.ui.panels.analogy_panel import AnalogyPanel
from explorer.ui.panels.bias_panel import BiasPanel
from explorer.ui.panels.clusters_panel import ClustersPanel
from explorer.ui.panels.item_panel import ItemPanel
from explorer.ui.panels.neighbors_panel import NeighborsPanel
from explorer.ui.panels.quality_panel import QualityPanel
from explorer.ui.panels.selection_panel import SelectionPanel
from explorer.ui.scatter_view import ScatterView
from explorer.ui.set_switcher import SetSwitcher, cancel_on_switch
from explorer.ui.workers import JobRunner, connect_current

INSTANT_SEARCH_LIMIT = 100_000  # items; above this the search waits for typing to pause


class MainWindow(QMainWindow):
    project_opened = Signal(str)  # path
    project_saved = Signal(str)  # path
    error_shown = Signal(str)  # the message shown to the user
    first_painted = Signal(float)  # time.time() of the first paint
    projection_ready = Signal(str)  # name of a newly computed projection
    import_finished = Signal(str)  # the import's report

    def __init__(self, settings: QSettings | None = None, recovery_folder: str | None = None) -> None:
        super().__init__()
        self.settings = settings or QSettings()
        self.state = AppState()
        self.last_error = ""
        self._first_paint_done = False
        self.setWindowTitle(APP_NAME)
        self.resize(1280, 820)
        self.setAcceptDrops(True)

        self.scatter = ScatterView(self.state, self)
        self.setCentralWidget(self.scatter)
        self.item_panel = ItemPanel(self.state, self)
        dock = QDockWidget("Selected item", self)
        dock.setObjectName("item_dock")
        dock.setWidget(self.item_panel)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.item_dock = dock
        self.neighbors_panel = NeighborsPanel(self.state, self)
        self.analogy_panel = AnalogyPanel(self.state, self)
        self.clusters_panel = ClustersPanel(self.state, self)
        self.bias_panel = BiasPanel(self.state, self)
        self.quality_panel = QualityPanel(self.state, self)
        self.compare_maps = CompareMaps(self.state, self)  # Map ▸ Compare Maps Side by Side
        self.quality_panel.side_by_side_requested.connect(self.compare_maps.open)
        self.analysis_tabs = QTabWidget()
        for panel, title in ((self.neighbors_panel, "Neighbours"), (self.analogy_panel, "Analogies"),
                             (self.clusters_panel, "Clusters"), (self.bias_panel, "Bias"),
                             (self.quality_panel, "Data quality")):
            # Scrollable, so a tall panel never forces a tall window.
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QScrollArea.Shape.NoFrame)
            scroll.setWidget(panel)
            self.analysis_tabs.addTab(scroll, title)
        self.analysis_dock = QDockWidget("Analysis", self)
        self.analysis_dock.setObjectName("analysis_dock")
        self.analysis_dock.setWidget(self.analysis_tabs)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.analysis_dock)
        self.tabifyDockWidget(self.item_dock, self.analysis_dock)
        self.item_dock.raise_()
        self.selection_panel = SelectionPanel(self.state, self)
        self.selection_dock = QDockWidget("Selection", self)
        self.selection_dock.setObjectName("selection_dock")
        self.selection_dock.setWidget(self.selection_panel)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.selection_dock)
        self.resizeDocks([self.selection_dock], [170], Qt.Orientation.Vertical)
        self.resizeDocks([self.item_dock], [330], Qt.Orientation.Horizontal)

        # the controllers the menu table's dotted slots name ("files.open_dialog", ...)
        self.files = FilesController(self, recovery_folder)  # open, save, recent, autosave, recovery
        self.imports = ImportController(self)  # new projects: imported data, an isolated selection
        self.projections = ProjectionController(self)  # new projections and custom axes
        self.bookmarks = BookmarksController(self)
        self.source_data = SourceDataController(self)
        self.map_controls = MapControls(self.state, self.scatter, self)  # labels, density, legend
        self.map_controls.labels.message.connect(lambda text: self.statusBar().showMessage(text, 6000))
        self._create_actions()
        self._create_menus()
        self.map_controls.bind(self)
        self._create_toolbar()
        self._create_desktop_look()
        self._create_status_bar()
        self._connect_jobs()

        self.state.project_changed.connect(self._on_project_changed)
        cancel_on_switch(self.state, lambda: (self.projections.runner, *(panel.runner for panel in (
            self.neighbors_panel, self.analogy_panel, self.clusters_panel, self.bias_panel))))
        self.state.projection_changed.connect(self._update_status)
        self.state.projections_changed.connect(self._fill_projection_combo)
        self.state.columns_changed.connect(self._fill_color_combo)
        self.state.colors_changed.connect(self._sync_color_combo)
        self.state.dirty_changed.connect(self._update_title)
        self.state.path_changed.connect(self._update_title)
        self.state.hover_changed.connect(self._on_hover_changed)
        self.state.appearance_changed.connect(self._sync_appearance)
        self._update_title()
        self._on_project_changed()
        self.restore_layout()

    # ------------------------------------------------------------------ actions and menus
    def _create_actions(self) -> None:
        create_actions(self)  # every command, from the one table in explorer.ui.menus

    def _create_menus(self) -> None:
        create_menus(self, docks=[self.item_dock, self.selection_dock, self.analysis_dock])
        self.bookmarks.fill_menu()
        self.files.fill_recent_menu()

    def clear_selection(self) -> None:
        self.state.select([])

    def _create_toolbar(self) -> None:
        bar = QToolBar("Map", self)
        bar.setObjectName("map_toolbar")
        bar.setMovable(False)
        self.set_combo = SetSwitcher(self.state)
        self.set_combo.add_to(bar)
        bar.addWidget(QLabel(" Map "))
        self.projection_combo = CompactCombo(9)
        self.projection_combo.setToolTip("The projection shown on the map")
        self.projection_combo.currentTextChanged.connect(
            lambda name: name and self.state.set_projection(name))
        bar.addWidget(self.projection_combo)
        bar.addSeparator()
        bar.addWidget(QLabel(" Colour "))
        self.color_combo = CompactCombo(10)
        self.color_combo.setToolTip("The column that colours the points")
        self.color_combo.currentIndexChanged.connect(self._on_color_combo)
        bar.addWidget(self.color_combo)
        bar.addSeparator()
        self.mode_group = QActionGroup(self)
        self.mode_actions = {}
        for mode, label, key, tip in (("pan", "Pan", "P", "Drag to pan the map; click selects a point"),
                                      ("box", "Box", "B", "Drag a rectangle to select points; Shift adds"),
                                      ("lasso", "Lasso", "L", "Draw around points to select them; Shift adds")):
            action = QAction(label, self, checkable=True)
            action.setShortcut(QKeySequence(key))
            action.setStatusTip(tip)
            action.triggered.connect(lambda _=False, m=mode: self.scatter.set_mode(m))
            self.mode_group.addAction(action)
            bar.addAction(action)
            self.mode_actions[mode] = action
        self.mode_actions["pan"].setChecked(True)
        bar.addSeparator()
        self.search_box = QLineEdit()
        self.search_box.setPlaceholderText("Search text…")
        self.search_box.setToolTip("Search the items' text (Ctrl+F); Enter brings the matches into view")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.setMaximumWidth(240)
        # On big sets, search once typing pauses rather than on every key press (it scans every text).
        self.search_timer = QTimer(self)
        self.search_timer.setSingleShot(True)
        self.search_timer.setInterval(250)
        self.search_timer.timeout.connect(lambda: self._on_search(self.search_box.text()))
        self.search_box.textChanged.connect(self._search_soon)
        self.search_box.returnPressed.connect(self._reveal_matches)
        self.search_columns_button = search_columns_button(self.state, self,
                                                           lambda: self._on_search(self.search_box.text()))
        self.regex_box = QCheckBox(".*")
        self.regex_box.setToolTip("Search with a regular expression")
        self.regex_box.toggled.connect(lambda _: self._on_search(self.search_box.text()))
        self.search_count = QLabel()
        bar.addWidget(self.search_box)
        bar.addWidget(self.search_columns_button)
        bar.addWidget(self.regex_box)
        bar.addWidget(self.search_count)
        self.select_matches_button = QToolButton()  # a tool button: a push button's padding
        self.select_matches_button.setText("Select")  # costs the toolbar 30 px it lacks at 1280 px
        self.select_matches_button.setToolTip("Select the items the search matches")
        self.select_matches_button.clicked.connect(
            lambda: self.state.search_matches is not None and self.state.select(self.state.search_matches))
        bar.addWidget(self.select_matches_button)
        bar.addSeparator()
        bar.addWidget(QLabel(" Size "))
        self.size_box = QDoubleSpinBox()
        self.size_box.setRange(0.5, 12)
        self.size_box.setSingleStep(0.5)
        self.size_box.setToolTip("Point radius in pixels")
        self.size_box.valueChanged.connect(lambda v: self.state.set_appearance(point_size=v))
        bar.addWidget(self.size_box)
        bar.addWidget(QLabel(" Opacity "))
        self.opacity_slider = QSlider(Qt.Orientation.Horizontal)
        self.opacity_slider.setRange(10, 100)
        self.opacity_slider.setValue(85)
        self.opacity_slider.setMaximumWidth(72)
        self.opacity_slider.valueChanged.connect(lambda v: self.state.set_appearance(opacity=v / 100))
        bar.addWidget(self.opacity_slider)
        self.addToolBar(bar)
        self.toolbar = bar
        self.search_shortcut = QShortcut(QKeySequence.StandardKey.Find, self)
        self.search_shortcut.setWhatsThis("Search the texts and labels")
        self.search_shortcut.activated.connect(self.search_box.setFocus)

    def _reveal_matches(self) -> None:
        """Enter in the search box: search now (even on a big set) and bring the matches into view."""
        self.search_timer.stop()
        self._on_search(self.search_box.text())
        if self.state.search_matches is not None:
            self.state.request_reveal(self.state.search_matches)

    # ------------------------------------------------------------------ desktop look
    TOOLBAR_ICONS = {"import_action": "import", "open_action": "open", "save_action": "save",
                     "new_projection_action": "projection", "reset_view_action": "fit"}
    MENU_ICONS = {**TOOLBAR_ICONS, "export_map_action": "export", "getting_started_action": "help"}
    MODE_ICONS = {"pan": "pan", "box": "box", "lasso": "lasso"}

    def _create_desktop_look(self) -> None:
        """Icons, tooltips, the choices of View ▸ Theme and the file actions on the toolbar (after the
        actions, menus and toolbar)."""
        self.theme_group = QActionGroup(self)
        self.theme_actions = {}
        for key, label in theme.THEMES.items():
            action = QAction(label, self, checkable=True)
            action.setStatusTip(f"{label} colours" if key != "system" else "Follow the system's light or dark look")
            action.triggered.connect(lambda _=False, k=key: self.set_theme(k))
            self.theme_group.addAction(action)
            self.theme_menu.addAction(action)
            self.theme_actions[key] = action
        bar = self.toolbar
        first = bar.actions()[0]
        for name in ("import_action", "open_action", "save_action"):
            bar.insertAction(first, getattr(self, name))
        bar.insertSeparator(first)
        modes = self.mode_actions["pan"]
        for name in ("new_projection_action", "reset_view_action"):
            bar.insertAction(modes, getattr(self, name))
        bar.insertSeparator(modes)
        menus.set_toolbar_tooltips(bar)
        theme.set_desktop_identity()
        theme.on_system_theme_changed(self._follow_system_theme)
        self.theme_name = theme.apply_theme(str(self.settings.value(theme.SETTINGS_KEY, "system")))
        self.theme_actions[self.theme_name].setChecked(True)
        self._apply_look()

    def set_theme(self, name: str) -> None:
        """System, light or dark (View ▸ Theme), remembered for the next start."""
        self.theme_name = theme.apply_theme(name)
        self.theme_actions[self.theme_name].setChecked(True)
        self.settings.setValue(theme.SETTINGS_KEY, self.theme_name)
        self._apply_look()

    def _follow_system_theme(self) -> None:
        if self.theme_name == "system":
            theme.apply_theme("system")
            self._apply_look()

    def _apply_look(self) -> None:
        """Icons and the map in the current palette's colours."""
        self.setWindowIcon(theme.app_icon())
        for name, icon_name in self.MENU_ICONS.items():
            getattr(self, name).setIcon(theme.icon(icon_name))
        for mode, icon_name in self.MODE_ICONS.items():
            self.mode_actions[mode].setIcon(theme.icon(icon_name))
        self.scatter.apply_theme()  # background, rings, arrows, labels, legend in the palette's colours

    def changeEvent(self, event) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() == QEvent.Type.ApplicationPaletteChange and hasattr(self, "theme_name"):
            self._apply_look()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802
        if watched is self.scatter and event.type() == QEvent.Type.Leave:
            self.state.set_hovered(None)  # the mouse left the map: nothing is hovered any more
            QToolTip.hideText()
        return super().eventFilter(watched, event)

    def show_shortcuts(self) -> None:
        dialog = ShortcutsDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.shortcuts_dialog = dialog

    def show_getting_started(self) -> None:
        dialog = HelpDialog("Getting started", "getting_started", self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.help_dialog = dialog

    # ------------------------------------------------------------------ window layout (preferences)
    def save_layout(self) -> None:
        """Geometry, docks, toolbars and the active analysis tab, in QSettings (not the project)."""
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.setValue("window/analysis_tab", self.analysis_tabs.currentIndex())
        self.settings.setValue("window/raised_dock", "analysis" if self.analysis_dock_raised() else "item")

    def analysis_dock_raised(self) -> bool:
        """Whether the Analysis dock is the shown tab of its dock group (Qt keeps no API for it:
        the group's tab bar, a child of the window, knows)."""
        title = self.analysis_dock.windowTitle()
        for bar in self.findChildren(QTabBar):
            if bar.parent() is self and any(bar.tabText(i) == title for i in range(bar.count())):
                return bar.tabText(bar.currentIndex()) == title
        return not self.analysis_dock.visibleRegion().isEmpty()

    def restore_layout(self) -> None:
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = self.settings.value("window/state")
        if state is not None:
            self.restoreState(state)
        tab = self.settings.value("window/analysis_tab")
        if tab is not None and 0 <= int(tab) < self.analysis_tabs.count():
            self.analysis_tabs.setCurrentIndex(int(tab))
        if self.settings.value("window/raised_dock") == "analysis":
            self.analysis_dock.raise_()
            QTimer.singleShot(0, self.analysis_dock.raise_)  # tabs are raised once laid out

    def _search_soon(self, text: str) -> None:
        project = self.state.project
        if project is not None and len(project.embeddings) > INSTANT_SEARCH_LIMIT:
            self.search_timer.start()
        else:
            self._on_search(text)

    def _on_search(self, text: str) -> None:
        try:
            self.state.set_search(text.strip(), regex=self.regex_box.isChecked())
        except ValueError as err:  # SearchTooSlow included
            self.search_count.setText("regex too slow" if isinstance(err, SearchTooSlow) else "bad regex")
            self.search_box.setToolTip(str(err))
            self.select_matches_button.setEnabled(False)  # the matches kept are not this pattern's
            return
        self.search_box.setToolTip("")
        matches = self.state.search_matches
        self.search_count.setText(count_text(matches))
        self.select_matches_button.setEnabled(bool(matches is not None and len(matches)))

    def _create_status_bar(self) -> None:
        status = self.statusBar()
        self.summary_label = QLabel()
        self.hover_label = QLabel()
        # ignore the text's width: a long hovered text never pushes the progress bar or summary away
        self.hover_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.progress_bar = JobProgress()
        self.scatter.installEventFilter(self)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel_jobs)
        status.addWidget(self.hover_label, 1)
        status.addPermanentWidget(self.progress_bar)
        status.addPermanentWidget(self.cancel_button)
        status.addPermanentWidget(self.summary_label)
        self.progress_bar.hide()
        self.cancel_button.hide()

    @property
    def runners(self) -> tuple[JobRunner, ...]:
        """Every job whose progress the status bar shows (and its Cancel stops): the controllers'
        (open, save, projections, imports, source data) and the analysis panels' (clusters, WEAT's
        permutations, neighbours, analogies). Autosaving runs unseen."""
        panels = (self.neighbors_panel, self.analogy_panel, self.clusters_panel, self.bias_panel)
        return (self.files.loader, self.files.saver, self.projections.runner, self.imports.runner,
                self.source_data.runner, *(panel.runner for panel in panels))

    def show_analysis(self, panel: QWidget) -> None:
        self.analysis_dock.show()
        self.analysis_dock.raise_()
        for i in range(self.analysis_tabs.count()):
            if self.analysis_tabs.widget(i).widget() is panel:
                self.analysis_tabs.setCurrentIndex(i)

    def _connect_jobs(self) -> None:
        for runner in self.runners:
            connect_current(runner, "progressed", self._show_progress)
            connect_current(runner, "failed", self._hide_progress)
            connect_current(runner, "cancelled", self._hide_progress)
            connect_current(runner, "finished", self._hide_progress)
        # the projection box names the projection being computed until it is done or stopped
        self.projections.computing_changed.connect(self._fill_projection_combo)
        self.projections.computing_changed.connect(self._update_status)

    # ------------------------------------------------------------------ jobs
    def _show_progress(self, step: Progress, *_) -> None:
        self.progress_bar.show_step(step)
        self.cancel_button.show()

    def _hide_progress(self, *_) -> None:
        if not any(runner.running for runner in self.runners):
            self.progress_bar.finish()
            self.cancel_button.hide()

    def cancel_jobs(self) -> None:
        for runner in self.runners:
            runner.cancel()
        self.statusBar().showMessage("Cancelled", 3000)

    # ------------------------------------------------------------------ map image
    def export_map_dialog(self) -> None:
        if self.state.project is None:
            return
        from explorer.ui.map_export import ExportMapDialog  # noqa: PLC0415

        dialog = ExportMapDialog(self, self.scatter.size(), self.scatter.cloud.point_count)
        if dialog.exec():
            self.export_map(dialog.path(), dialog.image_size())

    def export_map(self, path: str, size: tuple[int, int] | None = None) -> None:
        from explorer.ui.map_export import render_map  # noqa: PLC0415

        view_size = self.scatter.size()
        size = size or (view_size.width() * 2, view_size.height() * 2)
        try:
            render_map(self.state.project, path, size, state=self.state)
        except (ValueError, OSError) as err:
            self.show_error("Cannot export the map", str(err))
            return
        self.statusBar().showMessage(f"Exported the map to {Path(path).resolve()}", 8000)

    # ------------------------------------------------------------------ state -> window
    def _on_project_changed(self) -> None:
        project = self.state.project
        has_project = project is not None
        for action in project_actions(self):
            action.setEnabled(has_project)
        # the toolbar shows what the state restored from the project (search, size, opacity)
        for widget, setter, value in ((self.search_box, QLineEdit.setText, self.state.search_text),
                                      (self.regex_box, QCheckBox.setChecked, self.state.search_regex),
                                      (self.size_box, QDoubleSpinBox.setValue, self.scatter.cloud.radius),
                                      (self.opacity_slider, QSlider.setValue,
                                       round(self.scatter.cloud.opacity_value * 100))):
            widget.blockSignals(True)
            setter(widget, value)
            widget.blockSignals(False)
        matches = self.state.search_matches
        self.search_count.setText(count_text(matches))
        self.select_matches_button.setEnabled(bool(matches is not None and len(matches)))
        self.source_data.sync_actions()
        self._fill_projection_combo()
        self._fill_color_combo()
        self._update_status()
        self._update_title()

    def _sync_appearance(self) -> None:
        """The toolbar shows the session's point size and opacity, however they were changed."""
        for widget, value in ((self.size_box, self.scatter.cloud.radius),
                              (self.opacity_slider, round(self.scatter.cloud.opacity_value * 100))):
            widget.blockSignals(True)
            widget.setValue(value)
            widget.blockSignals(False)

    def _fill_color_combo(self) -> None:
        project = self.state.project
        self.color_combo.blockSignals(True)
        self.color_combo.clear()
        if project is not None:
            self.color_combo.addItem("(none)", None)
            for column in project.embeddings.metadata:
                self.color_combo.addItem(column, column)
            index = self.color_combo.findData(project.view.color_by)
            self.color_combo.setCurrentIndex(max(index, 0))
        self.color_combo.blockSignals(False)

    def _fill_projection_combo(self) -> None:
        project = self.state.project
        self.projection_combo.blockSignals(True)
        self.projection_combo.clear()
        if project is not None:
            self.projection_combo.addItems(list(project.projections))
            if project.view.projection:
                self.projection_combo.setCurrentText(project.view.projection)
            if self.projections.computing:
                self.projection_combo.addItem(f"{self.projections.computing} (computing…)")
                self.projection_combo.setCurrentIndex(self.projection_combo.count() - 1)
        self.projection_combo.blockSignals(False)

    def _sync_color_combo(self) -> None:
        project = self.state.project
        if project is not None:
            index = self.color_combo.findData(project.view.color_by)
            if index >= 0 and index != self.color_combo.currentIndex():
                self.color_combo.blockSignals(True)
                self.color_combo.setCurrentIndex(index)
                self.color_combo.blockSignals(False)

    def _on_color_combo(self, index: int) -> None:
        if self.state.project is not None and index >= 0:
            self.state.set_color_by(self.color_combo.itemData(index))

    def _update_status(self) -> None:
        project = self.state.project
        if project is None:
            self.summary_label.setText("No project open — File ▸ Open (Ctrl+O)")
            return
        emb = project.embeddings
        projection = project.current_projection
        shown = f"{projection.name} ({projection.method})" if projection else "no projection"
        if self.projections.computing:
            shown = f"computing {self.projections.computing}"
        self.summary_label.setText(
            f"{len(emb):,} points · {emb.dim}-d · model {emb.model_id or 'unknown'} · {shown}")
        if projection is not None and not self.projections.computing \
                and self.projection_combo.currentText() != projection.name:
            self.projection_combo.setCurrentText(projection.name)

    def _update_title(self) -> None:
        name = self.state.path.name if self.state.path else ("untitled" if self.state.project else "")
        self.setWindowTitle(f"{name}[*] — {APP_NAME}" if name else APP_NAME)
        self.setWindowModified(self.state.dirty)

    def _on_hover_changed(self) -> None:
        index = self.state.hovered
        if index is None or self.state.project is None:
            self.hover_label.setText("")
            return
        emb = self.state.project.embeddings
        self.hover_label.setText(emb.texts[index][:100])

    # ------------------------------------------------------------------ messages
    def show_error(self, title: str, message: str) -> None:
        """Tell the user what is wrong without blocking the event loop (no traceback dialogs)."""
        self.last_error = message
        box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, self)
        box.setObjectName("error_box")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.statusBar().showMessage(message, 8000)
        self.error_shown.emit(message)

    def _about(self) -> None:
        QMessageBox.about(self, f"About {APP_NAME}",
                          f"<b>{APP_NAME}</b> {__version__}<br>Maps, neighbours, analogies, clusters "
                          "and bias probes over your own embeddings, offline.")

    # ------------------------------------------------------------------ Qt events
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if not self.files.confirm_discard():
            event.ignore()
            return
        self.projections.runner.cancel()
        self.files.finish()  # stops loading and autosaving, lets a save end, clears the recovery file
        self.save_layout()
        event.accept()

    def paintEvent(self, event) -> None:  # noqa: N802
        super().paintEvent(event)
        if not self._first_paint_done:
            self._first_paint_done = True
            stamp = time.time()
            QTimer.singleShot(0, lambda: self.first_painted.emit(stamp))

    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if self._dropped_path(event) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        """A project opens; any other file or folder goes to the import dialog."""
        path = self._dropped_path(event)
        if path is None:
            return
        event.acceptProposedAction()
        if path.endswith(SUFFIX):
            self.files.open_project(path)
        else:
            QTimer.singleShot(0, lambda: self.imports.import_dialog(path))

    @staticmethod
    def _dropped_path(event) -> str | None:
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        for url in urls:
            if url.isLocalFile():
                return url.toLocalFile()
        return None
