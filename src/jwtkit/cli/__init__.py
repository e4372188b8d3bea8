"""The ``jwtkit`` command line: decode, verify and encode tokens; generate and convert keys.

Typer and Rich are imported only when the command line runs, never by ``import jwtkit``.
"""

from __future__ import annotations

__all__ = ["main"]


def main() -> None:
    """Run the ``jwtkit`` command (the console script entry point)."""
    from .app import run

    run()
