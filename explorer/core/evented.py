"""Signals and evented dataclasses, without Qt (psygnal's Signal and napari's EventedModel, in
miniature).

An ``Evented`` dataclass emits ``changed(name, value)`` whenever one of its fields is assigned a
different value; a field holding another ``Evented`` forwards that one's changes with a dotted name
(``"neighbors.k"``). Values are replaced, never mutated in place, so every change is seen.

The session is only changed on the GUI thread (workers hand results back through Qt signals first),
so callbacks run synchronously, in connection order.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np


class Signal:
    def __init__(self) -> None:
        self._callbacks: list[Callable[..., Any]] = []
        self._blocked = 0

    def connect(self, callback: Callable[..., Any]) -> Callable[..., Any]:
        self._callbacks.append(callback)
        return callback

    def disconnect(self, callback: Callable[..., Any]) -> None:
        self._callbacks.remove(callback)

    def emit(self, *args: Any) -> None:
        if self._blocked:
            return
        for callback in list(self._callbacks):
            callback(*args)

    def __len__(self) -> int:
        return len(self._callbacks)


def same_value(old: Any, new: Any) -> bool:
    """Whether assigning ``new`` over ``old`` changes nothing (arrays by content, results by identity)."""
    if old is new:
        return True
    if isinstance(old, np.ndarray) or isinstance(new, np.ndarray):
        return (isinstance(old, np.ndarray) and isinstance(new, np.ndarray)
                and old.shape == new.shape and old.dtype == new.dtype and bool(np.array_equal(old, new)))
    if type(old) is not type(new):
        return False
    if isinstance(old, (bool, int, float, str, bytes, type(None))):
        return old == new
    if isinstance(old, (list, tuple, set, frozenset, dict)):
        try:
            return bool(old == new)
        except (TypeError, ValueError):  # containers of arrays
            return False
    return False  # results and other objects: a new object is a change


def deep_equal(a: Any, b: Any) -> bool:
    """Equality by content, through dataclasses, containers and arrays (for comparing sessions,
    e.g. one saved and reopened; change detection uses the cheaper ``same_value``)."""
    if a is b:
        return True
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.shape(a) == np.shape(b) and bool(np.array_equal(np.asarray(a), np.asarray(b)))
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        return type(a) is type(b) and all(deep_equal(getattr(a, f.name), getattr(b, f.name))
                                          for f in dataclasses.fields(a))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(deep_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(deep_equal(a[k], b[k]) for k in a)
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


class Evented:
    """Mixin for ``@dataclass`` classes: assigning a field emits ``changed(field, value)``.

    ``RECORD_VERSION`` is the version written with the record in a project file; a class that
    changes its fields raises it and says in ``upgrade`` how to read the older ones.
    """

    RECORD_VERSION: ClassVar[int] = 1

    @property
    def changed(self) -> Signal:
        signal = self.__dict__.get("_changed")
        if signal is None:
            signal = Signal()
            object.__setattr__(self, "_changed", signal)
        return signal

    def __setattr__(self, name: str, value: Any) -> None:
        fields = type(self).__dataclass_fields__  # type: ignore[attr-defined]
        if name not in fields:
            object.__setattr__(self, name, value)
            return
        missing = object()
        old = self.__dict__.get(name, missing)
        if old is not missing and same_value(old, value):
            return
        if isinstance(old, Evented):
            old.changed.disconnect(self.__dict__["_forwarders"].pop(name))
        object.__setattr__(self, name, value)
        if isinstance(value, Evented):
            self._forward(name, value)
        if old is not missing:
            self.changed.emit(name, value)

    def _forward(self, name: str, child: Evented) -> None:
        forwarders = self.__dict__.setdefault("_forwarders", {})

        def forward(field: str, value: Any) -> None:
            self.changed.emit(f"{name}.{field}", value)

        forwarders[name] = child.changed.connect(forward)

    def __eq__(self, other: object) -> bool:
        return deep_equal(self, other)

    __hash__ = None  # mutable

    def update(self, **values: Any) -> None:
        """Assign several fields (each that differs emits its own change)."""
        for name, value in values.items():
            if name not in type(self).__dataclass_fields__:  # type: ignore[attr-defined]
                raise AttributeError(f"{type(self).__name__} has no field {name!r}")
            setattr(self, name, value)

    def field_values(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}  # type: ignore[arg-type]

    @classmethod
    def upgrade(cls, fields: dict[str, Any], version: int) -> dict[str, Any]:
        """Fields of a record written at an older ``version``, brought to ``RECORD_VERSION``."""
        return fields
