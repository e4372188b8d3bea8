"""The server's one settings model: ``JWTKIT_*`` environment variables, overridden by flags.

Everything the server and ``jwtkit admin`` read about their deployment comes from here, so
the two always agree on the database, the master key and the token policy. A bad value is
refused at start with the setting's name and what is wrong with it, never later mid-request.
docs/server.md lists every field.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import parse_qsl, urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

__all__ = ["Settings", "async_database_url", "redis_url_problem"]

SigningAlgorithm = Literal["ES256", "ES384", "RS256", "PS256", "EdDSA"]
DAY = 86400


class Settings(BaseSettings):
    """Configuration of ``jwtkit serve`` and ``jwtkit admin`` (env prefix ``JWTKIT_``)."""

    model_config = SettingsConfigDict(
        env_prefix="JWTKIT_", extra="forbid", validate_default=True, frozen=True
    )

    # -- where it runs ---------------------------------------------------------------------
    host: str = Field("127.0.0.1", description="Address to listen on.")
    port: int = Field(8000, ge=0, le=65535, description="Port to listen on (0: any free port).")
    issuer: str | None = Field(
        None, description="The `iss` of every token; default `http://HOST:PORT`."
    )
    database_url: str = Field(
        "sqlite:///./jwtkit.db",
        description="`sqlite:///path` or `postgresql://user@host/db`; the async driver is "
        "chosen for you.",
    )
    master_key: SecretStr | None = Field(
        None,
        description="Encrypts the signing keys at rest; any `secrets.token_urlsafe(32)` value. "
        "Unset on SQLite: generated into a file beside the database. Required on PostgreSQL.",
    )
    redis_url: str | None = Field(
        None, description="Redis for rate limits and the access-token denylist (many replicas)."
    )
    redis_prefix: str = Field("jwtkit:", description="Prefix of every Redis key the server writes.")
    redis_timeout: float = Field(
        1.0,
        gt=0,
        le=30,
        description="Seconds to wait for Redis before counting it as down (rate limits then "
        "count in each process, the database answers revocation checks, until it answers a "
        "ping again).",
    )
    database_timeout: float = Field(
        5.0,
        gt=0,
        le=300,
        description="Seconds to wait for PostgreSQL to connect or answer a query, or for a "
        "pooled connection, before the request gets 503 temporarily_unavailable (migrations "
        "are not bounded by it).",
    )

    # -- tokens ------------------------------------------------------------------------------
    audience: str = Field("api", min_length=1, description="`aud` of first-party tokens.")
    access_token_lifetime: int = Field(
        900, ge=30, le=DAY, description="Seconds an access token lives."
    )
    refresh_token_lifetime: int = Field(
        30 * DAY, ge=60, le=365 * DAY, description="Seconds a refresh token lives unused."
    )
    session_lifetime: int = Field(
        0,
        ge=0,
        le=365 * DAY,
        description=(
            "Seconds a session (a refresh-token family, begun by a login or a code exchange) "
            "lives at most, however often it is refreshed (60 s at least). 0: no limit."
        ),
    )
    refresh_token_reuse_grace: float = Field(
        0,
        ge=0,
        le=60,
        description="Seconds in which the same client may repeat a refresh and get the same "
        "successor back instead of having the family revoked.",
    )
    signing_alg: SigningAlgorithm = Field("ES256", description="Algorithm of new signing keys.")
    key_rotation_interval: int = Field(
        30 * DAY, ge=3600, description="Seconds a signing key signs before the next takes over."
    )
    purge_interval: int = Field(
        3600,
        ge=0,
        le=7 * DAY,
        description="Seconds between two purges of expired tokens, sessions and codes "
        "in each process; 0 turns it off (then run jwtkit admin db purge).",
    )
    audit_retention: int = Field(
        0,
        ge=0,
        le=100 * 365 * DAY,
        description="Seconds audit events are kept; 0 keeps them all.",
    )
    jwks_max_age: int = Field(
        300,
        ge=0,
        le=DAY,
        description="`Cache-Control: max-age` of the JWKS, in seconds; each replica re-reads "
        "the key ring at least this often (and at least every 60 s), so a key rotated by one "
        "replica is served by all within this time.",
    )

    # -- users and clients -------------------------------------------------------------------
    registration: Literal["open", "admin", "off"] = Field(
        "open", description="Who may call POST /auth/register: anyone, admins, nobody."
    )
    default_scopes: str = Field(
        "openid profile email",
        max_length=2048,
        description="Space-separated scopes a self-registered user may be granted.",
    )
    password_grant: bool = Field(
        True, description="Allow the password grant for the built-in first-party client."
    )
    argon2_memory_kib: int = Field(
        19456, ge=19456, description="argon2id memory cost (KiB); OWASP's minimum is 19456."
    )
    argon2_time_cost: int = Field(2, ge=2, description="argon2id iterations (at least 2).")
    argon2_parallelism: int = Field(1, ge=1, le=16, description="argon2id lanes.")
    password_hashing_queue: int = Field(
        256,
        ge=1,
        le=100_000,
        description="Password checks that may wait for the hasher at once, per process; past "
        "that, a login or registration is answered 503 with Retry-After.",
    )

    # -- browser sign-in (authorization code, OpenID Connect) --------------------------------
    browser_session_lifetime: int = Field(
        12 * 3600,
        ge=300,
        le=30 * DAY,
        description="Seconds a sign-in at the login page lasts: within it, another app signs "
        "the user in without the password.",
    )
    authorization_code_lifetime: int = Field(
        60, ge=5, le=60, description="Seconds an authorization code can be exchanged."
    )
    templates_dir: Path | None = Field(
        None,
        description="A directory of Jinja2 templates (login.html, consent.html, error.html, "
        "logout.html, base.html) that replace the built-in pages of the same name.",
    )

    # -- abuse -------------------------------------------------------------------------------
    rate_limit_login_per_ip: str = Field(
        "20/minute;200/hour", description="Login and password-grant attempts per client IP."
    )
    rate_limit_login_failures_per_account: str = Field(
        "5/minute;30/hour",
        description="Failed logins per account and IP before it is locked for that IP.",
    )
    rate_limit_login_failures_per_account_any_ip: str = Field(
        "100/hour",
        description="Login attempts per account from all IPs together, not counting the "
        "addresses it logged in from in the last 30 days (which it does not lock).",
    )
    rate_limit_register_per_ip: str = Field("10/minute;100/hour", description="Registrations.")
    rate_limit_token_per_ip: str = Field(
        "120/minute", description="Other token-endpoint requests per client IP."
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated proxy addresses or networks whose X-Forwarded-For is "
        "believed; empty: the peer address is the client.",
    )
    request_read_timeout: float = Field(
        10.0,
        gt=0,
        le=300,
        description="Seconds a client has to send a whole request, headers and body, counted "
        "from connecting or from the end of its previous response; then the connection is "
        "closed, so slow clients (slowloris) cannot hold connections open.",
    )
    max_body_bytes: int = Field(
        65536, ge=1024, le=10 * 1024 * 1024, description="Largest request body accepted."
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        "info", description="Log level."
    )

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _check_proxies(cls, value: list[str]) -> list[str]:
        for entry in value:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"{entry!r} is not an IP address or network") from None
        return value

    @field_validator(
        "rate_limit_login_per_ip",
        "rate_limit_login_failures_per_account",
        "rate_limit_login_failures_per_account_any_ip",
        "rate_limit_register_per_ip",
        "rate_limit_token_per_ip",
    )
    @classmethod
    def _check_rate_limit(cls, value: str) -> str:
        from limits import parse_many

        try:
            parse_many(value)
        except ValueError:
            raise ValueError(
                f"{value!r} is not a rate limit such as '10/minute' or '5/minute;100/hour'"
            ) from None
        return value

    @field_validator("session_lifetime")
    @classmethod
    def _check_session_lifetime(cls, value: int) -> int:
        if 0 < value < 60:
            raise ValueError("must be 0 (no limit) or at least 60 seconds")
        return value

    @field_validator("default_scopes")
    @classmethod
    def _check_scopes(cls, value: str) -> str:
        from .errors import ServerError
        from .services.scopes import ADMIN_SCOPE, parse_scopes

        try:
            scopes = parse_scopes(value)
        except ServerError as error:
            raise ValueError(error.description) from None
        if ADMIN_SCOPE in scopes:
            raise ValueError(
                f"the {ADMIN_SCOPE!r} scope cannot be a default: every self-registered user "
                "would hold it (make admins with jwtkit admin users create NAME --admin)"
            )
        return " ".join(scopes)

    @field_validator("redis_url")
    @classmethod
    def _check_redis_url(cls, value: str | None) -> str | None:
        if value is not None:
            problem = redis_url_problem(value)
            if problem is not None:
                raise ValueError(f"{problem} (e.g. redis://redis.internal:6379/0)")
        return value

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        async_database_url(value)  # raises ValueError naming what is wrong
        return value

    @field_validator("issuer")
    @classmethod
    def _check_issuer(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("https://", "http://")) or "?" in value or "#" in value:
            raise ValueError("the issuer must be an http(s) URL without query or fragment")
        return value.rstrip("/")

    @field_validator("master_key")
    @classmethod
    def _check_master_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError(
                "the master key must be at least 32 characters; make one with "
                "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        return value

    @model_validator(mode="after")
    def _postgres_needs_a_master_key(self) -> Settings:
        if self.master_key is None and not self.is_sqlite:
            raise ValueError(
                "JWTKIT_MASTER_KEY is required with a PostgreSQL database (every replica needs "
                "the same one); make one with "
                "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        return self

    # -- derived -----------------------------------------------------------------------------

    @property
    def issuer_url(self) -> str:
        """The issuer, with its default filled in from host and port."""
        if self.issuer is not None:
            return self.issuer
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def is_sqlite(self) -> bool:
        return async_database_url(self.database_url).startswith("sqlite")

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite database file, or None for PostgreSQL or an in-memory database."""
        url = async_database_url(self.database_url)
        if not url.startswith("sqlite"):
            return None
        path = url.split(":///", 1)[1] if ":///" in url else ""
        return None if path in ("", ":memory:") else Path(path)

    @property
    def master_key_file(self) -> Path | None:
        """Where a generated master key is kept (SQLite without JWTKIT_MASTER_KEY only)."""
        database = self.sqlite_path
        return None if database is None else database.with_name(database.name + ".master-key")


