"""Users: registration, password login, and the life cycle an admin drives.

Names are compared in their NFKC, case-folded form, so "Alice" and "ＡＬＩＣＥ" are one user.
A username never holds "@", so a login identifier is an email exactly when it has one.
Every answer to a failed login is the same "invalid username or password", whether the
user is unknown, disabled or typed the wrong password, and all three cost one argon2
verification. Disabling, deleting or changing a password ends the user's sessions in the
same transaction.
"""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Callable, Sequence

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from ..db import Database
from ..db.models import User
from ..errors import ConflictError, InvalidGrantError, InvalidRequestError, NotFoundError
from ..security.passwords import PasswordHashing, password_problem
from ..security.ratelimit import AbuseLimits
from .audit import AuditLog
from .scopes import ADMIN_SCOPE, join_scopes, parse_scopes
from .tokens import TokenService

__all__ = ["UserService", "identifier_key"]

_MAX_NAME = 64
_MAX_EMAIL = 254
_LOGIN_FAILED = "Invalid username or password"

# The user by normalized name or email (``key``): every login reads one of these, so each
# statement is built (and its cache key computed) once. An identifier shaped like a user id
# is looked up by id alone (see ``find``).
_BY_NAME = select(User).where(User.username_key == bindparam("key"))
_BY_EMAIL = select(User).where(User.email_key == bindparam("key"))


def identifier_key(identifier: str) -> str:
    """The form names are compared in: NFKC, case-folded."""
    return unicodedata.normalize("NFKC", identifier).casefold()


def _check_username(username: str) -> str:
    name = unicodedata.normalize("NFKC", username)
    if not 1 <= len(name) <= _MAX_NAME:
        raise InvalidRequestError(f"The username must be 1 to {_MAX_NAME} characters")
    if name != name.strip() or "@" in name:
        raise InvalidRequestError("The username must not contain '@' or start or end with spaces")
    if any(unicodedata.category(character)[0] in "CZ" and character != " " for character in name):
        raise InvalidRequestError("The username must not contain control or separator characters")
    if _is_uuid(name):
        # Users are also named by their id (``sub``) in the admin API and command line.
        raise InvalidRequestError("The username must not have the form of a user id")
    return name


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _check_email(email: str) -> str:
    address = unicodedata.normalize("NFKC", email)
    local, at, domain = address.rpartition("@")
    if (
        not at
        or not local
        or "." not in domain
        or len(address) > _MAX_EMAIL
        or len(identifier_key(address)) > _MAX_EMAIL  # case folding lengthens some text
        or any(character.isspace() or not character.isprintable() for character in address)
    ):
        raise InvalidRequestError("The email address is not valid")
    return address


def _granted_scopes(scopes: Sequence[str], *, admin: bool) -> list[str]:
    """The scopes a user is stored with: ``admin`` exactly when the user is an admin.

    The scope without the flag would pass the admin scope to every resource server that
    trusts it while the admin API refuses it, so it is refused here, not quietly kept."""
    granted = parse_scopes(join_scopes(scopes))
    if not admin and ADMIN_SCOPE in granted:
        raise InvalidRequestError(
            f"The {ADMIN_SCOPE!r} scope comes only with making the user an admin"
        )
    if admin and ADMIN_SCOPE not in granted:
        granted.append(ADMIN_SCOPE)
    return granted


def _check_password(password: str) -> None:
    problem = password_problem(password)
    if problem is not None:
        raise InvalidRequestError(problem[0].upper() + problem[1:])


