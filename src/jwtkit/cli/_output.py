"""What the command line prints: exit codes, one-line errors, JSON and human-readable views.

Machine-readable output (``--json``) is plain JSON on stdout. Human output goes through Rich,
which renders claims as JSON text, so a hostile claim value cannot smuggle Rich markup onto
the screen. Every line that reaches a terminal passes :func:`terminal_safe`, which escapes
what a terminal would act on or reorder: C0 and C1 controls, DEL, bidirectional overrides
and other format characters (a token is hostile data; so is a ``kid``). Errors are one line
on stderr.
"""

from __future__ import annotations

import json
import math
import sys
import unicodedata
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any, NoReturn

from rich.console import Console
from rich.highlighter import JSONHighlighter
from rich.markup import escape
from rich.text import Text

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
    "terminal_safe",
    "warn",
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


# Unicode categories a terminal acts on rather than shows: controls (C0, DEL, C1), format
# characters (bidi overrides, zero-width joiners), line and paragraph separators, surrogates.
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


def _escaped(char: str) -> str:
    code = ord(char)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000  # JSON spells an astral character as a surrogate pair
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def terminal_safe(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with every character a terminal would act on written as a JSON escape
    (``\\u001b``), so it shows what the data holds and cannot move the cursor, recolour the
    screen or reorder a line. Inside JSON text the escapes keep it valid JSON."""
    if text.isascii() and text.isprintable():
        return text
    return "".join(
        char
        if (keep_newlines and char == "\n") or unicodedata.category(char) not in _UNSAFE_CATEGORIES
        else _escaped(char)
        for char in text
    )


def error_line(message: str) -> str:
    """The one stderr line for an error: newlines folded so the message stays one line."""
    return "jwtkit: error: " + terminal_safe(" ".join(str(message).split()))


def warn(message: str) -> None:
    """A warning line on stderr (``jwtkit: warning: ...``)."""
    sys.stderr.write("jwtkit: warning: " + terminal_safe(message) + "\n")


def console(stderr: bool = False) -> Console:
    # Created per use so that output goes to the sys.stdout of the moment (tests swap it);
    # soft wrapping keeps long tokens and key values on one line.
    return Console(soft_wrap=True, highlight=False, stderr=stderr)


def note(message: str) -> None:
    """An informational line on stderr, so stdout stays pipeable."""
    sys.stderr.write(terminal_safe(message) + "\n")


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


def _json_text(value: Any) -> str:
    text = json.dumps(_finite(value), indent=2, ensure_ascii=False, allow_nan=False)
    return terminal_safe(text, keep_newlines=True)  # json.dumps escapes newlines in strings


def print_json(value: Any) -> None:
    """Write ``value`` as indented JSON on stdout."""
    sys.stdout.write(_json_text(value) + "\n")


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
    shown = escape(terminal_safe(status))
    if verified:
        out.print(f"[bold green]VERIFIED[/]: {shown}")
    else:
        out.print(f"[bold red]UNVERIFIED[/]: {shown}")
    highlight = JSONHighlighter()
    out.print("[bold]Header[/]")
    out.print(highlight(Text(_json_text(dict(header)))))
    out.print("[bold]Claims[/]")
    out.print(highlight(Text(_json_text(dict(claims)))))
    times = describe_times(claims, now)
    if times:
        out.print("[bold]Times[/]")
        for claim, described in times.items():
            out.print(
                f"{claim:<4} {described['date'] or '-':<24}  {described['relative']}", markup=False
            )
