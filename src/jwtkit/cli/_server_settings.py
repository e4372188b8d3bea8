"""The server's settings as the command line sees them: flags over ``JWTKIT_*`` variables.

``jwtkit serve`` and ``jwtkit admin`` take the same flags for where the data is, so an admin
command always acts on the database the server uses. A bad value is one line naming the
setting (its variable and its flag) and what is wrong, never a pydantic dump that could echo
a secret back.
"""

from __future__ import annotations

import os
from typing import Annotated, Any

import typer

from ._output import fail

__all__ = ["DatabaseOption", "MasterKeyNote", "apply_to_environment", "load_settings"]

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="sqlite:///path or postgresql://user@host/db [env: JWTKIT_DATABASE_URL]",
        show_default=False,
    ),
]
MasterKeyNote = "The master key comes from JWTKIT_MASTER_KEY (never a flag: argv is visible in ps)."


def _overrides(values: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None}


def load_settings(**flags: Any) -> Any:
    """The server's Settings from the environment, with the given flags on top."""
    try:
        from pydantic import ValidationError

        from ..server.settings import Settings
    except ImportError:  # pragma: no cover - the server extra is missing
        fail("the server needs the 'server' extra: pip install 'jwtkit[server]'")
    try:
        return Settings(**_overrides(flags))
    except ValidationError as error:
        problems = []
        for problem in error.errors():
            name = str(problem["loc"][0]) if problem["loc"] else ""
            where = f"JWTKIT_{name.upper()}" if name else "settings"
            if name in flags:  # name the flag only where this command has one
                where += f" (--{name.replace('_', '-')})"
            message = str(problem["msg"]).removeprefix("Value error, ")
            problems.append(f"{where}: {message}")
        fail("invalid setting: " + "; ".join(problems))


def apply_to_environment(**flags: Any) -> None:
    """Hand the flags to server processes (uvicorn's workers read the environment)."""
    for name, value in _overrides(flags).items():
        os.environ[f"JWTKIT_{name.upper()}"] = str(value)
