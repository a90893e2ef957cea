"""A creditor's file that says a known debtor asked not to be called, or to hear from us no more
(FDCPA 1692c), is obeyed: the new debt is taken and the debtor is never dialed again. A file
never lifts such a request."""

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
    "account_id,debt_id,first_name,last_name,phone,original_balance,currency,due_date,"
    "city,region,country,do_not_call,cease_communication\n"
)
ANN = "Ann,Lee,(212) 555-0142,100.00,USD,2026-10-01,New York,NY,US"


async def accounts_from(
    db: DatabaseUnderTest, tmp_path: Path, name: str, rows: str
) -> ImportReport:
    path = tmp_path / name
    path.write_text(HEADER + rows)
    return await import_accounts(
        db.engine, path, now=NOW, default_region="US", default_timezone="America/New_York"
    )


async def restrictions_of(db: DatabaseUnderTest, debtor_id: str) -> tuple[bool, bool]:
    async with db.engine.connect() as c:
        row = (
            await c.execute(
                select(t.debtor.c.do_not_call, t.debtor.c.cease_communication).where(
                    t.debtor.c.id == debtor_id
                )
            )
        ).one()
    return bool(row[0]), bool(row[1])


async def test_a_cease_request_in_a_later_file_stops_calls_to_a_known_debtor(
    database: DatabaseUnderTest, tmp_path: Path
) -> None:
    first = await accounts_from(database, tmp_path, "october.csv", f"A1,D1,{ANN},no,no\n")
    assert first.taken == 1
    later = await accounts_from(database, tmp_path, "november.csv", f"A1,D2,{ANN},no,yes\n")
    assert (later.taken, later.rejected) == (1, [])
    assert await restrictions_of(database, "A1") == (False, True)


async def test_a_do_not_call_on_a_later_line_of_the_same_file_is_obeyed(
    database: DatabaseUnderTest, tmp_path: Path
) -> None:
    report = await accounts_from(
        database, tmp_path, "a.csv", f"A1,D1,{ANN},no,no\nA1,D2,{ANN},yes,no\n"
    )
    assert (report.taken, report.rejected) == (2, [])
    assert await restrictions_of(database, "A1") == (True, False)


async def test_a_later_file_never_lifts_a_do_not_call(
    database: DatabaseUnderTest, tmp_path: Path
) -> None:
    await accounts_from(database, tmp_path, "october.csv", f"A1,D1,{ANN},yes,no\n")
    later = await accounts_from(database, tmp_path, "november.csv", f"A1,D2,{ANN},no,no\n")
    assert later.taken == 0
    assert "debtor A1 given before with other details" in later.rejected[0].reason
    assert await restrictions_of(database, "A1") == (True, False)
