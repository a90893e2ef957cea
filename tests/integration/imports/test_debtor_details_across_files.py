"""A debtor placed again in a later file must be the same debtor: a new debt with a phone number
the stored debtor does not have is reported, not taken while its number is silently dropped."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from recoup.imports.report import ImportReport
from recoup.imports.run import import_accounts
from recoup.storage import tables as t
from tests.conftest import DatabaseUnderTest

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
HEADER = (
    "account_id,debt_id,first_name,last_name,phone,phone2,original_balance,currency,due_date,"
    "city,region,country\n"
)


async def accounts_from(
    db: DatabaseUnderTest, tmp_path: Path, name: str, rows: str
) -> ImportReport:
    path = tmp_path / name
    path.write_text(HEADER + rows)
    return await import_accounts(
        db.engine, path, now=NOW, default_region="US", default_timezone="America/New_York"
    )


async def phones_of(db: DatabaseUnderTest, debtor_id: str) -> list[str]:
    async with db.engine.connect() as c:
        rows = await c.execute(
            select(t.phone.c.number).where(t.phone.c.debtor_id == debtor_id).order_by("rank")
        )
        return list(rows.scalars())


async def test_a_new_debt_with_another_phone_for_a_stored_debtor_is_reported(
    database: DatabaseUnderTest, tmp_path: Path
) -> None:
    first = await accounts_from(
        database, tmp_path, "october.csv",
        "A1,D1,Ann,Lee,(212) 555-0142,,100.00,USD,2026-10-01,New York,NY,US\n",
    )  # fmt: skip
    assert first.taken == 1
    later = await accounts_from(
        database, tmp_path, "november.csv",
        "A1,D2,Ann,Lee,(212) 555-0199,,50.00,USD,2026-11-01,New York,NY,US\n"
        "A1,D3,Ann,Lee,(212) 555-0142,(212) 555-0150,50.00,USD,2026-11-01,New York,NY,US\n"
        "A1,D4,Ann,Lee,(212) 555-0142,,75.00,USD,2026-11-01,New York,NY,US\n",
    )  # fmt: skip
    assert later.taken == 1  # D4: the same debtor, the same number
    assert [(e.line, e.key) for e in later.rejected] == [(2, "D2"), (3, "D3")]
    assert all("debtor A1 given before with other details" in e.reason for e in later.rejected)
    assert await phones_of(database, "A1") == ["+12125550142"]
