"""Results as plain data: the analysis results a project keeps (neighbours, analogies, clusters,
WEAT reports...) turned into JSON-able records and back.

Data is never code: a record names its type, and only the result types listed in ``RECORD_TYPES``
can be rebuilt; anything else is refused. Arrays can go to a side store (``put_array`` /
``get_array``, for example .npy members of a project file) instead of bloating the JSON.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import types
import typing
from collections.abc import Callable
from typing import Any

import numpy as np

from explorer.core.analogy import AnalogyEvaluation, AnalogyResult, SectionScore
from explorer.core.bias import Direction, DirectionScores, WeatResult
from explorer.core.clusters import ClusterLabel, ClusterResult
from explorer.core.neighbors import Neighbors
from explorer.core.session import (
    AnalogySession,
    BiasSession,
    ClustersSession,
    NeighborsSession,
    QualitySession,
    SetSession,
    ViewState,
)

RECORD_TYPES: dict[str, type] = {
    cls.__name__: cls
    for cls in (Neighbors, AnalogyResult, AnalogyEvaluation, SectionScore, WeatResult, Direction,
                DirectionScores, ClusterResult, ClusterLabel,
                ViewState, NeighborsSession, AnalogySession, ClustersSession, BiasSession,
                QualitySession, SetSession)
}
# Arrays at least this long go to the side store when there is one; shorter ones stay in the JSON.
INLINE_ARRAY_LIMIT = 256


class RecordError(ValueError):
    """A record that cannot be rebuilt (unknown type, malformed)."""


def to_record(value: Any, put_array: Callable[[np.ndarray], str] | None = None) -> Any:
    """``value`` as JSON-able data; dataclasses must be of a type in RECORD_TYPES."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if np.isfinite(value) else {"__float__": repr(value)}
    if isinstance(value, np.ndarray):
        if value.dtype.hasobject or value.dtype.kind not in "biuf":
            return {"__list__": [to_record(v, put_array) for v in value.tolist()]}
        if put_array is not None and (value.size >= INLINE_ARRAY_LIMIT or not np.isfinite(value).all()):
            return {"__npy__": put_array(value)}  # NaN and infinities too: an .npy keeps them exactly
        return {"__array__": to_record(value.tolist()), "dtype": value.dtype.str, "shape": list(value.shape)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        name = type(value).__name__
        if RECORD_TYPES.get(name) is not type(value):
            raise RecordError(f"{name} is not a result type that a project keeps")
        record = {"__type__": name, "fields": {f.name: to_record(getattr(value, f.name), put_array)
                                               for f in dataclasses.fields(value)}}
        version = getattr(type(value), "RECORD_VERSION", None)
        if version is not None:  # evented session records say which version of their fields they hold
            record["__version__"] = version
        return record
    if isinstance(value, tuple):
        return {"__tuple__": [to_record(v, put_array) for v in value]}
    if isinstance(value, list):
        if put_array is not None and len(value) >= INLINE_ARRAY_LIMIT \
                and all(type(v) is int for v in value):  # item lists (a selection): one array
            return {"__npy__": put_array(np.asarray(value, dtype=np.int64))}
        return [to_record(v, put_array) for v in value]
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value) and not any(k.startswith("__") for k in value):
            return {k: to_record(v, put_array) for k, v in value.items()}
        return {"__items__": [[to_record(k, put_array), to_record(v, put_array)] for k, v in value.items()]}
    raise RecordError(f"cannot keep a value of type {type(value).__name__} in a project")


def from_record(data: Any, get_array: Callable[[str], np.ndarray] | None = None) -> Any:
    """Rebuild what ``to_record`` produced; RecordError on anything unexpected."""
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        return [from_record(v, get_array) for v in data]
    if not isinstance(data, dict):
        raise RecordError(f"unexpected {type(data).__name__} in a record")
    if "__type__" in data:
        cls = RECORD_TYPES.get(data["__type__"]) if isinstance(data["__type__"], str) else None
        fields = data.get("fields")
        if cls is None or not isinstance(fields, dict):
            raise RecordError(f"unknown result type {str(data['__type__'])[:60]!r}")
        known = {f.name for f in dataclasses.fields(cls)}
        current = getattr(cls, "RECORD_VERSION", None)
        if current is not None:
            version = data.get("__version__", 1)
            if not isinstance(version, int) or isinstance(version, bool) or version < 1:
                raise RecordError(f"a {cls.__name__} record has no valid version")
            if version > current:
                raise RecordError(f"a {cls.__name__} record was written by a newer version of the app")
            fields = cls.upgrade(dict(fields), version)
        try:
            record = cls(**{k: from_record(v, get_array) for k, v in fields.items() if k in known})
        except TypeError as err:
            raise RecordError(f"a {cls.__name__} record is incomplete ({err})") from None
        if current is None:  # a result (session records check and clean themselves: sanitize)
            _check_types(record)
        return record
    if "__array__" in data:
        try:
            dtype = np.dtype(str(data["dtype"]))
            if dtype.kind not in "biuf" or dtype.fields is not None or dtype.subdtype is not None:
                raise RecordError(f"a stored array has type {dtype}, not numbers")
            # from_record: non-finite values were written as {"__float__": "inf"} inside the list
            array = np.asarray(from_record(data["__array__"]), dtype=dtype)
            return array.reshape(data["shape"])
        except (TypeError, ValueError, OverflowError, KeyError) as err:
            raise RecordError(f"a stored array is malformed ({err})") from None
    if "__npy__" in data:
        if get_array is None:
            raise RecordError("a record refers to an array, but there is no array store")
        return get_array(data["__npy__"])
    if "__items__" in data:
        pairs = data["__items__"]
        if not isinstance(pairs, list) or not all(isinstance(p, list) and len(p) == 2 for p in pairs):
            raise RecordError("a stored table is malformed")
        try:
            return {_hashable(from_record(k, get_array)): from_record(v, get_array) for k, v in pairs}
        except TypeError as err:  # a key that cannot be one (a table, an array)
            raise RecordError(f"a stored table is malformed ({err})") from None
    if "__list__" in data or "__tuple__" in data:
        as_list = "__list__" in data
        items = data["__list__"] if as_list else data["__tuple__"]
        if not isinstance(items, list):
            raise RecordError("a stored list is malformed")
        if not as_list:
            return tuple(from_record(items, get_array))
        try:
            return np.array(from_record(items, get_array))
        except (ValueError, TypeError, OverflowError) as err:  # ragged, mixed
            raise RecordError(f"a stored list is malformed ({err})") from None
    if "__float__" in data:
        text = data["__float__"]
        if not isinstance(text, str) or len(text) > 40:
            raise RecordError("a stored number is malformed")
        try:
            return float(text)
        except ValueError:
            raise RecordError(f"a stored number is malformed ({text!r})") from None
    return {k: from_record(v, get_array) for k, v in data.items()}


