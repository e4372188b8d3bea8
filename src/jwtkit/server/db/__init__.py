"""The server's storage: models, the async engine, and the Alembic migrations."""

from .engine import DATABASE_UNAVAILABLE, Database

__all__ = ["DATABASE_UNAVAILABLE", "Database"]
