"""The schema, as SQLAlchemy Core tables. Change it only together with a migration.

Amounts are integer minor units (``*_minor``) beside a currency. External keys that come from
the creditor's files (debtor, account, debt, payment ids) are the primary keys of their tables,
so that an import is idempotent to check and a payment file can name what it pays.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from recoup.storage.types import UtcDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

debtor = Table(
    "debtor",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("first_name", String(120), nullable=False),
    Column("last_name", String(120), nullable=False),
    Column("email", String(254), nullable=False, server_default=""),
    Column("address_line1", String(200), nullable=False, server_default=""),
    Column("city", String(120), nullable=False, server_default=""),
    Column("region", String(120), nullable=False, server_default=""),
    Column("postal_code", String(20), nullable=False, server_default=""),
    Column("country", String(2), nullable=False, server_default=""),
    Column("timezone", String(64), nullable=False),
    Column("timezone_source", String(16), nullable=False),
    Column("timezone_candidates", Text, nullable=False, server_default=""),  # comma-separated
    Column("language", String(16), nullable=False, server_default="en"),
    Column("do_not_call", Boolean, nullable=False, server_default="0"),
    Column("cease_communication", Boolean, nullable=False, server_default="0"),
    Column("all_party_consent", Boolean, nullable=False, server_default="0"),
    Column("created_at", UtcDateTime, nullable=False),
)

phone = Table(
    "phone",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("debtor_id", String(64), ForeignKey("debtor.id", ondelete="CASCADE"), nullable=False),
    Column("number", String(20), nullable=False),  # E.164
    Column("rank", Integer, nullable=False, server_default="0"),  # 0 = primary
    Column("suppressed", Boolean, nullable=False, server_default="0"),  # wrong party, DNC
    Column("suppressed_reason", String(200), nullable=False, server_default=""),
    UniqueConstraint("debtor_id", "number", name="uq_phone_debtor_number"),
)
Index("ix_phone_number", phone.c.number)

account = Table(
    "account",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("debtor_id", String(64), ForeignKey("debtor.id"), nullable=False, index=True),
    Column("segment", String(64), nullable=False, server_default=""),
    Column("created_at", UtcDateTime, nullable=False),
)

debt = Table(
    "debt",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("account_id", String(64), ForeignKey("account.id"), nullable=False, index=True),
    Column("original_minor", BigInteger, nullable=False),
    Column("balance_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("due_date", Date, nullable=False),
    Column("status", String(16), nullable=False, server_default="open"),
    Column("paid_on", Date, nullable=True),
    Column("import_file", String(260), nullable=False, server_default=""),
    CheckConstraint("original_minor >= 0", name="original_not_negative"),
    CheckConstraint("balance_minor >= 0", name="balance_not_negative"),
)
Index("ix_debt_status_due", debt.c.status, debt.c.due_date)

payment = Table(
    "payment",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("reference", String(64), nullable=False, index=True),  # the file's payment_id
    Column("account_id", String(64), ForeignKey("account.id"), nullable=False, index=True),
    Column("debt_id", String(64), ForeignKey("debt.id"), nullable=False, index=True),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("paid_on", Date, nullable=False),
    Column("method", String(32), nullable=False, server_default=""),
    Column("source_file", String(260), nullable=False, server_default=""),
    Column("posted_at", UtcDateTime, nullable=False),
    CheckConstraint("amount_minor > 0", name="amount_positive"),
    UniqueConstraint("reference", "debt_id", name="uq_payment_reference_debt"),
)

promise = Table(
    "promise_to_pay",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("debt_id", String(64), ForeignKey("debt.id"), nullable=False, index=True),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("due_on", Date, nullable=False),
    Column("made_at", UtcDateTime, nullable=False),
    Column("made_by", String(64), nullable=False, server_default=""),
    Column("status", String(16), nullable=False, server_default="pending"),
    Column("paid_minor", BigInteger, nullable=False, server_default="0"),
    CheckConstraint("amount_minor > 0", name="amount_positive"),
)

contact_attempt = Table(
    "contact_attempt",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("debtor_id", String(64), ForeignKey("debtor.id"), nullable=False, index=True),
    Column("debt_id", String(64), ForeignKey("debt.id"), nullable=False),
    Column("campaign_id", String(64), nullable=False, server_default=""),
    Column("channel", String(8), nullable=False),
    Column("phone", String(20), nullable=False, server_default=""),
    Column("at", UtcDateTime, nullable=False),
    Column("closed_at", UtcDateTime, nullable=True),
    Column("outcome", String(32), nullable=True),
    Column("conversation", Boolean, nullable=False, server_default="0"),
    Column("agent", String(64), nullable=False, server_default=""),
    Column("pbx_channel_id", String(64), nullable=True, unique=True),  # Originate ChannelId
    Column("detail", JSON, nullable=True),
    # Calls only: what Asterisk reported, for the abandon meter and the compliance audit.
    Column("uniqueid", String(64), nullable=True),
    Column("linkedid", String(64), nullable=True),
    Column("answered_at", UtcDateTime, nullable=True),  # live or machine answer
    Column("live_answer", Boolean, nullable=True),  # a person answered (AMD human / no AMD)
    Column("amd_status", String(16), nullable=True),
    Column("abandoned", Boolean, nullable=False, server_default="0"),
    Column("connected_at", UtcDateTime, nullable=True),  # bridged to an agent
    Column("hangup_cause", Integer, nullable=True),
)
Index("ix_contact_attempt_campaign_at", contact_attempt.c.campaign_id, contact_attempt.c.at)
Index("ix_contact_attempt_debt_at", contact_attempt.c.debt_id, contact_attempt.c.at)

disposition_code = Table(
    "disposition_code",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("label", String(120), nullable=False),
    Column("conversation", Boolean, nullable=False),
    Column("final", Boolean, nullable=False),  # takes the lead off the list
)

issue_bucket = Table(
    "issue_bucket",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("owner", String(64), nullable=False, server_default=""),
    Column("description", String(400), nullable=False, server_default=""),
)

issue = Table(
    "issue",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("bucket", String(64), ForeignKey("issue_bucket.name"), nullable=False, index=True),
    Column("debt_id", String(64), ForeignKey("debt.id"), nullable=False, index=True),
    Column("description", Text, nullable=False),
    Column("owner", String(64), nullable=False, server_default=""),
    Column("status", String(16), nullable=False, server_default="open"),
    Column("resolution", Text, nullable=False, server_default=""),
    Column("opened_at", UtcDateTime, nullable=False),
    Column("resolved_at", UtcDateTime, nullable=True),
)

campaign = Table(
    "campaign",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("dial_mode", String(16), nullable=False, server_default="predictive"),
    Column("abandon_target", Integer, nullable=False, server_default="300"),  # basis points
    Column("active", Boolean, nullable=False, server_default="0"),
    Column("config", JSON, nullable=False),  # selection, order, window, AMD, retries, scripts
    Column("created_at", UtcDateTime, nullable=False),
)

campaign_lead = Table(
    "campaign_lead",
    metadata,
    Column("campaign_id", String(64), ForeignKey("campaign.id"), primary_key=True),
    Column("debt_id", String(64), ForeignKey("debt.id"), primary_key=True),
    Column("status", String(16), nullable=False, server_default="ready"),
    Column("priority", BigInteger, nullable=False, server_default="0"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_at", UtcDateTime, nullable=True),
    Column("claimed_by", String(64), nullable=True),
    Column("claimed_at", UtcDateTime, nullable=True),
    Column("removed_reason", String(200), nullable=False, server_default=""),
)
Index("ix_campaign_lead_pick", campaign_lead.c.campaign_id, campaign_lead.c.status,
      campaign_lead.c.priority)  # fmt: skip
Index("ix_campaign_lead_debt", campaign_lead.c.debt_id)

app_user = Table(
    "app_user",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("display_name", String(120), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("roles", String(64), nullable=False),  # comma-separated Role values
    Column("extension", String(32), nullable=False, server_default=""),
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("created_at", UtcDateTime, nullable=False),
)

script = Table(
    "script",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("title", String(200), nullable=False),
    Column("profile", String(32), nullable=False, server_default=""),
    Column("language", String(16), nullable=False, server_default="en"),
    Column("body", Text, nullable=False),  # a Jinja template over the debtor's data
)

recording = Table(
    "recording",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("uniqueid", String(64), nullable=False, unique=True),
    Column("linkedid", String(64), nullable=False, server_default=""),
    Column("attempt_id", Integer, ForeignKey("contact_attempt.id"), nullable=True),
    Column("path", String(400), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("duration_s", Integer, nullable=True),
    Column("agent", String(64), nullable=False, server_default=""),
    Column("size_bytes", BigInteger, nullable=True),
)

import_run = Table(
    "import_run",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),  # accounts | payments
    Column("file_name", String(260), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("rows_total", Integer, nullable=False),
    Column("rows_taken", Integer, nullable=False),
    Column("rows_rejected", Integer, nullable=False),
    Column("at", UtcDateTime, nullable=False),
)


follow_up = Table(
    "follow_up",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # callback | promise_reminder | promise_check | issue_resolved_call
    Column("kind", String(32), nullable=False),
    Column("debt_id", String(64), ForeignKey("debt.id"), nullable=False, index=True),
    Column("due_at", UtcDateTime, nullable=False),
    Column("status", String(16), nullable=False, server_default="pending"),  # pending|done|void
    Column("agent", String(64), nullable=False, server_default=""),  # who asked for it
    Column("promise_id", Integer, ForeignKey("promise_to_pay.id"), nullable=True),
    Column("issue_id", Integer, ForeignKey("issue.id"), nullable=True),
    Column("note", Text, nullable=False, server_default=""),
    Column("created_at", UtcDateTime, nullable=False),
)
Index("ix_follow_up_due", follow_up.c.status, follow_up.c.due_at)

dial_refusal = Table(
    "dial_refusal",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("campaign_id", String(64), nullable=False),
    Column("debt_id", String(64), ForeignKey("debt.id"), nullable=False, index=True),
    Column("at", UtcDateTime, nullable=False),
    Column("rule", String(32), nullable=False),  # calling_window | contact_cap | do_not_call ...
    Column("reason", String(400), nullable=False),
    Column("next_allowed_at", UtcDateTime, nullable=True),
)
Index("ix_dial_refusal_campaign_at", dial_refusal.c.campaign_id, dial_refusal.c.at)

script_rule = Table(
    "script_rule",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("priority", Integer, nullable=False, server_default="100"),  # lower wins
    Column("campaign_id", String(64), nullable=False, server_default=""),  # "" = any
    Column("profile", String(32), nullable=False, server_default=""),
    Column("segment", String(64), nullable=False, server_default=""),
    Column("language", String(16), nullable=False, server_default=""),
    Column("script_id", String(64), ForeignKey("script.id"), nullable=False),
)

agent_state_change = Table(
    "agent_state_change",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False),
    Column("campaign_id", String(64), nullable=False, server_default=""),
    Column("state", String(16), nullable=False),
    Column("reason", String(120), nullable=False, server_default=""),
    Column("at", UtcDateTime, nullable=False),
)
Index("ix_agent_state_change_user_at", agent_state_change.c.username, agent_state_change.c.at)
