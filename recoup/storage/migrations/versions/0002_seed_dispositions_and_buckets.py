"""Seed the disposition codes and the default issue buckets.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# code, label, conversation (Reg F 1006.14(b)(2) counts it), final (takes the lead off the list)
DISPOSITIONS = [
    ("promise_to_pay", "Promise to pay", True, True),
    ("dispute", "Dispute: problem raised, goes to an issue bucket", True, True),
    ("callback", "Callback agreed", True, False),
    ("wrong_party", "Wrong party: number suppressed", False, False),
    ("refused", "Refused to pay", True, False),
    ("paid", "Says paid: check payments", True, True),
    ("left_message", "Left a message", False, False),
    ("no_answer", "No answer", False, False),
    ("busy", "Busy", False, False),
    ("machine", "Answering machine", False, False),
    ("abandoned", "Abandoned: no agent within 2 s", False, False),
    ("failed", "Could not be dialed", False, False),
]

BUCKETS = [
    ("sales", "A promise or a price the sales team gave"),
    ("service", "The service or goods were faulty or late"),
    ("accounts", "An invoice, credit note or payment in the accounts is wrong"),
    ("project", "A project milestone is disputed"),
    ("other", "Anything else the debtor raises"),
]


def upgrade() -> None:
    disposition = sa.table(
        "disposition_code",
        sa.column("code", sa.String),
        sa.column("label", sa.String),
        sa.column("conversation", sa.Boolean),
        sa.column("final", sa.Boolean),
    )
    op.bulk_insert(
        disposition,
        [
            {"code": c, "label": label, "conversation": conv, "final": final}
            for c, label, conv, final in DISPOSITIONS
        ],
    )
    bucket = sa.table(
        "issue_bucket",
        sa.column("name", sa.String),
        sa.column("owner", sa.String),
        sa.column("description", sa.String),
    )
    op.bulk_insert(bucket, [{"name": n, "owner": "", "description": d} for n, d in BUCKETS])


def downgrade() -> None:
    op.execute("DELETE FROM issue_bucket")
    op.execute("DELETE FROM disposition_code")
