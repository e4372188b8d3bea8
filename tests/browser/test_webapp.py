"""examples/webapp on its own, before anyone signs in: what its pages promise the browser."""

from __future__ import annotations

from typing import Any

from browser_stack import Stack


def test_a_visitor_is_offered_to_sign_in_and_holds_no_session(
    stack: Stack, page: Any, screenshot: Any
) -> None:
    answer = page.goto(stack.orders.url)
    assert answer.status == 200
    assert page.get_by_role("link", name="Sign in").is_visible()
    assert page.get_by_text("You are not signed in.").is_visible()
    headers = answer.headers
    assert headers["cache-control"] == "no-store"
    assert headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert page.context.cookies() == []  # no session until there is something to keep
    screenshot(page, "app-signed-out")
