"""Dialer: call facts on contact attempts, follow-ups, gate refusals, script rules, agent states.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 19:41:16.063366
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import recoup.storage.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "agent_state_change",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("campaign_id", sa.String(length=64), server_default="", nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=120), server_default="", nullable=False),
        sa.Column("at", recoup.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_state_change")),
    )
    with op.batch_alter_table("agent_state_change", schema=None) as batch_op:
        batch_op.create_index("ix_agent_state_change_user_at", ["username", "at"], unique=False)

    op.create_table(
        "script_rule",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("priority", sa.Integer(), server_default="100", nullable=False),
        sa.Column("campaign_id", sa.String(length=64), server_default="", nullable=False),
        sa.Column("profile", sa.String(length=32), server_default="", nullable=False),
        sa.Column("segment", sa.String(length=64), server_default="", nullable=False),
        sa.Column("language", sa.String(length=16), server_default="", nullable=False),
        sa.Column("script_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["script_id"], ["script.id"], name=op.f("fk_script_rule_script_id_script")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_script_rule")),
    )
    op.create_table(
        "dial_refusal",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("campaign_id", sa.String(length=64), nullable=False),
        sa.Column("debt_id", sa.String(length=64), nullable=False),
        sa.Column("at", recoup.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=400), nullable=False),
        sa.Column(
            "next_allowed_at", recoup.storage.types.UtcDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["debt_id"], ["debt.id"], name=op.f("fk_dial_refusal_debt_id_debt")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dial_refusal")),
    )
    with op.batch_alter_table("dial_refusal", schema=None) as batch_op:
        batch_op.create_index("ix_dial_refusal_campaign_at", ["campaign_id", "at"], unique=False)
        batch_op.create_index(batch_op.f("ix_dial_refusal_debt_id"), ["debt_id"], unique=False)

    op.create_table(
        "follow_up",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("debt_id", sa.String(length=64), nullable=False),
        sa.Column("due_at", recoup.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("agent", sa.String(length=64), server_default="", nullable=False),
        sa.Column("promise_id", sa.Integer(), nullable=True),
        sa.Column("issue_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", recoup.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["debt_id"], ["debt.id"], name=op.f("fk_follow_up_debt_id_debt")),
        sa.ForeignKeyConstraint(
            ["issue_id"], ["issue.id"], name=op.f("fk_follow_up_issue_id_issue")
        ),
        sa.ForeignKeyConstraint(
            ["promise_id"],
            ["promise_to_pay.id"],
            name=op.f("fk_follow_up_promise_id_promise_to_pay"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_up")),
    )
    with op.batch_alter_table("follow_up", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_follow_up_debt_id"), ["debt_id"], unique=False)
        batch_op.create_index("ix_follow_up_due", ["status", "due_at"], unique=False)

    with op.batch_alter_table("contact_attempt", schema=None) as batch_op:
        batch_op.add_column(sa.Column("uniqueid", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("linkedid", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("answered_at", recoup.storage.types.UtcDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("live_answer", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("amd_status", sa.String(length=16), nullable=True))
        batch_op.add_column(
            sa.Column("abandoned", sa.Boolean(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "connected_at", recoup.storage.types.UtcDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(sa.Column("hangup_cause", sa.Integer(), nullable=True))
        batch_op.create_index("ix_contact_attempt_campaign_at", ["campaign_id", "at"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("contact_attempt", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_attempt_campaign_at")
        batch_op.drop_column("hangup_cause")
        batch_op.drop_column("connected_at")
        batch_op.drop_column("abandoned")
        batch_op.drop_column("amd_status")
        batch_op.drop_column("live_answer")
        batch_op.drop_column("answered_at")
        batch_op.drop_column("linkedid")
        batch_op.drop_column("uniqueid")

    with op.batch_alter_table("follow_up", schema=None) as batch_op:
        batch_op.drop_index("ix_follow_up_due")
        batch_op.drop_index(batch_op.f("ix_follow_up_debt_id"))

    op.drop_table("follow_up")
    with op.batch_alter_table("dial_refusal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dial_refusal_debt_id"))
        batch_op.drop_index("ix_dial_refusal_campaign_at")

    op.drop_table("dial_refusal")
    op.drop_table("script_rule")
    with op.batch_alter_table("agent_state_change", schema=None) as batch_op:
        batch_op.drop_index("ix_agent_state_change_user_at")

    op.drop_table("agent_state_change")
