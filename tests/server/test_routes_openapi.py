"""The OpenAPI document describes every error the server sends (routes/openapi.py): the
statuses each router can answer, one error body, and 400 where FastAPI would say 422."""

from __future__ import annotations

import base64

import pytest

from .conftest import Server

pytestmark = pytest.mark.anyio


async def test_every_operation_documents_its_errors_and_never_422(sqlite_server: Server) -> None:
    document = (await sqlite_server.client.get("/openapi.json")).json()
    assert "HTTPValidationError" not in document["components"]["schemas"]
    error = {"$ref": "#/components/schemas/ErrorBody"}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert "422" not in responses, (method, path)
            for status, response in responses.items():
                if int(status) >= 400 and path != "/readyz":  # readiness answers its own body
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == error, (method, path, status)
    token = document["paths"]["/auth/token"]["post"]["responses"]
    assert {"400", "401", "429", "503"} <= set(token)
    admin = document["paths"]["/admin/users/{identifier}"]["get"]["responses"]
    assert {"401", "403", "404", "503"} <= set(admin)


async def test_a_body_that_does_not_validate_is_the_documented_400(sqlite_server: Server) -> None:
    response = await sqlite_server.client.post("/auth/register", json={"username": 7})
    assert response.status_code == 400
    assert set(response.json()) == {"error", "error_description"}


async def test_the_docs_authorize_button_logs_in_with_the_password_flow(server: Server) -> None:
    """/docs (Swagger UI) reads its "Authorize" dialog from the document's security scheme:
    the OAuth2 password flow against /auth/token. What Swagger UI then sends, by default
    (client credentials in an ``Authorization: Basic`` header, empty for the first-party
    client, and an empty ``scope`` when no box is ticked) gets a token that /auth/userinfo
    takes."""
    page = await server.client.get("/docs")
    assert page.status_code == 200 and "/openapi.json" in page.text
    assert "initOAuth" in page.text and "oauth2-redirect" in page.text
    document = (await server.client.get("/openapi.json")).json()
    schemes = document["components"]["securitySchemes"]
    [(name, scheme)] = [(n, s) for n, s in schemes.items() if s["type"] == "oauth2"]
    assert scheme["flows"]["password"]["tokenUrl"] == "/auth/token"
    assert "admin" in scheme["flows"]["password"]["scopes"]
    for path, method in (
        ("/auth/userinfo", "get"),
        ("/auth/logout", "post"),
        ("/admin/users", "get"),
    ):
        assert {name: []} in document["paths"][path][method]["security"], path

    await server.register("alice", "correct horse battery")
    await server.create_admin("root")
    empty_client = base64.b64encode(b":").decode()
    for username, scope, extra in (
        ("alice", "", {"Authorization": f"Basic {empty_client}"}),  # Swagger UI's default
        ("alice", "", {}),  # "Client credentials location: Request body", none typed
        ("root", "admin", {"Authorization": f"Basic {empty_client}"}),  # the admin box ticked
    ):
        form = {
            "grant_type": "password",
            "scope": scope,
            "username": username,
            "password": server.passwords[username],
        }
        token = await server.client.post(
            scheme["flows"]["password"]["tokenUrl"], data=form, headers=extra
        )
        assert token.status_code == 200, token.text
        assert token.json()["token_type"] == "Bearer"
        access = {"Authorization": f"Bearer {token.json()['access_token']}"}
        me = await server.client.get("/auth/userinfo", headers=access)
        assert me.status_code == 200 and me.json()["sub"]
        admin = await server.client.get("/admin/users", headers=access)
        assert admin.status_code == (200 if scope == "admin" else 403)
