"""The state's signal type: a psygnal-style plain-callback signal (explorer.core.evented.Signal)."""

from explorer.core.evented import Signal

__all__ = ["Signal"]