class UserService:
    def __init__(
        self,
        database: Database,
        passwords: PasswordHashing,
        limits: AbuseLimits,
        tokens: TokenService,
        audit: AuditLog,
        clock: Callable[[], float],
        *,
        default_scopes: str = "",
    ) -> None:
        self._default_scopes = default_scopes
        self._database = database
        self._passwords = passwords
        self._limits = limits
        self._tokens = tokens
        self._audit = audit
        self._clock = clock

    # -- creating ----------------------------------------------------------------------------

    async def create(
        self,
        *,
        username: str | None,
        email: str | None,
        password: str,
        scopes: Sequence[str] = (),
        admin: bool = False,
        ip: str | None = None,
        actor: str | None = None,
    ) -> User:
        """A new user; 409 when the name or email is taken (and nothing more is said)."""
        if username is None and email is None:
            raise InvalidRequestError("Give a username or an email address")
        name = _check_username(username) if username is not None else None
        address = _check_email(email) if email is not None else None
        _check_password(password)
        granted = _granted_scopes(scopes, admin=admin)
        password_hash = await self._passwords.hash(password)
        now = self._clock()
        display = name if name is not None else address
        assert display is not None
        user = User(
            id=str(uuid.uuid4()),
            username=display,
            username_key=identifier_key(display),
            email=address,
            email_key=identifier_key(address) if address is not None else None,
            password_hash=password_hash,
            scopes=join_scopes(granted),
            is_admin=admin,
            created_at=now,
            password_changed_at=now,
        )
        try:
            async with self._database.transaction() as session:
                session.add(user)
                await session.flush()
                await self._audit.record(
                    session,
                    "user_created" if actor else "user_registered",
                    user_id=user.id,
                    ip=ip,
                    actor=actor,
                    admin=admin,
                )
        except IntegrityError:
            raise ConflictError("That username or email address is already registered") from None
        return user

    async def register(
        self, *, username: str | None, email: str | None, password: str, ip: str
    ) -> User:
        """Self-service registration: counted per IP, then as :meth:`create`."""
        await self._limits.registration(ip)
        return await self.create(
            username=username,
            email=email,
            password=password,
            scopes=parse_scopes(self._default_scopes),
            ip=ip,
        )

    # -- logging in --------------------------------------------------------------------------

    async def authenticate(
        self, identifier: str, password: str, *, ip: str, client_id: str
    ) -> User:
        """The user these credentials belong to, or ``invalid_grant`` (one message for all)."""
        key = identifier_key(identifier)[:_MAX_EMAIL]
        found = await self.find(identifier)
        # Counted per account (its id: the username and the email share one count), or per
        # name when no user has it, before any password is checked.
        account = found.id if found is not None else self._limits.unknown_name(key)
        await self._limits.login_attempt(account, ip)
        user: User | None = found
        if password_problem(password) is not None:
            user = None  # refused before hashing, but after counting the attempt
        else:
            stored = user.password_hash if user is not None and user.disabled_at is None else None
            if not await self._passwords.verify(stored, password):
                user = None
        if user is None:
            # A name no account has is not written down: it is often a password typed into
            # the wrong field, and the log and the audit table are read by more people.
            named = {"account": key} if found is not None else {"unknown_account": True}
            await self._audit.record_alone(
                "login_failed",
                user_id=found.id if found is not None else None,
                ip=ip,
                client_id=client_id,
                **named,
            )
            raise InvalidGrantError(_LOGIN_FAILED)
        await self._limits.login_succeeded(account, ip)
        if self._passwords.needs_rehash(user.password_hash):
            new_hash = await self._passwords.hash(password)
            async with self._database.transaction() as session:
                await session.execute(
                    update(User)
                    .where(User.id == user.id, User.password_hash == user.password_hash)
                    .values(password_hash=new_hash)
                )
            user.password_hash = new_hash
        return user

    # -- reading -----------------------------------------------------------------------------

    async def get(self, user_id: str) -> User | None:
        async with self._database.read() as session:
            return await session.get(User, user_id)

    async def find(self, identifier: str) -> User | None:
        """The user with this id, username or email (case-insensitive), or None.

        Text shaped like a user id (any case, any UUID spelling) names that id and nothing
        else: such usernames are refused, but a database may hold one from before, and it
        must never answer for the user whose id it spells (an admin's ``users ... ID``)."""
        async with self._database.read() as session:
            if _is_uuid(identifier):
                return await session.get(User, str(uuid.UUID(identifier)))
            key = identifier_key(identifier)
            query = _BY_EMAIL if "@" in key else _BY_NAME
            user: User | None = await session.scalar(query, {"key": key})
            return user

    async def require(self, identifier: str) -> User:
        user = await self.find(identifier)
        if user is None:
            raise NotFoundError("No such user")
        return user

    async def list(self, *, offset: int = 0, limit: int = 100) -> list[User]:
        async with self._database.transaction() as session:
            query = select(User).order_by(User.created_at, User.id).offset(offset).limit(limit)
            return list((await session.scalars(query)).all())

    async def count(self, *, admins_only: bool = False) -> int:
        query = select(func.count()).select_from(User)
        if admins_only:
            query = query.where(User.is_admin.is_(True), User.disabled_at.is_(None))
        async with self._database.transaction() as session:
            return int(await session.scalar(query) or 0)

    # -- changing ----------------------------------------------------------------------------

    async def set_disabled(self, identifier: str, disabled: bool, *, actor: str | None) -> User:
        """Disable (ending every session and access token at once) or enable a user."""
        user = await self.require(identifier)
        async with self._database.transaction() as session:
            await session.execute(
                update(User)
                .where(User.id == user.id)
                .values(disabled_at=self._clock() if disabled else None)
            )
            if disabled:
                await self._tokens.revoke_user_tokens(session, user.id, reason="user_disabled")
            await self._audit.record(
                session,
                "user_disabled" if disabled else "user_enabled",
                user_id=user.id,
                actor=actor,
            )
        return await self.require(user.id)

    async def delete(self, identifier: str, *, actor: str | None) -> None:
        """Delete a user; their tokens stay on the denylist until they expire."""
        user = await self.require(identifier)
        async with self._database.transaction() as session:
            # The row first: its lock makes a sign-in in flight wait, then find no user
            # (rather than open a session after the sweep below).
            await session.execute(delete(User).where(User.id == user.id))
            await self._tokens.revoke_user_tokens(session, user.id, reason="user_deleted")
            await self._audit.record(session, "user_deleted", user_id=user.id, actor=actor)

    async def set_password(self, identifier: str, password: str, *, actor: str | None) -> None:
        """An admin sets a new password: every session of the user ends."""
        _check_password(password)
        user = await self.require(identifier)
        await self._store_password(
            user, password, keep_family=None, event="password_set", actor=actor
        )

    async def change_password(
        self, user_id: str, current: str, new: str, *, keep_family: str | None, ip: str
    ) -> None:
        """The user changes their password; their other sessions end, this one stays."""
        _check_password(new)
        user = await self.get(user_id)
        if user is None or user.disabled_at is not None:
            raise InvalidGrantError("The account is not active")
        await self._limits.login_attempt(user.id, ip)
        if not await self._passwords.verify(user.password_hash, current):
            await self._audit.record_alone("password_change_failed", user_id=user.id, ip=ip)
            raise InvalidGrantError("The current password is wrong")
        await self._limits.login_succeeded(user.id, ip)
        await self._store_password(
            user, new, keep_family=keep_family, event="password_changed", actor=None, ip=ip
        )

    async def set_scopes(
        self, identifier: str, scopes: Sequence[str], *, admin: bool, actor: str | None
    ) -> User:
        granted = _granted_scopes(scopes, admin=admin)
        user = await self.require(identifier)
        async with self._database.transaction() as session:
            await session.execute(
                update(User)
                .where(User.id == user.id)
                .values(scopes=join_scopes(granted), is_admin=admin)
            )
            await self._audit.record(
                session, "user_scopes_set", user_id=user.id, actor=actor, scopes=granted
            )
        return await self.require(user.id)

    async def _store_password(
        self,
        user: User,
        password: str,
        *,
        keep_family: str | None,
        event: str,
        actor: str | None,
        ip: str | None = None,
    ) -> None:
        password_hash = await self._passwords.hash(password)
        async with self._database.transaction() as session:
            await session.execute(
                update(User)
                .where(User.id == user.id)
                .values(password_hash=password_hash, password_changed_at=self._clock())
            )
            await self._tokens.revoke_user_tokens(
                session, user.id, reason=event, keep_family=keep_family
            )
            await self._audit.record(session, event, user_id=user.id, actor=actor, ip=ip)
