"""The root ``jwtkit`` command: its sub-commands, global options and the one error handler.

Every failure ends here and becomes one line on stderr and an exit code: 0 the token is
valid (or the command did its job), 1 the token is invalid, 2 a usage or input problem.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from .. import __version__
from ..errors import InvalidTokenError, JWTKitError
from ._inputs import Settings
from ._output import EXIT_INVALID, EXIT_USAGE, CommandError, error_line
from .admin import admin_app
from .keys import keys_app
from .serve import serve
from .tokens import token_app

__all__ = ["app", "run"]


class _CommandLine(TyperGroup):
    """The root group; turns every error into one stderr line and an exit code."""

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        exit_code = _run_reporting_errors(
            lambda: super(_CommandLine, self).main(
                args=args,
                prog_name=prog_name or "jwtkit",
                complete_var=complete_var,
                standalone_mode=False,
                **extra,
            )
        )
        if standalone_mode:
            sys.exit(exit_code)
        return exit_code


def _run_reporting_errors(invoke: Any) -> int:
    try:
        result = invoke()
    except CommandError as error:
        return _report(error.message, error.exit_code)
    except InvalidTokenError as error:
        return _report(f"invalid token: {error}", EXIT_INVALID)
    except JWTKitError as error:
        return _report(str(error), EXIT_USAGE)
    except typer.TyperException as error:  # typer's public base of its usage errors
        if type(error).__name__ == "NoArgsIsHelpError":
            error.show()  # type: ignore[attr-defined]  # the help text itself
            return error.exit_code
        context = getattr(error, "ctx", None)
        hint = f" (see '{context.command_path} --help')" if context is not None else ""
        return _report(error.format_message() + hint, error.exit_code)
    except typer.Abort:
        return _report("aborted", EXIT_INVALID)
    return result if isinstance(result, int) else 0


def _report(message: str, exit_code: int) -> int:
    sys.stderr.write(error_line(message) + "\n")
    return exit_code


app = typer.Typer(
    cls=_CommandLine,
    name="jwtkit",
    help="JSON Web Tokens and keys from the command line.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(token_app, name="token")
app.add_typer(keys_app, name="keys")
app.add_typer(admin_app, name="admin")
app.command("serve")(serve)


def _show_version(value: bool) -> None:
    if value:
        sys.stdout.write(f"jwtkit {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def root(
    context: typer.Context,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_show_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
    now: Annotated[
        float | None,
        typer.Option(
            "--now",
            envvar="JWTKIT_NOW",
            hidden=True,
            help="Seconds since the epoch to use as the current time (for tests).",
        ),
    ] = None,
) -> None:
    """JSON Web Tokens and keys from the command line.

    Exit codes: 0 valid, 1 invalid token, 2 usage or input error.
    """
    if now is not None and not math.isfinite(now):
        # NaN would make every time check pass: an expired token would verify.
        raise typer.BadParameter("must be a finite number of seconds", param_hint="--now")
    context.obj = Settings(now=now)


def run() -> None:
    """Entry point of the console script."""
    app()
