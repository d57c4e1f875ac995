"""The use cases, Qt-free: a frozen request in, a typed result out (long ones are generators
yielding explorer.core.progress.Progress). The command line (explorer.cli) and the window
(explorer.ui) both call them; a failure the user should read is an ActionError, one line."""

from explorer.actions.errors import ActionError

__all__ = ["ActionError"]