def _hashable(key: Any) -> Any:
    return tuple(key) if isinstance(key, list) else key


# ------------------------------------------------------------------------- checking what was read

_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        try:
            _HINTS[cls] = typing.get_type_hints(cls)
        except Exception:  # noqa: BLE001 - an annotation that cannot be evaluated: not checked
            _HINTS[cls] = {}
    return _HINTS[cls]


def _conforms(value: Any, hint: Any) -> bool:
    """Whether ``value`` is of the type ``hint`` (the annotations the result types use)."""
    if hint is Any or hint is object:
        return True
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_conforms(value, arg) for arg in args)
    if hint is type(None):
        return value is None
    if hint is float:
        return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))
    if hint is int:
        return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))
    if hint is str:
        return isinstance(value, str)
    if hint is bool:
        return isinstance(value, (bool, np.bool_))
    if hint is np.ndarray:
        return isinstance(value, np.ndarray) and value.dtype.kind in "biuf"
    if origin in (list, collections.abc.Sequence):
        items = value.tolist() if isinstance(value, np.ndarray) and origin is not list else value
        return isinstance(items, (list, tuple)) and (not args or all(_conforms(v, args[0]) for v in items))
    if origin is tuple:
        if not isinstance(value, tuple):
            return False
        if len(args) == 2 and args[1] is Ellipsis:
            return all(_conforms(v, args[0]) for v in value)
        return len(value) == len(args) and all(_conforms(v, a) for v, a in zip(value, args))
    if origin in (dict, collections.abc.Mapping):
        return isinstance(value, dict) and (not args or all(
            _conforms(k, args[0]) and _conforms(v, args[1]) for k, v in value.items()))
    if isinstance(hint, type):
        return isinstance(value, hint)
    return True  # an annotation this check does not know: accepted


def _check_types(record: Any) -> None:
    for f in dataclasses.fields(record):
        hint = _hints(type(record)).get(f.name)
        if hint is not None and not _conforms(getattr(record, f.name), hint):
            raise RecordError(f"a {type(record).__name__} record has a {f.name} of the wrong type")
        value = getattr(record, f.name)
        if isinstance(value, np.ndarray) and value.ndim != 1:
            raise RecordError(f"a {type(record).__name__} record has a {value.ndim}-D {f.name}")


def _check_record(record: Any, n: int, dim: int) -> None:
    name = type(record).__name__
    indices = getattr(record, "indices", None)
    if isinstance(indices, np.ndarray):
        if indices.size and (indices.dtype.kind not in "iu" or indices.min() < 0 or indices.max() >= n):
            raise RecordError(f"a {name} record names items that are not in the project")
        scores = getattr(record, "scores", None)
        if isinstance(scores, np.ndarray) and len(scores) != len(indices):
            raise RecordError(f"a {name} record has {len(scores)} scores for {len(indices)} items")
        words = getattr(record, "words", None)
        if isinstance(words, list) and len(words) != len(indices):
            raise RecordError(f"a {name} record has {len(words)} words for {len(indices)} items")
    if name == "ClusterResult":
        labels = record.labels
        if len(labels) != n or labels.dtype.kind not in "iu" or (labels.size and labels.min() < -1):
            raise RecordError("a ClusterResult record does not label every item")
    if name == "Direction" and len(record.vector) != dim:
        raise RecordError(f"a Direction record has {len(record.vector)} dimensions, not {dim}")
    if name == "DirectionScores" and len(record.scores) != len(record.words):
        raise RecordError("a DirectionScores record has a score per word missing")
    excluded = getattr(record, "excluded", None)
    if isinstance(excluded, list) and any(not 0 <= i < n for i in excluded):
        raise RecordError(f"a {name} record names items that are not in the project")


def check_results(value: Any, n: int, dim: int) -> None:
    """RecordError unless every result record inside ``value`` (panel states, as read back) fits a
    project of ``n`` items in ``dim`` dimensions: item numbers in range, one label per item, one
    score per answer. Types were checked when the records were rebuilt."""
    stack, seen = [value], 0
    while stack:
        item = stack.pop()
        seen += 1
        if dataclasses.is_dataclass(item) and not isinstance(item, type):
            _check_record(item, n, dim)
            stack.extend(getattr(item, f.name) for f in dataclasses.fields(item))
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
