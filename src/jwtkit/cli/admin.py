"""``jwtkit admin``: users, clients, keys and the schema, on the server's own services.

Each command opens the same runtime the server does (same settings, same database, same
audit log), does one thing and closes it. Secrets are read from stdin or a hidden prompt,
never from argv; a client secret is printed once, when it is made.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from typing import Annotated, Any, TypeVar

import typer
from rich.table import Table

from ._output import console, fail, note
from ._server_settings import DatabaseOption, load_settings

__all__ = ["admin_app"]

T = TypeVar("T")

admin_app = typer.Typer(
    help="Administer a jwtkit server's users, clients, keys and database.",
    no_args_is_help=True,
)
users_app = typer.Typer(
    help="Create, list, disable, enable and delete users.", no_args_is_help=True
)
clients_app = typer.Typer(
    help="Register, list, rotate and delete OAuth clients.", no_args_is_help=True
)
keys_app = typer.Typer(help="List and rotate the signing keys.", no_args_is_help=True)
db_app = typer.Typer(
    help="Apply and inspect the database migrations; purge expired rows.", no_args_is_help=True
)
admin_app.add_typer(users_app, name="users")
admin_app.add_typer(clients_app, name="clients")
admin_app.add_typer(keys_app, name="keys")
admin_app.add_typer(db_app, name="db")

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON (for scripts).")]
ACTOR = "cli"


def _run(database_url: str | None, action: Callable[[Any], Awaitable[T]]) -> T:
    """Open the server's runtime, run ``action`` on it, and turn its errors into one line."""
    settings = load_settings(database_url=database_url)
    from ..server.errors import ServerError
    from ..server.runtime import open_runtime

    async def main() -> T:
        async with open_runtime(settings, short_lived=True) as runtime:
            return await action(runtime)

    try:
        return asyncio.run(main())
    except ServerError as error:
        fail(error.description)
    except (TimeoutError, asyncio.TimeoutError):  # before OSError, of which it is one
        fail(
            f"the database did not answer within JWTKIT_DATABASE_TIMEOUT "
            f"({settings.database_timeout:g} s); a change this large may need a longer one "
            "for this command (JWTKIT_DATABASE_TIMEOUT=60 jwtkit admin ...)"
        )
    except OSError as error:
        fail(f"cannot reach the database: {error.strerror or error or type(error).__name__}")


def _read_secret(from_stdin: bool, what: str) -> str:
    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            fail(f"no {what} on stdin")
        return line
    if not sys.stdin.isatty():
        fail(f"no terminal to ask for the {what}: use --password-stdin")
    typed: str = typer.prompt(what.capitalize(), hide_input=True, confirmation_prompt=True)
    return typed


def _when(epoch: float | None) -> str:
    if epoch is None:
        return ""
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")


def _print(rows: list[dict[str, Any]], columns: list[str], as_json: bool) -> None:
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    table = Table(*columns, show_lines=False)
    for row in rows:
        cells = []
        for column in columns:
            value = row.get(column)
            if column.endswith("_at"):
                value = _when(value)
            elif isinstance(value, list):
                value = " ".join(value)
            cells.append("" if value is None else str(value))
        table.add_row(*cells)  # Rich renders cells as text: no markup or escapes get through
    console().print(table)


# -- users ------------------------------------------------------------------------------------

USER_COLUMNS = ["id", "username", "email", "scopes", "admin", "disabled", "created_at"]


