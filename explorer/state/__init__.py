"""The evented application state that every view reads and writes. No Qt here."""

from explorer.state.app_state import AppState
from explorer.state.events import Signal

__all__ = ["AppState", "Signal"]
