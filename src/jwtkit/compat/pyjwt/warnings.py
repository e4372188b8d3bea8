"""PyJWT's warning classes."""

from __future__ import annotations

__all__ = ["InsecureKeyLengthWarning", "RemovedInPyjwt3Warning"]


class RemovedInPyjwt3Warning(DeprecationWarning):
    """A PyJWT 2 feature that PyJWT 3 removes (extra keyword arguments to ``decode``)."""


class InsecureKeyLengthWarning(UserWarning):
    """A weak key was accepted for verification because the caller opted out of the
    minimum key length (``options={"enforce_minimum_key_length": False}``)."""
