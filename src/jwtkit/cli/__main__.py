"""``python -m jwtkit.cli``: the same as the ``jwtkit`` console script."""

from __future__ import annotations

from . import main

main()
