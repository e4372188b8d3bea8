"""The caller's arguments, checked before any token is read: algorithm lists, decode options
and clocks.

A caller's mistake is an :class:`~jwtkit.errors.InvalidOptionError` raised up front, never a
token error found halfway through and never a raw ``TypeError``. The option names that
``decode``, ``Verifier`` and the PyJWT drop-in accept live here and nowhere else. Each value
is checked by type: a check is switched off only by the literal ``False`` (``None`` or ``0``
is a mistake, not a quiet "off"), and a clock must be a finite number.
"""

from __future__ import annotations

import math
import time
from collections.abc import Collection, Iterable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from .errors import InvalidOptionError, JWTKitError

__all__ = [
    "BOOLEAN_OPTIONS",
    "DEFAULT_OPTIONS",
    "check_algorithms",
    "check_bytes",
    "check_duration",
    "check_entries",
    "check_header_argument",
    "check_options",
    "check_size",
    "current_time",
    "timestamp",
]

#: The switches of ``decode``/``Verifier`` (PyJWT's names), each on unless turned off.
BOOLEAN_OPTIONS: tuple[str, ...] = (
    "verify_signature",
    "verify_exp",
    "verify_nbf",
    "verify_iat",
    "verify_aud",
    "verify_iss",
    "verify_sub",
    "verify_jti",
)

#: Every option with its default: the switches, ``require`` (claim names) and
#: ``strict_aud`` (the audience must be one string, equal to the one expected).
DEFAULT_OPTIONS: dict[str, Any] = {
    **dict.fromkeys(BOOLEAN_OPTIONS, True),
    "require": [],
    "strict_aud": False,
}


def check_algorithms(value: object, what: str = "algorithms") -> Collection[str]:
    """A non-empty list of algorithm names, or :class:`InvalidOptionError`.

    A lone string is refused rather than read as a list of characters (``"HS" in "HS256"``
    would match), and so are bytes and mappings.
    """
    # The usual argument, a short list or tuple of names, is checked without ABC lookups.
    if (type(value) is list or type(value) is tuple) and value:
        for name in value:
            if type(name) is not str:
                raise InvalidOptionError(f"{what} must hold algorithm names (strings)")
        return value
    if (
        value is None
        or isinstance(value, str | bytes | bytearray | Mapping)
        or not isinstance(value, Collection)
        or not value
    ):
        raise InvalidOptionError(
            f"{what} must be given as a non-empty list of names, e.g. {what}=['RS256']: "
            "the token's header must not choose on its own"
        )
    names = tuple(value)
    if not all(type(name) is str for name in names):
        raise InvalidOptionError(f"{what} must hold algorithm names (strings)")
    return frozenset(names)


def check_options(options: object) -> dict[str, Any]:
    """``options`` merged over the defaults, every value checked by its type."""
    if options is None:
        return DEFAULT_OPTIONS
    if not isinstance(options, Mapping):
        raise InvalidOptionError("options must be a mapping of option names to values")
    unknown = [name for name in options if name not in DEFAULT_OPTIONS]
    if unknown:
        shown = sorted(str(name)[:32] for name in unknown)
        raise InvalidOptionError(f"Unknown decode options: {shown}")
    for name in BOOLEAN_OPTIONS:
        if name in options and type(options[name]) is not bool:
            raise InvalidOptionError(
                f"The option {name!r} must be True or False; only False turns the check off"
            )
    if "strict_aud" in options and type(options["strict_aud"]) is not bool:
        raise InvalidOptionError("The option 'strict_aud' must be True or False")
    if "require" in options:
        check_claim_names(options["require"], "The option 'require'")
    return {**DEFAULT_OPTIONS, **options}


def check_claim_names(value: object, what: str) -> tuple[str, ...]:
    """A list of claim names (``required=``, ``options["require"]``)."""
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Collection):
        shown = type(value).__name__
        raise InvalidOptionError(f"{what} must be a list of claim names, not {shown}")
    if not all(type(name) is str for name in value):
        raise InvalidOptionError(f"{what} must hold claim names (strings)")
    return tuple(value)


def timestamp(value: object, what: str = "now") -> float:
    """Seconds since the epoch for a finite number or a datetime (naive datetimes are UTC).

    NaN would make every time comparison false, so that an expired token passes: refused.
    """
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.timestamp()
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidOptionError(f"{what} must be a number of seconds or a datetime")
    # Beyond 2**63 seconds an int is no date (and float() of 10**400 would overflow).
    seconds = float(value) if abs(value) < 2**63 else math.inf
    if not math.isfinite(seconds):
        raise InvalidOptionError(f"{what} must be a finite number of seconds")
    return seconds


def check_duration(
    value: object,
    name: str,
    error: type[JWTKitError] = InvalidOptionError,
    *,
    positive: bool = False,
) -> float:
    """A duration setting (timeout, lifetime, cooldown, rotation period) in seconds: a number
    or a timedelta, finite, not negative (``positive``: above zero).

    Every comparison with NaN is false, so a NaN timeout never fires, a NaN cooldown never
    cools, a NaN lifetime never ends and a NaN rotation period never rotates: refused, as are
    infinity, bools and strings (a raw ``TypeError`` from ``"5" <= 0`` is no answer either).
    """
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value) if abs(value) < 2**63 else math.inf
    else:
        raise error(f"{name} must be a number of seconds, not {type(value).__name__}")
    if not math.isfinite(seconds) or seconds < 0 or (positive and seconds == 0):
        wanted = "above zero" if positive else "not negative"
        raise error(f"{name} must be a finite number of seconds, {wanted}")
    return seconds


def check_size(value: object, name: str, error: type[JWTKitError] = InvalidOptionError) -> int:
    """A size limit in bytes: a positive integer (a NaN or infinite limit is no limit)."""
    if type(value) is not int or value <= 0:
        raise error(f"{name} must be a positive whole number of bytes")
    return value


def current_time(now: object) -> float:
    """The caller's ``now=`` (checked), or the wall clock."""
    return time.time() if now is None else timestamp(now)


def check_header_argument(value: object, name: str = "headers") -> dict[str, Any]:
    """A header the caller passes (``headers=``, ``protected=``, ...), as a new dict."""
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(type(member) is str for member in value):
        raise InvalidOptionError(f"{name} must be a mapping of header names (strings) to values")
    return dict(value)


def check_bytes(value: object, name: str) -> bytes:
    """A payload, plaintext or ``aad``: bytes (a bytearray or memoryview is copied)."""
    if type(value) is bytes:
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    raise InvalidOptionError(f"{name} must be bytes, not {type(value).__name__}")


def check_entries(entries: object, flatten: bool, what: str) -> list[Any]:
    """The signers or recipients of a JSON serialization: at least one, exactly one when
    flattened, each a tuple (or list) of values."""
    if not isinstance(entries, Iterable) or isinstance(entries, str | bytes | Mapping):
        raise InvalidOptionError(f"{what}s must be a list of tuples")
    listed = list(entries)
    if not listed:
        raise InvalidOptionError(f"At least one {what} is needed")
    if flatten and len(listed) != 1:
        raise InvalidOptionError(f"The flattened serialization has exactly one {what}")
    for entry in listed:
        if not isinstance(entry, tuple | list):
            raise InvalidOptionError(f"Each {what} is a tuple, not {type(entry).__name__}")
    return listed
