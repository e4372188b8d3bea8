"""Reading what the command line is given: files or stdin (``-``), keys, durations, headers.

Everything read here is checked before use; a problem with an input is a usage error (exit 2)
with a one-line message, never a traceback.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import sys
import tempfile
import time
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer

from .._codec import json_loads, json_loads_object
from ..errors import JWTKitError
from ..jwa import get_signature_algorithm
from ..jwk import Key, KeySet
from ._output import fail

__all__ = [
    "MAX_INPUT_SIZE",
    "Settings",
    "StdinGuard",
    "algorithm_names",
    "current_time",
    "load_key",
    "load_keys",
    "parse_duration",
    "parse_header_options",
    "parse_key",
    "parse_keys",
    "read_input",
    "read_json_object",
    "read_secret",
    "read_token",
    "shown",
    "write_output",
]

#: Largest file (or stdin) the command line reads: keys and tokens are far smaller.
MAX_INPUT_SIZE = 1024 * 1024

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(min|d|h|m|s)")
_UNIT_SECONDS = {"d": 86400.0, "h": 3600.0, "m": 60.0, "min": 60.0, "s": 1.0}


class StdinGuard:
    """Stdin can be read once per command: a second ``-`` is a usage error, not an empty read."""

    def __init__(self) -> None:
        self._used_by: str | None = None

    def claim(self, what: str) -> None:
        if self._used_by is not None:
            fail(
                f"stdin ('-') is already used for the {self._used_by}; it cannot also be the {what}"
            )
        self._used_by = what


def shown(source: str) -> str:
    """How a file argument is named in messages."""
    return "stdin" if source == "-" else repr(source)


def read_input(source: str, what: str, stdin: StdinGuard) -> bytes:
    """The bytes of file ``source``, or of stdin when ``source`` is ``-``."""
    if source == "-":
        stdin.claim(what)
        data = sys.stdin.buffer.read(MAX_INPUT_SIZE + 1)
    else:
        try:
            with open(source, "rb") as file:
                data = file.read(MAX_INPUT_SIZE + 1)
        except OSError as error:
            fail(f"cannot read the {what} file {source!r}: {error.strerror or error}")
    if len(data) > MAX_INPUT_SIZE:
        fail(f"the {what} is larger than {MAX_INPUT_SIZE} bytes")
    return data


def read_token(token: str, stdin: StdinGuard) -> str:
    """The token given as an argument, or read from stdin with ``-``; surrounding space and a
    ``Bearer`` prefix (as copied from an Authorization header) are dropped."""
    if token == "-":
        raw = read_input("-", "token", stdin)
        try:
            token = raw.decode("ascii")
        except UnicodeDecodeError:
            fail("the token on stdin is not ASCII text", exit_code=1)
    token = token.strip()
    if token[:7].lower() == "bearer ":
        token = token[7:].strip()
    if not token:
        fail("the token is empty")
    return token


def read_json_object(text: str, what: str, stdin: StdinGuard) -> dict[str, Any]:
    """A JSON object given inline or, with ``-``, on stdin (strict: no duplicate names)."""
    data: str | bytes = read_input("-", what, stdin) if text == "-" else text
    try:
        return json_loads_object(data, what)
    except JWTKitError as error:
        fail(str(error))


def algorithm_names(values: Iterable[str]) -> list[str]:
    """``--alg`` values (repeated or comma-separated), each checked to be a JWS algorithm."""
    names = [name.strip() for value in values for name in value.split(",") if name.strip()]
    for name in names:
        try:
            get_signature_algorithm(name)
        except JWTKitError as error:
            fail(f"--alg: {error}")
    return list(dict.fromkeys(names))


def parse_keys(data: bytes, source: str) -> Key | KeySet:
    """A key (PEM, DER, JWK) or a key set (JWKS) from the bytes of ``source``."""
    stripped = data.strip()
    try:
        if stripped.startswith(b"{"):
            document = json_loads_object(stripped, "key file")
            if "keys" in document:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    key_set = KeySet.from_dict(document)
                for warning in caught:
                    sys.stderr.write(f"jwtkit: warning: {warning.message}\n")
                return key_set
            return Key.import_key(document)
        return Key.import_key(data)
    except JWTKitError as error:
        fail(f"cannot use the key in {shown(source)}: {error}")


def parse_key(data: bytes, source: str) -> Key:
    """Exactly one key from the bytes of ``source`` (a JWKS is accepted if it holds one)."""
    loaded = parse_keys(data, source)
    if isinstance(loaded, KeySet):
        keys = list(loaded)
        if len(keys) != 1:
            fail(f"{shown(source)} is a JWKS with {len(keys)} keys; one key is needed here")
        return keys[0]
    return loaded


def load_keys(source: str, stdin: StdinGuard) -> Key | KeySet:
    """A key or a key set from a file, or from stdin with ``-``."""
    return parse_keys(read_input(source, "key", stdin), source)


def load_key(source: str, stdin: StdinGuard) -> Key:
    """Exactly one key from a file, or from stdin with ``-``."""
    return parse_key(read_input(source, "key", stdin), source)


def read_secret(secret: str | None, secret_file: str | None, stdin: StdinGuard) -> bytes | None:
    """An HMAC secret given inline (``--secret``) or in a file (``--secret-file``).

    One trailing newline is dropped from a file, as ``echo secret > file`` adds it.
    """
    if secret is not None and secret_file is not None:
        fail("give the HMAC secret once: --secret or --secret-file, not both")
    if secret is not None:
        return secret.encode("utf-8")
    if secret_file is not None:
        data = read_input(secret_file, "secret", stdin)
        if data.endswith(b"\r\n"):
            return data[:-2]
        return data[:-1] if data.endswith(b"\n") else data
    return None


def parse_duration(text: str, option: str) -> float:
    """``15m``, ``90s``, ``2h``, ``1d``, ``1h30m`` or plain seconds; a leading ``-`` goes back."""
    value = text.strip()
    sign = -1.0 if value.startswith("-") else 1.0
    if value[:1] in "+-":
        value = value[1:]
    if _NUMBER.fullmatch(value):
        return _bounded(sign * float(value), text, option)
    position = 0
    total = 0.0
    for match in _DURATION_PART.finditer(value):
        if match.start() != position:
            break
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        position = match.end()
    if not value or position != len(value):
        fail(f"{option}: {text!r} is not a duration (use e.g. 90s, 15m, 2h, 1d or 1h30m)")
    return _bounded(sign * total, text, option)


#: Longest duration accepted: about 31,700 years. Beyond it a "lifetime" is a typo, and
#: adding it to the clock would overflow (an infinite float has no integer).
MAX_DURATION = 10**12


def _bounded(seconds: float, text: str, option: str) -> float:
    if not math.isfinite(seconds) or abs(seconds) > MAX_DURATION:
        fail(f"{option}: {text[:32]!r} is longer than {MAX_DURATION} seconds")
    return seconds


def parse_header_options(values: Iterable[str]) -> dict[str, Any]:
    """``--header name=value`` pairs; a value that is JSON (``true``, ``3``, ``["a"]``) is
    taken as JSON, anything else as a string."""
    headers: dict[str, Any] = {}
    for item in values:
        name, separator, raw = item.partition("=")
        if not separator or not name:
            fail(f"--header: expected name=value, got {item!r}")
        try:
            headers[name] = json_loads(raw, "header value")
        except JWTKitError:
            headers[name] = raw
    return headers


@dataclass(frozen=True)
class Settings:
    """Options of the root command that sub-commands read from the context."""

    #: Injected "current time" (seconds since the epoch) for tests and reproducible output.
    now: float | None = None


def current_time(context: typer.Context) -> float:
    """The injected time (hidden ``--now`` / ``JWTKIT_NOW``), else the wall clock."""
    settings = context.find_root().obj
    if isinstance(settings, Settings) and settings.now is not None:
        return settings.now
    return time.time()


def write_output(path: str | None, data: bytes, *, private: bool, force: bool) -> None:
    """``data`` to stdout, or to ``path`` (mode 0600 when it holds private material)."""
    if path is None or path == "-":
        sys.stdout.write(data.decode("utf-8"))
        return
    _write_file(path, data, 0o600 if private else 0o666 & ~_umask(), force=force)


def _umask() -> int:
    current = os.umask(0o077)  # reading the umask means setting it: put it straight back
    os.umask(current)
    return current


def _write_file(path: str, data: bytes, mode: int, *, force: bool) -> None:
    """The one way the command line writes a file: ``path`` becomes a new file of ``mode``,
    whatever was there. Without ``force`` it is created exclusively (``O_EXCL`` follows no
    symlink, dangling or not); with ``force`` the data goes to a new file beside it that is
    then renamed over it, which replaces a symlink or hard link at ``path`` rather than
    writing through it into a file someone else chose."""
    if not force:
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        except FileExistsError:
            fail(f"{path!r} exists; pass --force to overwrite it")
        except OSError as error:
            fail(f"cannot write {path!r}: {error.strerror or error}")
        with os.fdopen(descriptor, "wb") as file:
            os.fchmod(file.fileno(), mode)  # the umask may have narrowed O_CREAT's mode
            file.write(data)
        return
    target = Path(path)
    try:
        descriptor, temporary = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
        )
    except OSError as error:
        fail(f"cannot write {path!r}: {error.strerror or error}")
    try:
        with os.fdopen(descriptor, "wb") as file:
            os.fchmod(file.fileno(), mode)
            file.write(data)
        os.replace(temporary, path)
    except OSError as error:
        fail(f"cannot write {path!r}: {error.strerror or error}")
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
