"""Method parameters: a method's defaults with the caller's overrides, refused when unknown."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def with_defaults(kind: str, defaults: Mapping[str, Mapping[str, Any]], method: str,
                  overrides: Mapping[str, Any]) -> dict[str, Any]:
    """``defaults[method]`` updated with ``overrides``; ValueError naming what is valid otherwise.
    ``kind`` says what the methods are for ("projection", "clustering") in the message."""
    if method not in defaults:
        raise ValueError(f"unknown {kind} method {method!r}; choose one of {', '.join(defaults)}")
    unknown = set(overrides) - set(defaults[method])
    if unknown:
        raise ValueError(f"unknown parameter(s) for {method}: {', '.join(sorted(unknown))}; "
                         f"valid: {', '.join(defaults[method])}")
    return {**defaults[method], **overrides}
