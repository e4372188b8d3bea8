"""The CSRF check of the browser forms, attacked with what a browser never sends."""

from __future__ import annotations

import pytest

from .browser_flow import Flow, authorize, hidden_fields, public_client
from .conftest import Server

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("token", ["é" * 43, "\u202e" * 10, "x\x00"])
@pytest.mark.parametrize("path", ["/authorize/login", "/authorize/consent", "/logout"])
async def test_a_non_ascii_csrf_token_is_refused_not_a_server_error(
    server: Server, path: str, token: str
) -> None:
    # hmac.compare_digest raises TypeError for str holding non-ASCII: every form answered 500.
    app = await public_client(server)
    page = await authorize(server.client, Flow(app))
    fields = {**hidden_fields(page.text), "csrf_token": token, "decision": "allow"}
    response = await server.client.post(path, data=fields)
    assert response.status_code == 403, response.text
    assert "text/html" in response.headers["content-type"]