def redis_url_problem(url: str) -> str | None:
    """What is wrong with a Redis URL, or None. The Redis client would otherwise fail at start
    with a traceback (a bad port), or quietly use database 0 (``/zero``) or localhost
    (``redis://``). The message never repeats the URL, which may hold a password."""
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return "the Redis URL must start with redis://, rediss:// (TLS) or unix://"
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return None if parts.path else "a unix:// Redis URL needs the socket's path"
    if not parts.hostname:
        return "the Redis URL names no host"
    try:
        port = parts.port  # urlsplit checks the port when it is read
    except ValueError:
        port = 0
    if port == 0:
        return "the Redis URL's port must be a number from 1 to 65535"
    database = parts.path.strip("/")
    databases = [database] if database else []
    databases += [value for name, value in parse_qsl(parts.query) if name == "db"]
    if any(not number.isdigit() or not number.isascii() for number in databases):
        return "the Redis database (the URL's path or its db parameter) must be a number"
    return None


def async_database_url(url: str) -> str:
    """``url`` with the async driver jwtkit uses: aiosqlite for SQLite, asyncpg for PostgreSQL."""
    scheme, separator, rest = url.partition("://")
    if not separator:
        raise ValueError(f"{url!r} is not a database URL such as sqlite:///./jwtkit.db")
    driver = scheme.lower()
    if driver in ("sqlite", "sqlite+aiosqlite"):
        path, _, query = rest.partition("?")
        if path in ("", "/", "/:memory:") or "mode=memory" in query:
            # SQLAlchemy gives an in-memory database one connection that every session
            # shares: one session's read would run inside another's transaction and end it.
            raise ValueError(
                "an in-memory SQLite database cannot serve: its sessions share one connection "
                "and it is lost at exit; use a file such as sqlite:///./jwtkit.db"
            )
        return f"sqlite+aiosqlite://{rest}"
    if driver in ("postgresql", "postgres", "postgresql+asyncpg"):
        return f"postgresql+asyncpg://{rest}"
    raise ValueError(
        f"unsupported database {scheme!r}: use sqlite:///path or postgresql://user@host/db"
    )
