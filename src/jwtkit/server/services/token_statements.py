"""The token tables' hottest statements, built once over the tables (SQLAlchemy Core).

Building a statement, computing its cache key and going through the ORM's bulk paths cost
more CPU per refresh than the database spends running it. A statement object made once
with ``bindparam`` placeholders memoizes its cache key, so executing it is a cache lookup
and the driver's call; the Core tables (not the mapped classes) keep ``session.execute``
off the ORM's compile and synchronisation steps. Each is run with a dict of its parameters.
"""

from __future__ import annotations

from sqlalchemy import bindparam, insert, select, update

from ..db.models import AccessToken, RefreshFamily, RefreshToken, User, core_table

__all__ = [
    "HOLD_USER",
    "INSERT_ACCESS_TOKEN",
    "INSERT_FAMILY",
    "INSERT_REFRESH_TOKEN",
    "LOCK_SESSION",
    "REVOKED_AT",
    "SPEND",
]

_tokens = core_table(RefreshToken)
_families = core_table(RefreshFamily)
_users = core_table(User)
_access_tokens = core_table(AccessToken)

#: Spend a refresh token (``presented_hash``) of a live family of the spending client
#: (``spender``) at ``now``: one conditional UPDATE, so of N concurrent spends exactly one
#: gets a row back (its ``family_id``).
SPEND = (
    update(_tokens)
    .where(
        _tokens.c.token_hash == bindparam("presented_hash"),
        _tokens.c.spent_at.is_(None),
        _tokens.c.expires_at > bindparam("now"),
        _tokens.c.family_id.in_(
            select(_families.c.id).where(
                _families.c.revoked_at.is_(None),
                _families.c.client_id == bindparam("spender"),
            )
        ),
    )
    .values(spent_at=bindparam("now"), spent_by=bindparam("spender"))
    .returning(_tokens.c.family_id)
)

#: Family ``family_id`` if not revoked (family_id, scope, audience) and its user (user_id,
#: scopes, is_admin, disabled_at), in one round trip, under share locks taken in the order
#: of ``of``: the user's row, then the family's (the order every revocation takes them in).
#: A revocation committed while this waited for a lock is seen: PostgreSQL re-reads the
#: locked rows and re-checks the conditions (``revoked_at IS NULL``) on their new versions.
LOCK_SESSION = (
    select(
        _families.c.id.label("family_id"),
        _families.c.scope,
        _families.c.audience,
        _families.c.created_at,
        _users.c.id.label("user_id"),
        _users.c.scopes,
        _users.c.is_admin,
        _users.c.disabled_at,
    )
    .select_from(_users.join(_families, _families.c.user_id == _users.c.id))
    .where(_families.c.id == bindparam("family_id"), _families.c.revoked_at.is_(None))
    .with_for_update(read=True, of=[_users, _families])
)

#: User ``user_id``'s password hash and ``disabled_at``, under a share lock (a login's
#: check that the account did not change since its password was verified).
HOLD_USER = (
    select(_users.c.password_hash, _users.c.disabled_at)
    .where(_users.c.id == bindparam("user_id"))
    .with_for_update(read=True)
)

#: A refresh family's row (a session): every column but the revocation's.
INSERT_FAMILY = insert(_families)

#: A refresh token's row: ``token_hash``, ``family_id``, ``created_at``, ``expires_at``.
INSERT_REFRESH_TOKEN = insert(_tokens)

#: An access token's row: ``jti``, ``user_id``, ``client_id``, ``family_id``, ``expires_at``.
INSERT_ACCESS_TOKEN = insert(_access_tokens)

#: When access token ``jti`` was revoked (None: live); no row: not one of ours. The
#: database denylist's read, once per introspection or userinfo.
REVOKED_AT = select(_access_tokens.c.revoked_at).where(_access_tokens.c.jti == bindparam("jti"))
