"""docs/keys.md is runnable: its Python blocks run in order, in one namespace, and every
``print(...)  # expected`` line prints what its comment says."""

from __future__ import annotations

from collections.abc import Callable


def test_keys_doc_examples_run_and_print_what_they_say(
    run_doc_blocks: Callable[..., object],
) -> None:
    run_doc_blocks("docs/keys.md", minimum=8)
