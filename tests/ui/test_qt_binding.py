"""Guard against a Qt binding that over-releases None / True (PySide6 6.12.0 on Python 3.11 did:
every call returning None lost a reference, and the interpreter aborted after enough of them)."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtWidgets import QCheckBox, QGraphicsRectItem, QGraphicsScene


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None and True are immortal from Python 3.12")
def test_calls_and_signals_keep_none_and_true_alive(qtbot):
    scene = QGraphicsScene()
    item = QGraphicsRectItem(0, 0, 1, 1)
    scene.addItem(item)
    box = QCheckBox()
    qtbot.addWidget(box)
    box.toggled.connect(lambda checked: None)
    before_none, before_true = sys.getrefcount(None), sys.getrefcount(True)
    for i in range(2000):
        item.setRect(0, 0, 1 + i % 2, 1)
        item.update()
        box.setChecked(not box.isChecked())
    assert sys.getrefcount(None) - before_none > -100
    assert sys.getrefcount(True) - before_true > -100
