"""Light, dark or the system's look, and the icons drawn in the current palette's colours.

``apply_theme`` sets the application palette: "system" hands it back to the platform (so a desktop
switching to dark mode is followed), "light" and "dark" are explicit Fusion-style palettes. The map
takes its background and ink from the same palette (``plot_colors``). Icons are small SVGs shipped
in explorer/resources/icons/ whose strokes say ``currentColor``; ``icon`` paints them in the
palette's text colour, so they stay visible on either background.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

THEMES = {"system": "System", "light": "Light", "dark": "Dark"}
SETTINGS_KEY = "view/theme"
ICON_SIZES = (16, 20, 24, 32, 48)
APP_ICON = "embedding-explorer"  # resources/icons/embedding-explorer.svg, also the desktop icon


def resource_path(*parts: str):
    """A file shipped in explorer/resources (package data), as a Traversable."""
    return resources.files("explorer").joinpath("resources", *parts)


def _palette(colors: dict[QPalette.ColorRole, str], disabled_text: str) -> QPalette:
    palette = QPalette()
    for role, color in colors.items():
        palette.setColor(role, QColor(color))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(disabled_text))
    return palette


def dark_palette() -> QPalette:
    role = QPalette.ColorRole
    return _palette({
        role.Window: "#2b2d30", role.WindowText: "#e6e6e6", role.Base: "#1e1f22",
        role.AlternateBase: "#27292c", role.ToolTipBase: "#3c3f41", role.ToolTipText: "#f0f0f0",
        role.PlaceholderText: "#9a9da3", role.Text: "#e6e6e6", role.Button: "#3a3d41",
        role.ButtonText: "#e6e6e6", role.BrightText: "#ff6b6b", role.Light: "#4a4d52",
        role.Midlight: "#3f4246", role.Mid: "#2f3134", role.Dark: "#1b1c1f", role.Shadow: "#000000",
        role.Highlight: "#3d7bd9", role.HighlightedText: "#ffffff", role.Link: "#7aa7ff",
        role.LinkVisited: "#b28cff",
    }, disabled_text="#7b7e84")


def light_palette() -> QPalette:
    role = QPalette.ColorRole
    return _palette({
        role.Window: "#efefef", role.WindowText: "#1a1a1a", role.Base: "#ffffff",
        role.AlternateBase: "#f5f5f5", role.ToolTipBase: "#ffffdc", role.ToolTipText: "#1a1a1a",
        role.PlaceholderText: "#6b6b6b", role.Text: "#1a1a1a", role.Button: "#efefef",
        role.ButtonText: "#1a1a1a", role.BrightText: "#ffffff", role.Light: "#ffffff",
        role.Midlight: "#e3e3e3", role.Mid: "#a0a0a0", role.Dark: "#9f9f9f", role.Shadow: "#767676",
        role.Highlight: "#3072c9", role.HighlightedText: "#ffffff", role.Link: "#0b57d0",
        role.LinkVisited: "#7b3fbf",
    }, disabled_text="#9a9a9a")


def system_prefers_dark(app: QGuiApplication | None = None) -> bool:
    app = app or QGuiApplication.instance()
    hints = app.styleHints()
    return hasattr(hints, "colorScheme") and hints.colorScheme() == Qt.ColorScheme.Dark


def apply_theme(name: str, app: QGuiApplication | None = None) -> str:
    """Set the application's palette for ``name`` ("system", "light" or "dark"; anything else is
    "system"); returns the name applied."""
    app = app or QGuiApplication.instance()
    name = name if name in THEMES else "system"
    if name == "dark" or (name == "system" and system_prefers_dark(app)):
        app.setPalette(dark_palette())
    elif name == "light":
        app.setPalette(light_palette())
    else:
        app.setPalette(QPalette())  # an empty palette: the platform's own, following its changes
    return name


def on_system_theme_changed(slot) -> None:
    """Call ``slot()`` when the desktop switches between light and dark (Qt 6.5+)."""
    hints = QGuiApplication.styleHints()
    if hasattr(hints, "colorSchemeChanged"):
        hints.colorSchemeChanged.connect(lambda *_: slot())


def is_dark(palette: QPalette | None = None) -> bool:
    palette = palette or QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def plot_colors(palette: QPalette | None = None) -> tuple[QColor, QColor]:
    """(background, ink) for the map: the palette's base and text colours."""
    palette = palette or QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Base), palette.color(QPalette.ColorRole.Text)


