"""Everything a running server holds, built once from the settings: the server's wiring.

:func:`open_runtime` migrates the database, loads (or creates) the signing keys and the
built-in client, and wires the services together; the FastAPI app opens one in its lifespan
and ``jwtkit admin`` opens one per command, so both act through the same services.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from ..errors import KeyRingError
from .db import Database
from .db.migrate import current_revision, upgrade
from .redis_connection import RedisConnection
from .security.addresses import TrustedProxies
from .security.csrf import CsrfTokens
from .security.passwords import PasswordHashing
from .security.ratelimit import AbuseLimits, RateLimiter
from .security.secrets import MasterKey
from .services.audit import AuditLog
from .services.authorization import AuthorizationService
from .services.browser_sessions import BrowserSessionService
from .services.clients import ClientService
from .services.codes import AuthorizationCodes
from .services.consents import ConsentService
from .services.denylist import DatabaseDenylist, Denylist, RedisDenylist
from .services.grants import GrantHandler
from .services.grants.authorization_code import AuthorizationCodeGrant
from .services.grants.client_credentials import ClientCredentialsGrant
from .services.grants.password import PasswordGrant
from .services.grants.refresh_token import RefreshTokenGrant
from .services.id_tokens import IdTokens
from .services.keys import DatabaseKeyStore, SigningKeys
from .services.logout import LogoutService
from .services.purge import Purge
from .services.token_endpoint import TokenEndpoint
from .services.tokens import TokenService
from .services.users import UserService
from .settings import Settings

__all__ = ["Runtime", "check_master_key", "open_runtime"]

log = logging.getLogger("jwtkit.server")


@dataclass
class Runtime:
    settings: Settings
    database: Database
    clock: Callable[[], float]
    keys: SigningKeys
    audit: AuditLog
    limiter: RateLimiter
    denylist: Denylist
    tokens: TokenService
    users: UserService
    clients: ClientService
    token_endpoint: TokenEndpoint
    proxies: TrustedProxies
    browser_sessions: BrowserSessionService
    consents: ConsentService
    authorization: AuthorizationService
    csrf: CsrfTokens
    logout: LogoutService
    purge: Purge
    #: The schema revision before and after this start's migration.
    migrated: tuple[str | None, str]
    #: The shared Redis (rate limits, denylist), when ``JWTKIT_REDIS_URL`` is set.
    redis: RedisConnection | None = None


@asynccontextmanager
async def open_runtime(
    settings: Settings,
    *,
    clock: Callable[[], float] = time.time,
    migrate: bool = True,
    short_lived: bool = False,
) -> AsyncIterator[Runtime]:
    """Open the database (and Redis) and wire the services; close everything on exit.

    Redis's monitor is not started here (``jwtkit admin`` needs none): the server's lifespan
    starts it. ``short_lived`` (``jwtkit admin``): every revocation also raises the denylist
    epoch, so the replicas copy it into their Redis whatever this process reached."""
    await check_master_key(settings)
    migrated = await _migrate(settings) if migrate else (None, "")
    database = Database(settings.database_url, timeout=settings.database_timeout)
    redis: RedisConnection | None = None
    passwords: PasswordHashing | None = None
    try:
        master_key = MasterKey.from_settings(settings)
        audit = AuditLog(database, clock)
        keys = SigningKeys(database, master_key, settings, audit, clock)
        await keys.signing_key()  # creates the ring on an empty database
        limiter: RateLimiter
        denylist: Denylist
        if settings.redis_url is not None:
            redis = RedisConnection(settings.redis_url, timeout=settings.redis_timeout)
            limiter = RateLimiter.on_redis(redis, prefix=settings.redis_prefix)
            denylist = RedisDenylist(
                redis, database, prefix=settings.redis_prefix, clock=clock, announce=short_lived
            )
        else:
            limiter = RateLimiter()
            denylist = DatabaseDenylist(database, clock=clock, announce=short_lived)
        tokens = TokenService(database, keys, settings, master_key, denylist, audit, clock)
        passwords = PasswordHashing(
            memory_kib=settings.argon2_memory_kib,
            time_cost=settings.argon2_time_cost,
            parallelism=settings.argon2_parallelism,
            max_waiting=settings.password_hashing_queue,
        )
        abuse_limits = AbuseLimits(
            limiter,
            login_per_ip=settings.rate_limit_login_per_ip,
            login_failures_per_account=settings.rate_limit_login_failures_per_account,
            login_failures_per_account_any_ip=settings.rate_limit_login_failures_per_account_any_ip,
            registrations_per_ip=settings.rate_limit_register_per_ip,
            name_key=master_key.derive("rate limits: unknown names"),
        )
        users = UserService(
            database,
            passwords,
            abuse_limits,
            tokens,
            audit,
            clock,
            default_scopes=settings.default_scopes,
        )
        clients = ClientService(database, settings, tokens, audit, clock)
        await clients.ensure_first_party()
        consents = ConsentService(database, tokens, audit, clock)
        codes = AuthorizationCodes(
            database, settings, tokens, keys, IdTokens(keys, settings, clock), audit, clock
        )
        handlers: list[GrantHandler] = [
            PasswordGrant(users, tokens),
            RefreshTokenGrant(tokens),
            ClientCredentialsGrant(tokens),
            AuthorizationCodeGrant(codes),
        ]
        token_endpoint = TokenEndpoint(
            clients, handlers, limiter, per_ip_limit=settings.rate_limit_token_per_ip
        )
        yield Runtime(
            settings=settings,
            database=database,
            clock=clock,
            keys=keys,
            audit=audit,
            limiter=limiter,
            denylist=denylist,
            tokens=tokens,
            users=users,
            clients=clients,
            token_endpoint=token_endpoint,
            proxies=TrustedProxies(settings.trusted_proxies),
            browser_sessions=BrowserSessionService(database, settings, tokens, audit, clock),
            consents=consents,
            authorization=AuthorizationService(clients, consents, codes, settings, clock),
            csrf=CsrfTokens(master_key),
            logout=LogoutService(clients, keys),
            purge=Purge(database, audit, clock, audit_retention=settings.audit_retention),
            migrated=migrated,
            redis=redis,
        )
    finally:
        if passwords is not None:
            passwords.close()
        if redis is not None:
            await redis.close()
        await database.close()


async def _migrate(settings: Settings) -> tuple[str | None, str]:
    """Migrate on a connection of its own, without the per-query bound of serving."""
    database = Database(settings.database_url)
    try:
        return await upgrade(database)
    finally:
        await database.close()


async def check_master_key(settings: Settings) -> None:
    """Raise :class:`~jwtkit.errors.KeyRingError` if the database holds signing keys that
    the configured master key cannot open, or on SQLite whose master key file is gone (a new
    one is made only for a database without keys). ``jwtkit serve`` asks before it starts,
    so a wrong or lost master key is one clear line, never a failed start mid-lifespan."""
    key_file = settings.master_key_file
    if settings.master_key is None and key_file is not None and key_file.exists():
        MasterKey.from_settings(settings)  # a key file others may read, or too short
    database = Database(settings.database_url, timeout=settings.database_timeout)
    try:
        if await current_revision(database) is None or not await DatabaseKeyStore.exists(database):
            return  # no keys yet: they will be made under this master key
        key_file = settings.master_key_file
        if settings.master_key is None and key_file is not None and not key_file.exists():
            raise KeyRingError(
                f"JWTKIT_MASTER_KEY is not set and the master key file {key_file} is missing: "
                "the signing keys in this database were sealed with it (restore it from the "
                "backup next to the database's, or set JWTKIT_MASTER_KEY)"
            )
        try:
            await DatabaseKeyStore(database, MasterKey.from_settings(settings)).load()
        except KeyRingError:
            source = (
                "JWTKIT_MASTER_KEY"
                if settings.master_key is not None
                else f"the master key in {key_file}"
            )
            raise KeyRingError(
                f"{source} cannot open the signing keys in this database: it is not the "
                "master key they were sealed with (restore that key, or see docs/server.md "
                "on replacing the master key)"
            ) from None
    finally:
        await database.close()
