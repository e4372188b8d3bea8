"""The server's tables, as SQLAlchemy 2 typed models (the schema Alembic migrations create).

Times are epoch seconds (floats) so SQLite and PostgreSQL compare them the same way and the
services can take an injectable clock. Secrets are never stored: refresh tokens and client
secrets as SHA-256 digests, passwords as argon2id hashes, signing keys sealed with JWE under
the master key. Token rows carry ``user_id`` / ``client_id`` as plain indexed columns, not
foreign keys: a deleted user's revoked access tokens must stay on the denylist until they
expire.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "AccessToken",
    "AuditEvent",
    "AuthorizationCode",
    "Base",
    "BrowserSession",
    "Client",
    "Consent",
    "KeyRingRow",
    "RefreshFamily",
    "RefreshToken",
    "User",
    "core_table",
]

# Constraint names fixed by convention, so migrations are the same on every database.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def core_table(model: type[Base]) -> Table:
    """The Core table of a mapped class, for statements built once outside the ORM
    (``services/token_statements.py``, the audit INSERT, the purge)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    #: As typed at registration; ``username_key`` (NFKC, case-folded) is what is unique.
    username: Mapped[str] = mapped_column(String(254))
    username_key: Mapped[str] = mapped_column(String(254), unique=True)
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    email_key: Mapped[str | None] = mapped_column(String(254), unique=True, nullable=True)
    password_hash: Mapped[str] = mapped_column(String(512))
    #: Space-separated scopes this user may be granted.
    scopes: Mapped[str] = mapped_column(Text, default="")
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    disabled_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_at: Mapped[float] = mapped_column(Float)
    password_changed_at: Mapped[float] = mapped_column(Float)


class Client(Base):
    __tablename__ = "clients"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    #: SHA-256 of the secret (secrets are 256 random bits, so no slow hash is needed); None
    #: for a public client.
    secret_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    grant_types: Mapped[str] = mapped_column(Text)
    #: Space-separated scopes it may ask for; None: any scope its user has (first party).
    scopes: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: Space-separated audiences its tokens may carry; the first is the default.
    audiences: Mapped[str] = mapped_column(Text)
    #: JSON array of exact redirect URIs (authorization code clients).
    redirect_uris: Mapped[str] = mapped_column(Text, default="[]")
    is_first_party: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[float] = mapped_column(Float)


class RefreshFamily(Base):
    """One login's chain of refresh tokens; revoking it ends the session."""

    __tablename__ = "refresh_families"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(36), index=True)
    client_id: Mapped[str] = mapped_column(String(64), index=True)
    scope: Mapped[str] = mapped_column(Text)
    audience: Mapped[str] = mapped_column(Text)
    auth_time: Mapped[float] = mapped_column(Float)
    created_at: Mapped[float] = mapped_column(Float)
    revoked_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    revoked_reason: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: The browser session (``BrowserSession.id``) it was signed in from, if any: ending
    #: that session (logout) ends this family too.
    browser_session_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)


class RefreshToken(Base):
    __tablename__ = "refresh_tokens"

    #: SHA-256 (hex) of the opaque token; the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    family_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("refresh_families.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float)
    #: Set by the one atomic UPDATE that spends it; a second spend finds it set.
    spent_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    #: The client that spent it (for the grace period's "same client" rule).
    spent_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class AccessToken(Base):
    """Every issued access token's ``jti``: the denylist is ``revoked_at IS NOT NULL``."""

    __tablename__ = "access_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    client_id: Mapped[str] = mapped_column(String(64), index=True)
    family_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    expires_at: Mapped[float] = mapped_column(Float, index=True)
    revoked_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class DenylistEpoch(Base):
    """Revocations Redis may not have, added in the same transaction as they are made.

    The replicas trust Redis's copy of the denylist; one that could not write a revocation
    there (its Redis unreachable while the others' is not), and ``jwtkit admin`` (which may
    not reach the replicas' Redis at all), add a row naming the jtis, and every replica
    writes the rows it has not seen into Redis at its next check (``services/denylist.py``).
    Rows are only added, so no transaction waits for another's lock on them; the purge
    deletes them once their tokens are long expired."""

    __tablename__ = "denylist_epochs"
    # Never reuse an id (SQLite would after the purge emptied the table): replicas remember
    # the ids they wrote.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[float] = mapped_column(Float, index=True)
    #: JSON: ``[[jti, expires_at], ...]``.
    revoked: Mapped[str] = mapped_column(Text)


class KeyRingRow(Base):
    """The signing-key ring: one row, the sealed document and its revision (for CAS)."""

    __tablename__ = "key_ring"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision: Mapped[int] = mapped_column(Integer)
    document: Mapped[bytes] = mapped_column(LargeBinary)


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[float] = mapped_column(Float, index=True)
    event: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    client_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    #: JSON object with the event's details (never a secret).
    detail: Mapped[str] = mapped_column(Text, default="{}")


class BrowserSession(Base):
    """A user signed in at the login page: the cookie holds a secret whose SHA-256 is here,
    so every replica serves it and a stolen database does not hand out sessions."""

    __tablename__ = "browser_sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    #: SHA-256 (hex) of the cookie's value.
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[str] = mapped_column(String(36), index=True)
    auth_time: Mapped[float] = mapped_column(Float)
    created_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float, index=True)
    ended_at: Mapped[float | None] = mapped_column(Float, nullable=True)


class AuthorizationCode(Base):
    """An authorization code (RFC 6749 §4.1): single use, short-lived, bound to its client,
    redirect URI and PKCE challenge. Spending it is one conditional UPDATE; ``family_id``
    remembers the tokens it bought, so a second use can revoke them (RFC 6749 §4.1.2)."""

    __tablename__ = "authorization_codes"

    #: SHA-256 (hex) of the code; the code itself is never stored.
    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(36))
    browser_session_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    redirect_uri: Mapped[str] = mapped_column(Text)
    code_challenge: Mapped[str] = mapped_column(String(128))
    scope: Mapped[str] = mapped_column(Text)
    nonce: Mapped[str | None] = mapped_column(String(512), nullable=True)
    auth_time: Mapped[float] = mapped_column(Float)
    created_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float, index=True)
    spent_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    family_id: Mapped[str | None] = mapped_column(String(36), nullable=True)


class Consent(Base):
    """What a user allowed a third-party client: remembered until the user or an admin
    revokes it."""

    __tablename__ = "consents"

    user_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: Space-separated scopes allowed so far.
    scope: Mapped[str] = mapped_column(Text)
    granted_at: Mapped[float] = mapped_column(Float)


Index("ix_refresh_tokens_expires_at", RefreshToken.expires_at)
