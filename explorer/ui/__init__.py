"""The Qt side: the only package that imports PySide6 or pyqtgraph."""

APP_NAME = "Embedding Explorer"
