"""Initial schema: debtors, accounts, debts, payments, promises, contacts, issues, campaigns,
users, scripts, recordings.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-23 19:33:41.584104
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import recoup.storage.types

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "app_user",
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("roles", sa.String(length=64), nullable=False),
        sa.Column("extension", sa.String(length=32), server_default="", nullable=False),
        sa.Column("active", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("created_at", recoup.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_app_user")),
    )
    op.create_table(
        "campaign",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("dial_mode", sa.String(length=16), server_default="predictive", nullable=False),
        sa.Column("abandon_target", sa.Integer(), server_default="300", nullable=False),
        sa.Column("active", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("created_at", recoup.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign")),
    )
    op.create_table(
        "debtor",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("first_name", sa.String(length=120), nullable=False),
        sa.Column("last_name", sa.String(length=120), nullable=False),
        sa.Column("email", sa.String(length=254), server_default="", nullable=False),
        sa.Column("address_line1", sa.String(length=200), server_default="", nullable=False),
        sa.Column("city", sa.String(length=120), server_default="", nullable=False),
        sa.Column("region", sa.String(length=120), server_default="", nullable=False),
        sa.Column("postal_code", sa.String(length=20), server_default="", nullable=False),
        sa.Column("country", sa.String(length=2), server_default="", nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("timezone_source", sa.String(length=16), nullable=False),
        sa.Column("timezone_candidates", sa.String(length=400), server_default="", nullable=False),
        sa.Column("language", sa.String(length=16), server_default="en", nullable=False),
        sa.Column("do_not_call", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("cease_communication", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("all_party_consent", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("created_at", recoup.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_debtor")),
    )
    op.create_table(
        "disposition_code",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("conversation", sa.Boolean(), nullable=False),
        sa.Column("final", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_disposition_code")),
    )
    op.create_table(
        "import_run",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("file_name", sa.String(length=260), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("rows_total", sa.Integer(), nullable=False),
        sa.Column("rows_taken", sa.Integer(), nullable=False),
        sa.Column("rows_rejected", sa.Integer(), nullable=False),
        sa.Column("at", recoup.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_run")),
    )
    op.create_table(
        "issue_bucket",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("owner", sa.String(length=64), server_default="", nullable=False),
        sa.Column("description", sa.String(length=400), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_issue_bucket")),
    )
    op.create_table(
        "script",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("profile", sa.String(length=32), server_default="", nullable=False),
        sa.Column("language", sa.String(length=16), server_default="en", nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_script")),
    )
    op.create_table(
        "account",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("debtor_id", sa.String(length=64), nullable=False),
        sa.Column("segment", sa.String(length=64), server_default="", nullable=False),
        sa.Column("created_at", recoup.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["debtor_id"], ["debtor.id"], name=op.f("fk_account_debtor_id_debtor")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account")),
    )
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_debtor_id"), ["debtor_id"], unique=False)

    op.create_table(
        "phone",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("debtor_id", sa.String(length=64), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("rank", sa.Integer(), server_default="0", nullable=False),
        sa.Column("suppressed", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("suppressed_reason", sa.String(length=200), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["debtor_id"], ["debtor.id"], name=op.f("fk_phone_debtor_id_debtor"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phone")),
        sa.UniqueConstraint("debtor_id", "number", name="uq_phone_debtor_number"),
    )
    with op.batch_alter_table("phone", schema=None) as batch_op:
        batch_op.create_index("ix_phone_number", ["number"], unique=False)

    op.create_table(
        "debt",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("original_minor", sa.BigInteger(), nullable=False),
        sa.Column("balance_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="open", nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("import_file", sa.String(length=260), server_default="", nullable=False),
        sa.CheckConstraint("balance_minor >= 0", name=op.f("ck_debt_balance_not_negative")),
        sa.CheckConstraint("original_minor >= 0", name=op.f("ck_debt_original_not_negative")),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_debt_account_id_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_debt")),
    )
    with op.batch_alter_table("debt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_debt_account_id"), ["account_id"], unique=False)
        batch_op.create_index("ix_debt_status_due", ["status", "due_date"], unique=False)

    op.create_table(
        "campaign_lead",
        sa.Column("campaign_id", sa.String(length=64), nullable=False),
        sa.Column("debt_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="ready", nullable=False),
        sa.Column("priority", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_at", recoup.storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_at", recoup.storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("removed_reason", sa.String(length=200), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_campaign_lead_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(
            ["debt_id"], ["debt.id"], name=op.f("fk_campaign_lead_debt_id_debt")
        ),
        sa.PrimaryKeyConstraint("campaign_id", "debt_id", name=op.f("pk_campaign_lead")),
    )
    with op.batch_alter_table("campaign_lead", schema=None) as batch_op:
        batch_op.create_index("ix_campaign_lead_debt", ["debt_id"], unique=False)
        batch_op.create_index(
            "ix_campaign_lead_pick", ["campaign_id", "status", "priority"], unique=False
        )

    op.create_table(
        "contact_attempt",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("debtor_id", sa.String(length=64), nullable=False),
        sa.Column("debt_id", sa.String(length=64), nullable=False),
        sa.Column("campaign_id", sa.String(length=64), server_default="", nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("phone", sa.String(length=20), server_default="", nullable=False),
        sa.Column("at", recoup.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", recoup.storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("conversation", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("agent", sa.String(length=64), server_default="", nullable=False),
        sa.Column("pbx_channel_id", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["debt_id"], ["debt.id"], name=op.f("fk_contact_attempt_debt_id_debt")
        ),
        sa.ForeignKeyConstraint(
            ["debtor_id"], ["debtor.id"], name=op.f("fk_contact_attempt_debtor_id_debtor")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_attempt")),
        sa.UniqueConstraint("pbx_channel_id", name=op.f("uq_contact_attempt_pbx_channel_id")),
    )
    with op.batch_alter_table("contact_attempt", schema=None) as batch_op:
        batch_op.create_index("ix_contact_attempt_debt_at", ["debt_id", "at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_contact_attempt_debtor_id"), ["debtor_id"], unique=False
        )

    op.create_table(
        "issue",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("bucket", sa.String(length=64), nullable=False),
        sa.Column("debt_id", sa.String(length=64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=64), server_default="", nullable=False),
        sa.Column("status", sa.String(length=16), server_default="open", nullable=False),
        sa.Column("resolution", sa.Text(), server_default="", nullable=False),
        sa.Column("opened_at", recoup.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", recoup.storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["bucket"], ["issue_bucket.name"], name=op.f("fk_issue_bucket_issue_bucket")
        ),
        sa.ForeignKeyConstraint(["debt_id"], ["debt.id"], name=op.f("fk_issue_debt_id_debt")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issue")),
    )
    with op.batch_alter_table("issue", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_issue_bucket"), ["bucket"], unique=False)
        batch_op.create_index(batch_op.f("ix_issue_debt_id"), ["debt_id"], unique=False)

    op.create_table(
        "payment",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("debt_id", sa.String(length=64), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("method", sa.String(length=32), server_default="", nullable=False),
        sa.Column("source_file", sa.String(length=260), server_default="", nullable=False),
        sa.Column("posted_at", recoup.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_minor > 0", name=op.f("ck_payment_amount_positive")),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_payment_account_id_account")
        ),
        sa.ForeignKeyConstraint(["debt_id"], ["debt.id"], name=op.f("fk_payment_debt_id_debt")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment")),
        sa.UniqueConstraint("reference", "debt_id", name="uq_payment_reference_debt"),
    )
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payment_debt_id"), ["debt_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payment_reference"), ["reference"], unique=False)

    op.create_table(
        "promise_to_pay",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("debt_id", sa.String(length=64), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("made_at", recoup.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("made_by", sa.String(length=64), server_default="", nullable=False),
        sa.Column("status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("paid_minor", sa.BigInteger(), server_default="0", nullable=False),
        sa.CheckConstraint("amount_minor > 0", name=op.f("ck_promise_to_pay_amount_positive")),
        sa.ForeignKeyConstraint(
            ["debt_id"], ["debt.id"], name=op.f("fk_promise_to_pay_debt_id_debt")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promise_to_pay")),
    )
    with op.batch_alter_table("promise_to_pay", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_promise_to_pay_debt_id"), ["debt_id"], unique=False)

    op.create_table(
        "recording",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("uniqueid", sa.String(length=64), nullable=False),
        sa.Column("linkedid", sa.String(length=64), server_default="", nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=True),
        sa.Column("path", sa.String(length=400), nullable=False),
        sa.Column("started_at", recoup.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("duration_s", sa.Integer(), nullable=True),
        sa.Column("agent", sa.String(length=64), server_default="", nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["contact_attempt.id"],
            name=op.f("fk_recording_attempt_id_contact_attempt"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recording")),
        sa.UniqueConstraint("uniqueid", name=op.f("uq_recording_uniqueid")),
    )


def downgrade() -> None:

    op.drop_table("recording")
    with op.batch_alter_table("promise_to_pay", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_promise_to_pay_debt_id"))

    op.drop_table("promise_to_pay")
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_reference"))
        batch_op.drop_index(batch_op.f("ix_payment_debt_id"))
        batch_op.drop_index(batch_op.f("ix_payment_account_id"))

    op.drop_table("payment")
    with op.batch_alter_table("issue", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_issue_debt_id"))
        batch_op.drop_index(batch_op.f("ix_issue_bucket"))

    op.drop_table("issue")
    with op.batch_alter_table("contact_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_attempt_debtor_id"))
        batch_op.drop_index("ix_contact_attempt_debt_at")

    op.drop_table("contact_attempt")
    with op.batch_alter_table("campaign_lead", schema=None) as batch_op:
        batch_op.drop_index("ix_campaign_lead_pick")
        batch_op.drop_index("ix_campaign_lead_debt")

    op.drop_table("campaign_lead")
    with op.batch_alter_table("debt", schema=None) as batch_op:
        batch_op.drop_index("ix_debt_status_due")
        batch_op.drop_index(batch_op.f("ix_debt_account_id"))

    op.drop_table("debt")
    with op.batch_alter_table("phone", schema=None) as batch_op:
        batch_op.drop_index("ix_phone_number")

    op.drop_table("phone")
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_debtor_id"))

    op.drop_table("account")
    op.drop_table("script")
    op.drop_table("issue_bucket")
    op.drop_table("import_run")
    op.drop_table("disposition_code")
    op.drop_table("debtor")
    op.drop_table("campaign")
    op.drop_table("app_user")
