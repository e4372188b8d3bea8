"""PyJWT's warning classes."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

__all__ = ["InsecureKeyLengthWarning", "RemovedInPyjwt3Warning", "warn_extra_kwargs"]


class RemovedInPyjwt3Warning(DeprecationWarning):
    """A PyJWT 2 feature that PyJWT 3 removes (extra keyword arguments to ``decode``)."""


class InsecureKeyLengthWarning(UserWarning):
    """A weak key was accepted for verification because the caller opted out of the
    minimum key length (``options={"enforce_minimum_key_length": False}``)."""


def warn_extra_kwargs(function: str, kwargs: Mapping[str, Any]) -> None:
    """PyJWT 2's deprecation warning for unknown keyword arguments to ``decode*``."""
    if kwargs:
        warnings.warn(
            f"passing additional kwargs to {function}() is deprecated and will be removed in "
            f"pyjwt version 3. Unsupported kwargs: {tuple(kwargs)}",
            RemovedInPyjwt3Warning,
            stacklevel=3,
        )
