"""Debtor: every zone a debtor may be in, however many (a US toll-free number with no address
gives 42, 727 characters, which the 400-character column refused).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 22:35:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("debtor", schema=None) as batch_op:
        batch_op.alter_column(
            "timezone_candidates",
            existing_type=sa.String(length=400),
            type_=sa.Text(),
            existing_nullable=False,
            existing_server_default="",
        )


def downgrade() -> None:
    with op.batch_alter_table("debtor", schema=None) as batch_op:
        batch_op.alter_column(
            "timezone_candidates",
            existing_type=sa.Text(),
            type_=sa.String(length=400),
            existing_nullable=False,
            existing_server_default="",
        )
