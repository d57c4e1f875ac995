"""Results as plain data: the analysis results a project keeps (neighbours, analogies, clusters,
WEAT reports...) turned into JSON-able records and back.

Data is never code: a record names its type, and only the result types listed in ``RECORD_TYPES``
can be rebuilt; anything else is refused. Arrays can go to a side store (``put_array`` /
``get_array``, for example .npy members of a project file) instead of bloating the JSON.
"""

from __future__ import annotations

import dataclasses
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
    ViewState,
)

RECORD_TYPES: dict[str, type] = {
    cls.__name__: cls
    for cls in (Neighbors, AnalogyResult, AnalogyEvaluation, SectionScore, WeatResult, Direction,
                DirectionScores, ClusterResult, ClusterLabel,
                ViewState, NeighborsSession, AnalogySession, ClustersSession, BiasSession,
                QualitySession)
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
        if put_array is not None and value.size >= INLINE_ARRAY_LIMIT:
            return {"__npy__": put_array(value)}
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
        cls = RECORD_TYPES.get(data["__type__"])
        fields = data.get("fields")
        if cls is None or not isinstance(fields, dict):
            raise RecordError(f"unknown result type {data['__type__']!r}")
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
            return cls(**{k: from_record(v, get_array) for k, v in fields.items() if k in known})
        except TypeError as err:
            raise RecordError(f"a {cls.__name__} record is incomplete ({err})") from err
    if "__array__" in data:
        try:
            array = np.asarray(data["__array__"], dtype=np.dtype(data["dtype"]))
            return array.reshape(data["shape"])
        except (TypeError, ValueError) as err:
            raise RecordError(f"a stored array is malformed ({err})") from err
    if "__npy__" in data:
        if get_array is None:
            raise RecordError("a record refers to an array, but there is no array store")
        return get_array(data["__npy__"])
    if "__list__" in data:
        return np.array(from_record(data["__list__"], get_array))
    if "__tuple__" in data:
        return tuple(from_record(data["__tuple__"], get_array))
    if "__items__" in data:
        return {_hashable(from_record(k, get_array)): from_record(v, get_array) for k, v in data["__items__"]}
    if "__float__" in data:
        return float(data["__float__"])
    return {k: from_record(v, get_array) for k, v in data.items()}


def _hashable(key: Any) -> Any:
    return tuple(key) if isinstance(key, list) else key
