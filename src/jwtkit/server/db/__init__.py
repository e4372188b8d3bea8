"""The server's storage: models, the async engine, and the Alembic migrations."""

from .engine import Database

__all__ = ["Database"]
