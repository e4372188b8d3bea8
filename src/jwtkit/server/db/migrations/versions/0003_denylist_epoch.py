"""The denylist epochs: revocations Redis may not have, a row per transaction

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "denylist_epochs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("revoked", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_denylist_epochs")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("denylist_epochs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_denylist_epochs_at"), ["at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("denylist_epochs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_denylist_epochs_at"))
    op.drop_table("denylist_epochs")
