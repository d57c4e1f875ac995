"""Small controllers beside the main window: each owns one concern's dialogs, jobs and messages,
so the window only lays out and wires."""
