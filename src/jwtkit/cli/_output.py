"""What the command line prints: exit codes, one-line errors, JSON and human-readable views.

Machine-readable output (``--json``) is plain JSON on stdout. Human output goes through Rich,
which renders claims as JSON text, so a hostile claim value cannot smuggle terminal control
sequences or Rich markup onto the screen. Errors are one line on stderr.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any, NoReturn

from rich.console import Console
from rich.json import JSON
from rich.markup import escape

__all__ = [
    "EXIT_INVALID",
    "EXIT_USAGE",
    "EXIT_VALID",
    "CommandError",
    "console",
    "describe_times",
    "fail",
    "note",
    "print_json",
    "print_token_view",
    "relative_phrase",
]

#: The token (or signature) checked out.
EXIT_VALID = 0
#: The token was examined and is not acceptable: bad signature, expired, wrong audience...
EXIT_INVALID = 1
#: The check could not be made: bad options, unreadable file, malformed key or claims.
EXIT_USAGE = 2

#: NumericDate claims shown as human dates, in the order shown.
TIME_CLAIMS = ("iat", "nbf", "exp")


class CommandError(Exception):
    """A failure to report as one line on stderr with a given exit code."""

    def __init__(self, message: str, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


def fail(message: str, exit_code: int = EXIT_USAGE) -> NoReturn:
    raise CommandError(message, exit_code)


def error_line(message: str) -> str:
    """The one stderr line for an error: newlines folded so the message stays one line."""
    return "jwtkit: error: " + " ".join(str(message).split())


def console(stderr: bool = False) -> Console:
    # Created per use so that output goes to the sys.stdout of the moment (tests swap it);
    # soft wrapping keeps long tokens and key values on one line.
    return Console(soft_wrap=True, highlight=False, stderr=stderr)


def note(message: str) -> None:
    """An informational line on stderr, so stdout stays pipeable."""
    sys.stderr.write(message + "\n")


def _finite(value: Any) -> Any:
    """``value`` with non-finite floats as strings: an unverified token may carry 1e400,
    which parses as infinity, and the output must stay valid JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {name: _finite(member) for name, member in value.items()}
    if isinstance(value, list):
        return [_finite(item) for item in value]
    return value


def print_json(value: Any) -> None:
    """Write ``value`` as indented JSON on stdout."""
    text = json.dumps(_finite(value), indent=2, ensure_ascii=False, allow_nan=False)
    sys.stdout.write(text + "\n")


def _nearest(value: float) -> int:
    return math.floor(value + 0.5)  # round half up: 4.5 min reads "5 min"


def _duration(seconds: float) -> str:
    """A span rounded to the nearest whole unit people use: s, min, h or d."""
    seconds = abs(seconds)
    if seconds < 59.5:
        return f"{int(seconds)} s"
    for unit, size, next_size in (("min", 60, 3600), ("h", 3600, 86400)):
        if _nearest(seconds / size) * size < next_size:
            return f"{_nearest(seconds / size)} {unit}"
    return f"{_nearest(seconds / 86400)} d"


def relative_phrase(claim: str, value: float, now: float) -> str:
    """How a NumericDate claim relates to ``now``: "expires in 4 min", "expired 2 h ago"..."""
    delta = value - now
    span = _duration(delta)
    if claim == "exp":
        return f"expires in {span}" if delta > 0 else f"expired {span} ago"
    if claim == "nbf":
        return f"not valid for another {span}" if delta > 0 else f"valid since {span} ago"
    return f"issued {span} in the future" if delta > 0 else f"issued {span} ago"


def _human_date(value: float) -> str:
    return datetime.fromtimestamp(value, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def describe_times(claims: Mapping[str, Any], now: float) -> dict[str, dict[str, Any]]:
    """For each of ``iat``/``nbf``/``exp`` present: its date and its relation to ``now``.

    Unverified tokens can carry anything here, so a value that is not a usable number is
    described as such instead of failing.
    """
    times: dict[str, dict[str, Any]] = {}
    for claim in TIME_CLAIMS:
        if claim not in claims:
            continue
        value = claims[claim]
        if type(value) not in (int, float) or value != value:
            times[claim] = {"value": value, "date": None, "relative": "not a number"}
            continue
        try:
            date = _human_date(value)
        except (OverflowError, OSError, ValueError):
            times[claim] = {"value": value, "date": None, "relative": "out of range"}
            continue
        times[claim] = {
            "value": value,
            "date": date,
            "relative": relative_phrase(claim, value, now),
        }
    return times


def print_token_view(
    header: Mapping[str, Any],
    claims: Mapping[str, Any],
    now: float,
    *,
    verified: bool,
    status: str,
) -> None:
    """Header and claims, pretty-printed, with the time claims as human dates."""
    out = console()
    if verified:
        out.print(f"[bold green]VERIFIED[/]: {escape(status)}")
    else:
        out.print(f"[bold red]UNVERIFIED[/]: {escape(status)}")
    out.print("[bold]Header[/]")
    out.print(JSON.from_data(dict(header), indent=2))
    out.print("[bold]Claims[/]")
    out.print(JSON.from_data(dict(claims), indent=2))
    times = describe_times(claims, now)
    if times:
        out.print("[bold]Times[/]")
        for claim, described in times.items():
            out.print(
                f"{claim:<4} {described['date'] or '-':<24}  {described['relative']}", markup=False
            )
