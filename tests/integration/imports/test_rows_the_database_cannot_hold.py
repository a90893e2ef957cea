"""A value the database cannot hold (too long for its column, a NUL character) rejects its own
row, named by line and column, on SQLite and PostgreSQL alike: the other rows are written."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from recoup.imports.report import ImportReport
from recoup.imports.run import import_accounts, import_payments
from recoup.storage import tables as t
from tests.conftest import DatabaseUnderTest

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
HEADER = (
    "account_id,debt_id,first_name,last_name,phone,original_balance,currency,due_date,"
    "city,postal_code,segment,country\n"
)
GOOD = "A1,D1,Ann,Lee,(212) 555-0142,100.00,USD,2026-10-01,New York,10001,retail,US\n"


async def accounts_from(db: DatabaseUnderTest, tmp_path: Path, body: str) -> ImportReport:
    path = tmp_path / "accounts.csv"
    path.write_bytes(body.encode("utf-8"))
    return await import_accounts(
        db.engine, path, now=NOW, default_region="US", default_timezone="America/New_York"
    )


async def stored_debts(db: DatabaseUnderTest) -> list[str]:
    async with db.engine.connect() as c:
        return sorted((await c.execute(select(t.debt.c.id))).scalars())


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ("A2,D2,{long},Ray,(212) 555-0143,1.00,USD,2026-10-01,New York,10001,retail,US\n",
         "first_name"),
        ("A2,D2,Bob,Ray,(212) 555-0143,1.00,USD,2026-10-01,{long},10001,retail,US\n", "city"),
        ("A2,D2,Bob,Ray,(212) 555-0143,1.00,USD,2026-10-01,New York,{long},retail,US\n",
         "postal_code"),
        ("A2,D2,Bob,Ray,(212) 555-0143,1.00,USD,2026-10-01,New York,10001,{long},US\n",
         "segment"),
    ],
)  # fmt: skip
async def test_a_value_too_long_for_the_record_rejects_only_its_row(
    database: DatabaseUnderTest, tmp_path: Path, row: str, column: str
) -> None:
    report = await accounts_from(database, tmp_path, HEADER + GOOD + row.format(long="x" * 300))
    assert report.taken == 1
    assert [(e.line, e.key) for e in report.rejected] == [(3, "D2")]
    assert column in report.rejected[0].reason
    assert "at most" in report.rejected[0].reason
    assert report.written
    assert await stored_debts(database) == ["D1"]


async def test_a_nul_character_in_a_name_rejects_only_its_row(
    database: DatabaseUnderTest, tmp_path: Path
) -> None:
    bad = "A2,D2,Bo\x00b,Ray,(212) 555-0143,1.00,USD,2026-10-01,New York,10001,retail,US\n"
    report = await accounts_from(database, tmp_path, HEADER + GOOD + bad)
    assert report.taken == 1
    assert [e.line for e in report.rejected] == [3]
    assert "first_name" in report.rejected[0].reason
    assert "NUL" in report.rejected[0].reason
    assert await stored_debts(database) == ["D1"]


async def test_a_nul_character_in_a_payment_method_rejects_only_its_row(
    database: DatabaseUnderTest, tmp_path: Path
) -> None:
    await accounts_from(database, tmp_path, HEADER + GOOD)
    path = tmp_path / "payments.csv"
    path.write_text(
        "payment_id,account_id,amount,currency,paid_on,method\n"
        "P1,A1,10.00,USD,2026-11-18,card\n"
        "P2,A1,10.00,USD,2026-11-18,ca\x00rd\n"
    )
    report = await import_payments(database.engine, path, now=NOW)
    assert report.taken == 1
    assert [e.line for e in report.rejected] == [3]
    assert "method" in report.rejected[0].reason
    async with database.engine.connect() as c:
        balance = (await c.execute(select(t.debt.c.balance_minor))).scalar_one()
    assert balance == 9000


async def test_a_debtor_known_only_by_a_toll_free_number_keeps_every_zone_it_may_be_in(
    database: DatabaseUnderTest, tmp_path: Path
) -> None:
    # No address, and an 800 number that names only the country: every US zone is a candidate
    # (42 of them, 727 characters), and the calling hours must hold in all.
    toll_free = "A2,D2,Tom,Free,+18005550199,100.00,USD,2026-10-01,,,retail,US\n"
    report = await accounts_from(database, tmp_path, HEADER + GOOD + toll_free)
    assert report.rejected == []
    async with database.engine.connect() as c:
        stored = (
            await c.execute(select(t.debtor.c.timezone_candidates).where(t.debtor.c.id == "A2"))
        ).scalar_one()
    zones = stored.split(",")
    assert {"America/New_York", "America/Chicago", "America/Los_Angeles"} <= set(zones)
    assert "Pacific/Honolulu" in zones
    assert len(stored) > 400