@dataclass(frozen=True)
class MapInk:
    """Every colour the map draws besides the points' own: chosen for the palette's background so
    that rings, arrows, names and halos stand out on it (light or dark)."""

    dark: bool
    background: QColor
    text: QColor  # legend entries, region labels
    muted: QColor  # finer region labels
    halo: QColor  # the outline around region labels: the background's colour
    selection: QColor
    hover: QColor
    focus: QColor
    highlight: QColor  # neighbours and other marked results
    match: QColor  # search matches
    arrow: QColor
    arrow_casing: QColor  # under the arrow, so it reads on any point colour
    name_fill: QColor  # the box of an emphasised item's name
    name_border: QColor
    name_text: QColor
    legend_fill: QColor  # behind the legend (it floats over the map's corner)
    legend_border: QColor
    outline: QColor  # the box or lasso being drawn
    density: tuple[int, int, int]  # shading and contours


def map_ink(palette: QPalette | None = None) -> MapInk:
    """The map's colours for ``palette`` (the application's by default)."""
    palette = palette or QGuiApplication.palette()
    background, text = plot_colors(palette)
    dark = is_dark(palette)

    def alpha(color: QColor | str, a: int) -> QColor:
        color = QColor(color)
        color.setAlpha(a)
        return color

    if dark:
        return MapInk(
            dark=True, background=background, text=text, muted=QColor("#c8cad0"), halo=alpha(background, 235),
            selection=QColor("#f5f5f5"), hover=QColor("#ff5c7a"), focus=QColor("#ffb340"),
            highlight=QColor("#3ddc97"), match=QColor("#e8e8e8"), arrow=QColor("#ff6fa5"),
            arrow_casing=alpha("#000000", 200), name_fill=alpha("#2b2d30", 240), name_border=alpha("#c8c8c8", 150),
            name_text=QColor("#f2f2f2"), legend_fill=alpha(background, 215), legend_border=alpha("#8a8d93", 120),
            outline=QColor("#d0d0d0"), density=(150, 190, 255))
    return MapInk(
        dark=False, background=background, text=text, muted=QColor("#333333"), halo=alpha(background, 230),
        selection=QColor("#111111"), hover=QColor("#ff2d55"), focus=QColor("#ff9500"),
        highlight=QColor("#00a86b"), match=QColor("#222222"), arrow=QColor("#c2185b"),
        arrow_casing=alpha("#ffffff", 230), name_fill=alpha("#ffffff", 235), name_border=alpha("#5a5a5a", 160),
        name_text=QColor("#111111"), legend_fill=alpha(background, 215), legend_border=alpha("#5a5a5a", 70),
        outline=QColor("#333333"), density=(40, 70, 120))


def readable_colors(rgb: np.ndarray, ink: MapInk) -> np.ndarray:
    """Point colours as drawn on the map: on a dark background the darkest ones (navy, deep purple)
    are lifted towards white until they stand out from it; on a light one they are left as they are."""
    rgb = np.asarray(rgb, dtype=np.uint8)
    if not ink.dark or not len(rgb):
        return rgb
    luminance = (rgb.astype(np.float32) @ np.array([0.2126, 0.7152, 0.0722], np.float32)) / 255
    lift = np.clip((0.35 - luminance) / 0.35, 0.0, 1.0)[:, None] * 0.45
    return np.round(rgb + (255 - rgb.astype(np.float32)) * lift).astype(np.uint8)


@cache
def _svg(name: str) -> str:
    return resource_path("icons", f"{name}.svg").read_text("utf-8")


def icon(name: str, palette: QPalette | None = None) -> QIcon:
    """The icon ``name`` from resources/icons, its ``currentColor`` painted in the palette's text
    colour (and the disabled text colour for the disabled state)."""
    palette = palette or QGuiApplication.palette()
    result = QIcon()
    for mode, group in ((QIcon.Mode.Normal, QPalette.ColorGroup.Active),
                        (QIcon.Mode.Disabled, QPalette.ColorGroup.Disabled)):
        color = palette.color(group, QPalette.ColorRole.WindowText).name()
        renderer = QSvgRenderer(QByteArray(_svg(name).replace("currentColor", color).encode()))
        for size in ICON_SIZES:
            pixmap = QPixmap(size, size)
            pixmap.fill(Qt.GlobalColor.transparent)
            painter = QPainter(pixmap)
            renderer.render(painter, QRectF(0, 0, size, size))
            painter.end()
            result.addPixmap(pixmap, mode)
    return result


def set_desktop_identity() -> None:
    """Tie the windows to the installed launcher (its name and icon in docks and task bars)."""
    QGuiApplication.setDesktopFileName(APP_ICON)
    QGuiApplication.setWindowIcon(app_icon())


def app_icon() -> QIcon:
    """The application's own (coloured) icon."""
    return icon(APP_ICON)
