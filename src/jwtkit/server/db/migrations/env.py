"""Alembic's environment for jwtkit: migrations run on a connection jwtkit hands over.

jwtkit runs them itself (at start, and by ``jwtkit admin db upgrade``) through
:mod:`jwtkit.server.db.migrate`, which passes the connection in ``config.attributes``;
there is no alembic.ini to keep in step with the settings.
"""

from __future__ import annotations

from alembic import context

from jwtkit.server.db.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reached by running alembic by hand
    raise RuntimeError("Run migrations with `jwtkit admin db upgrade`, not alembic directly")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