@users_app.command("create")
def users_create(
    username: Annotated[str, typer.Argument(help="The new user's name (or email address).")],
    admin: Annotated[bool, typer.Option("--admin", help="May use the admin API.")] = False,
    scope: Annotated[
        list[str] | None, typer.Option("--scope", help="A scope the user may get.")
    ] = None,
    email: Annotated[str | None, typer.Option(help="The user's email address.")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
    database_url: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create a user (asks for the password, or reads it with --password-stdin)."""
    password = _read_secret(password_stdin, "password")
    from ..server.services.views import user_view

    async def create(runtime: Any) -> dict[str, Any]:
        named_email = email if email is not None else (username if "@" in username else None)
        user = await runtime.users.create(
            username=None if "@" in username else username,
            email=named_email,
            password=password,
            scopes=scope or [],
            admin=admin,
            actor=ACTOR,
        )
        return user_view(user)

    view = _run(database_url, create)
    _print([view], USER_COLUMNS, as_json)


@users_app.command("list")
def users_list(database_url: DatabaseOption = None, as_json: JsonOption = False) -> None:
    """List users."""
    from ..server.services.views import user_view

    async def listing(runtime: Any) -> list[dict[str, Any]]:
        return [user_view(user) for user in await runtime.users.list(limit=100_000)]

    _print(_run(database_url, listing), USER_COLUMNS, as_json)


def _user_change(name: str, disabled: bool) -> None:
    @users_app.command(name)
    def change(
        user: Annotated[str, typer.Argument(help="Username, email or id.")],
        database_url: DatabaseOption = None,
    ) -> None:
        async def act(runtime: Any) -> None:
            await runtime.users.set_disabled(user, disabled, actor=ACTOR)

        _run(database_url, act)
        note(f"{name}d {user}" + (": every session and access token ended" if disabled else ""))

    change.__doc__ = (
        "Disable a user: their tokens stop working at once." if disabled else "Enable a user."
    )


_user_change("disable", True)
_user_change("enable", False)


@users_app.command("delete")
def users_delete(
    user: Annotated[str, typer.Argument(help="Username, email or id.")],
    database_url: DatabaseOption = None,
) -> None:
    """Delete a user and end their tokens."""

    async def act(runtime: Any) -> None:
        await runtime.users.delete(user, actor=ACTOR)

    _run(database_url, act)
    note(f"deleted {user}")


@users_app.command("set-password")
def users_set_password(
    user: Annotated[str, typer.Argument(help="Username, email or id.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
    database_url: DatabaseOption = None,
) -> None:
    """Set a user's password; every session of theirs ends."""
    password = _read_secret(password_stdin, "new password")

    async def act(runtime: Any) -> None:
        await runtime.users.set_password(user, password, actor=ACTOR)

    _run(database_url, act)
    note(f"password set for {user}; their sessions ended")


# -- clients ----------------------------------------------------------------------------------

CLIENT_COLUMNS = [
    "client_id",
    "name",
    "public",
    "grant_types",
    "scopes",
    "audiences",
    "redirect_uris",
]


@clients_app.command("create")
def clients_create(
    name: Annotated[str, typer.Argument(help="A name to recognise the client by.")],
    grant_type: Annotated[
        list[str],
        typer.Option(
            "--grant-type",
            help="authorization_code, client_credentials, password or refresh_token (repeat).",
        ),
    ],
    scope: Annotated[
        list[str] | None, typer.Option("--scope", help="A scope it may ask for (repeat).")
    ] = None,
    redirect_uri: Annotated[
        list[str] | None, typer.Option("--redirect-uri", help="An exact redirect URI (repeat).")
    ] = None,
    audience: Annotated[
        list[str] | None,
        typer.Option(
            "--audience", help="An audience its tokens may carry; the first is the default."
        ),
    ] = None,
    public: Annotated[
        bool, typer.Option("--public", help="A public client (no secret: SPAs, mobile apps).")
    ] = False,
    first_party: Annotated[
        bool,
        typer.Option(
            "--first-party", help="Your own app: its users sign in without a consent page."
        ),
    ] = False,
    database_url: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Register a client; prints its client_id and, this once, its secret."""
    from ..server.services.views import client_view

    async def create(runtime: Any) -> dict[str, Any]:
        client, secret = await runtime.clients.create(
            name,
            grant_types=grant_type,
            scopes=scope or [],
            audiences=audience or [],
            redirect_uris=redirect_uri or [],
            public=public,
            first_party=first_party,
            actor=ACTOR,
        )
        view = client_view(client)
        if secret is not None:
            view["client_secret"] = secret
        return view

    view = _run(database_url, create)
    if as_json:
        print(json.dumps(view, indent=2))
        return
    _print([view], CLIENT_COLUMNS, False)
    if "client_secret" in view:
        console().print(f"client_secret: {view['client_secret']}", markup=False, highlight=False)
        note("the secret is shown only now; store it safely")


@clients_app.command("list")
def clients_list(database_url: DatabaseOption = None, as_json: JsonOption = False) -> None:
    """List clients (never their secrets)."""
    from ..server.services.views import client_view

    async def listing(runtime: Any) -> list[dict[str, Any]]:
        return [client_view(client) for client in await runtime.clients.list()]

    _print(_run(database_url, listing), CLIENT_COLUMNS, as_json)


@clients_app.command("rotate-secret")
def clients_rotate_secret(
    client_id: Annotated[str, typer.Argument()],
    database_url: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Give a confidential client a new secret; the old one stops working at once."""

    async def act(runtime: Any) -> str:
        secret: str = await runtime.clients.rotate_secret(client_id, actor=ACTOR)
        return secret

    secret = _run(database_url, act)
    if as_json:
        print(json.dumps({"client_id": client_id, "client_secret": secret}))
    else:
        console().print(f"client_secret: {secret}", markup=False, highlight=False)


@clients_app.command("delete")
def clients_delete(
    client_id: Annotated[str, typer.Argument()], database_url: DatabaseOption = None
) -> None:
    """Delete a client and end every token issued to it."""

    async def act(runtime: Any) -> None:
        await runtime.clients.delete(client_id, actor=ACTOR)

    _run(database_url, act)
    note(f"deleted client {client_id}")


# -- keys -------------------------------------------------------------------------------------

KEY_COLUMNS = ["kid", "alg", "state", "created_at", "activated_at", "retired_at", "remove_after"]


@keys_app.command("list")
def keys_list(database_url: DatabaseOption = None, as_json: JsonOption = False) -> None:
    """List the signing keys: next, current and retired."""
    from ..server.services.views import key_view

    async def listing(runtime: Any) -> list[dict[str, Any]]:
        return [key_view(record) for record in await runtime.keys.records()]

    _print(_run(database_url, listing), KEY_COLUMNS, as_json)


@keys_app.command("rotate")
def keys_rotate(database_url: DatabaseOption = None, as_json: JsonOption = False) -> None:
    """Rotate now: the next key signs; the old one stays published until its tokens expire."""
    from ..server.services.views import key_view

    async def act(runtime: Any) -> list[dict[str, Any]]:
        await runtime.keys.rotate(actor=ACTOR)
        return [key_view(record) for record in await runtime.keys.records()]

    _print(_run(database_url, act), KEY_COLUMNS, as_json)


# -- database ---------------------------------------------------------------------------------


def _database(database_url: str | None, action: Callable[[Any], Awaitable[T]]) -> T:
    settings = load_settings(database_url=database_url)
    from ..server.db import Database

    async def main() -> T:
        database = Database(settings.database_url)
        try:
            return await action(database)
        finally:
            await database.close()

    try:
        return asyncio.run(main())
    except OSError as error:
        fail(f"cannot reach the database: {error.strerror or error or type(error).__name__}")


@db_app.command("upgrade")
def db_upgrade(database_url: DatabaseOption = None) -> None:
    """Apply every migration the database has not had yet."""
    from ..server.db.migrate import upgrade

    before, after = _database(database_url, upgrade)
    note(f"database at {after}" + ("" if before == after else f" (was {before or 'empty'})"))


@db_app.command("current")
def db_current(database_url: DatabaseOption = None) -> None:
    """Print the database's schema revision and the newest one this jwtkit ships."""
    from ..server.db.migrate import current_revision, head_revision

    current = _database(database_url, current_revision)
    print(f"current: {current or 'none (empty database)'}")
    print(f"head:    {head_revision()}")


@db_app.command("purge")
def db_purge(database_url: DatabaseOption = None, as_json: JsonOption = False) -> None:
    """Delete expired access and refresh tokens, ended sessions, old codes (and, with
    JWTKIT_AUDIT_RETENTION, old audit events) now; the server does it every
    JWTKIT_PURGE_INTERVAL seconds by itself."""

    async def act(runtime: Any) -> dict[str, Any]:
        purged: dict[str, Any] = (await runtime.purge.run(actor=ACTOR)).as_dict()
        return purged

    purged = _run(database_url, act)
    if as_json:
        print(json.dumps(purged, indent=2))
    else:
        note(
            "deleted "
            + ", ".join(
                f"{count} {kind.replace('_', ' ')}"
                for kind, count in purged.items()
                if kind != "incomplete"
            )
        )
    if purged["incomplete"]:
        fail(
            "not finished (the database is down or too slow): "
            + ", ".join(purged["incomplete"])
            + "; run it again"
        )
