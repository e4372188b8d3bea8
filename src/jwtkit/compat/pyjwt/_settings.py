"""Process-wide settings of the PyJWT drop-in: :func:`configure` and the defaults it sets.

A team moving from PyJWT may have a six-byte HMAC secret or a 1024-bit RSA key in
production. The drop-in refuses weak keys by default; ``configure(enforce_minimum_key_length=
False)`` relaxes that for the whole process (signing and verifying, with PyJWT's
``InsecureKeyLengthWarning``), so the team can migrate first and rotate the key second. The
same option exists per call (``decode(..., options=...)``) and per ``PyJWT``/``PyJWS``
instance, as in PyJWT.
"""

from __future__ import annotations

from typing import Any

from ...errors import InvalidOptionError

__all__ = ["configure", "enforce_minimum_key_length", "is_relaxed"]

_defaults: dict[str, bool] = {"enforce_minimum_key_length": True}


def enforce_minimum_key_length() -> bool:
    """The process-wide default of ``enforce_minimum_key_length`` (True unless configured)."""
    return _defaults["enforce_minimum_key_length"]


def is_relaxed(options: Any) -> bool:
    """Whether ``options`` switch the minimum key length off: only the literal ``False``
    does (None, 0 or "" are not a way to weaken a check by accident)."""
    return options.get("enforce_minimum_key_length", True) is False


def configure(*, enforce_minimum_key_length: bool = True) -> None:
    """Set the drop-in's process-wide defaults.

    ``enforce_minimum_key_length=False`` lets ``encode`` and ``decode`` use an HMAC secret
    shorter than the hash or an RSA key under 2048 bits, with ``InsecureKeyLengthWarning``
    (PyJWT's behaviour). It applies to the module functions (``jwt.encode``, ``jwt.decode``,
    ...) at once and to every ``PyJWT``/``PyJWS`` created afterwards; options given per call
    or per instance still win. Call it once at start-up, then rotate the key.
    """
    if type(enforce_minimum_key_length) is not bool:
        raise InvalidOptionError("enforce_minimum_key_length must be True or False")
    _defaults["enforce_minimum_key_length"] = enforce_minimum_key_length
    # The module functions are bound to objects made at import: give them the new default.
    from .api_jws import _jws_global_obj
    from .api_jwt import _jwt_global_obj

    _jws_global_obj.options["enforce_minimum_key_length"] = enforce_minimum_key_length
    _jwt_global_obj.options["enforce_minimum_key_length"] = enforce_minimum_key_length
