"""Importing the creditor's files, on SQLite and on the real PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from recoup.imports.csv_file import ImportFileError
from recoup.imports.run import import_accounts, import_payments
from recoup.storage import tables as t
from tests.conftest import DatabaseUnderTest

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
HEADER = (
    "account_id,debt_id,first_name,last_name,phone,original_balance,currency,due_date,"
    "region,country\n"
)


async def accounts_from(db: DatabaseUnderTest, path: Path, **kwargs: object):  # type: ignore[no-untyped-def]
    return await import_accounts(
        db.engine,
        path,
        now=NOW,
        default_region="US",
        default_timezone="America/New_York",
        **kwargs,  # type: ignore[arg-type]
    )


async def count(db: DatabaseUnderTest, table: t.Table) -> int:  # type: ignore[name-defined]
    async with db.engine.connect() as c:
        return int((await c.execute(select(func.count()).select_from(table))).scalar_one())


def write(tmp_path: Path, body: str, name: str = "accounts.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(body.encode(encoding))
    return path


async def test_sample_accounts_file_imports_every_row(database: DatabaseUnderTest) -> None:
    report = await accounts_from(database, EXAMPLES / "accounts.csv")
    assert report.rejected == []
    assert report.taken == 16
    assert report.exit_code == 0
    assert await count(database, t.debtor) == 12
    assert await count(database, t.account) == 12
    assert await count(database, t.debt) == 16
    async with database.engine.connect() as c:
        rows = dict((await c.execute(select(t.debtor.c.id, t.debtor.c.timezone))).all())
        phones = (
            (await c.execute(select(t.phone.c.number).where(t.phone.c.debtor_id == "ACC-1004")))
            .scalars()
            .all()
        )
    assert rows["ACC-1001"] == "America/New_York"
    assert rows["ACC-1006"] == "America/Denver"  # El Paso keeps mountain time
    assert rows["ACC-1010"] == "Europe/London"
    assert rows["ACC-1011"] == "Pacific/Honolulu"
    assert sorted(phones) == ["+14155550133", "+14155550177"]


async def test_payments_lower_balances_pay_off_debts_and_leave_the_dialing_lists(
    database: DatabaseUnderTest,
) -> None:
    await accounts_from(database, EXAMPLES / "accounts.csv")
    async with database.engine.begin() as c:
        await c.execute(
            insert(t.campaign).values(id="c1", name="Early stage", config={}, created_at=NOW)
        )
        await c.execute(
            insert(t.campaign_lead),
            [
                {"campaign_id": "c1", "debt_id": d}
                for d in ("INV-1001-1", "INV-1002-1", "INV-1009-1", "INV-1009-2", "INV-1012-1")
            ],
        )
        await c.execute(
            insert(t.promise).values(
                debt_id="INV-1005-1",
                amount_minor=10000,
                currency="USD",
                due_on=date(2026, 11, 30),
                made_at=datetime(2026, 11, 3, tzinfo=UTC),
            )
        )
    report = await import_payments(database.engine, EXAMPLES / "payments.csv", now=NOW)
    assert report.rejected == []
    assert report.taken == 7
    async with database.engine.connect() as c:
        debts = {r.id: r for r in (await c.execute(select(t.debt))).all()}
        leads = dict(
            (await c.execute(select(t.campaign_lead.c.debt_id, t.campaign_lead.c.status))).all()
        )
        promise = (await c.execute(select(t.promise))).one()
    assert debts["INV-1001-1"].balance_minor == 0
    assert debts["INV-1001-1"].status == "paid"
    assert debts["INV-1001-2"].balance_minor == 21550  # a payment naming a debt pays only it
    assert debts["INV-1002-1"].balance_minor == 89000
    assert debts["INV-1009-1"].status == "paid"  # the account paid oldest first, both in full
    assert debts["INV-1009-2"].status == "paid"
    assert debts["INV-1005-1"].balance_minor == 21299
    assert leads == {
        "INV-1001-1": "removed",
        "INV-1009-1": "removed",
        "INV-1009-2": "removed",
        "INV-1002-1": "ready",
        "INV-1012-1": "ready",
    }
    assert (promise.status, promise.paid_minor) == ("kept", 10000)


async def test_a_partial_payment_makes_the_promise_partial(
    database: DatabaseUnderTest, tmp_path: Path
) -> None:
    await accounts_from(database, EXAMPLES / "accounts.csv")
    async with database.engine.begin() as c:
        await c.execute(
            insert(t.promise).values(
                debt_id="INV-1003-1",
                amount_minor=9640,
                currency="USD",
                due_on=date(2026, 11, 30),
                made_at=datetime(2026, 11, 1, tzinfo=UTC),
            )
        )
    path = write(
        tmp_path,
        "payment_id,account_id,amount,currency,paid_on\nP1,ACC-1003,40.00,USD,2026-11-18\n",
        "p.csv",
    )
    report = await import_payments(database.engine, path, now=NOW)
    assert report.taken == 1
    async with database.engine.connect() as c:
        promise = (await c.execute(select(t.promise))).one()
    assert (promise.status, promise.paid_minor) == ("partial", 4000)


async def test_one_bad_phone_is_reported_and_the_good_row_is_written(
    database: DatabaseUnderTest, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        HEADER
        + "A1,D1,Ann,Lee,(212) 555-0142,100.00,USD,2026-10-01,NY,US\n"
        + "A2,D2,Bob,Ray,12345,100.00,USD,2026-10-01,NY,US\n",
    )
    report = await accounts_from(database, path)
    assert report.taken == 1
    assert [(e.line, e.key) for e in report.rejected] == [(3, "D2")]
    assert "phone '12345'" in report.rejected[0].reason
    assert report.exit_code == 2
    assert await count(database, t.debt) == 1


async def test_a_name_in_latin1_rejects_only_its_own_row(
    database: DatabaseUnderTest, tmp_path: Path
) -> None:
    body = (
        HEADER
        + "A1,D1,Ann,Lee,(212) 555-0142,100.00,USD,2026-10-01,NY,US\n"
        + "A2,D2,José,Núñez,(212) 555-0143,100.00,USD,2026-10-01,NY,US\n"
    )
    report = await accounts_from(database, write(tmp_path, body, encoding="latin-1"))
    assert report.taken == 1
    assert report.rejected[0].line == 3
    assert "not UTF-8" in report.rejected[0].reason
    report2 = await accounts_from(
        database,
        write(tmp_path, body.replace("A1,D1", "A3,D3"), "l1.csv", "latin-1"),
        encoding="latin-1",
    )
    assert report2.rejected == []
    async with database.engine.connect() as c:
        name = (
            await c.execute(select(t.debtor.c.first_name).where(t.debtor.c.id == "A2"))
        ).scalar_one()
    assert name == "José"


async def test_a_file_missing_required_columns_is_refused_whole(
    database: DatabaseUnderTest, tmp_path: Path
) -> None:
    path = write(tmp_path, "account_id,debt_id,first_name\nA1,D1,Ann\n")
    with pytest.raises(ImportFileError, match="lacks the column"):
        await accounts_from(database, path)
    assert await count(database, t.debtor) == 0


async def test_an_empty_file_is_refused(database: DatabaseUnderTest, tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="is empty"):
        await accounts_from(database, write(tmp_path, ""))


async def test_negative_amounts_and_bad_dates_are_rejected(
    database: DatabaseUnderTest, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        HEADER
        + "A1,D1,Ann,Lee,(212) 555-0142,-100.00,USD,2026-10-01,NY,US\n"
        + "A2,D2,Bob,Ray,(212) 555-0143,100.00,USD,01/10/2026,NY,US\n"
        + "A3,D3,Cy,Ode,(212) 555-0144,100.001,USD,2026-10-01,NY,US\n"
        + "A4,D4,Di,Fox,(212) 555-0145,100.00,XYZ,2026-10-01,NY,US\n",
    )
    report = await accounts_from(database, path)
    reasons = {e.line: e.reason for e in report.rejected}
    assert report.taken == 0
    assert "negative" in reasons[2]
    assert "not a date" in reasons[3]
    assert "more than 2 decimals" in reasons[4]
    assert "unknown currency" in reasons[5]
    assert await count(database, t.debtor) == 0


async def test_duplicate_ids_in_the_file_and_in_the_database_are_rejected(
    database: DatabaseUnderTest, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        HEADER
        + "A1,D1,Ann,Lee,(212) 555-0142,100.00,USD,2026-10-01,NY,US\n"
        + "A1,D1,Ann,Lee,(212) 555-0142,100.00,USD,2026-10-01,NY,US\n"
        + "A1,D2,Annie,Leigh,(212) 555-0142,50.00,USD,2026-10-01,NY,US\n",
    )
    report = await accounts_from(database, path)
    assert report.taken == 1
    reasons = {e.line: e.reason for e in report.rejected}
    assert "duplicate debt_id (also on line 2)" in reasons[3]
    assert "given before with another" in reasons[4] or "other details" in reasons[4]
    again = await accounts_from(database, path)
    assert again.taken == 0
    assert "already imported" in {e.line: e.reason for e in again.rejected}[2]
    assert await count(database, t.debt) == 1


async def test_dry_run_checks_every_row_and_writes_nothing(database: DatabaseUnderTest) -> None:
    report = await accounts_from(database, EXAMPLES / "accounts.csv", dry_run=True)
    assert report.taken == 16
    assert not report.written
    assert await count(database, t.debtor) == 0


async def test_a_failure_while_writing_leaves_no_half_written_rows(
    database: DatabaseUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    from recoup.imports import accounts

    original = accounts.write_accounts

    async def crash_after_debtors(connection, plan):  # type: ignore[no-untyped-def]
        await connection.execute(insert(t.debtor), list(plan.debtors.values()))
        raise RuntimeError("disk full")

    monkeypatch.setattr(accounts, "write_accounts", crash_after_debtors)
    with pytest.raises(RuntimeError, match="disk full"):
        await accounts_from(database, EXAMPLES / "accounts.csv")
    assert await count(database, t.debtor) == 0
    monkeypatch.setattr(accounts, "write_accounts", original)


async def test_payments_that_cannot_be_posted_are_rejected_with_reasons(
    database: DatabaseUnderTest, tmp_path: Path
) -> None:
    await accounts_from(database, EXAMPLES / "accounts.csv")
    path = write(
        tmp_path,
        "payment_id,account_id,debt_id,amount,currency,paid_on\n"
        "P1,ACC-1003,,96.40,USD,2026-11-01\n"
        "P1,ACC-1003,,1.00,USD,2026-11-01\n"
        "P2,ACC-9999,,1.00,USD,2026-11-01\n"
        "P3,ACC-1002,,99999.00,USD,2026-11-01\n"
        "P4,ACC-1002,,-5.00,USD,2026-11-01\n"
        "P5,ACC-1002,,5.00,EUR,2026-11-01\n"
        "P6,ACC-1002,,5.00,USD,2027-01-01\n"
        "P7,ACC-1002,INV-1001-1,5.00,USD,2026-11-01\n",
        "payments.csv",
    )
    report = await import_payments(database.engine, path, now=NOW)
    reasons = {e.line: e.reason for e in report.rejected}
    assert report.taken == 1
    assert "duplicate payment_id" in reasons[3]
    assert "not known" in reasons[4]
    assert "exceeds" in reasons[5]
    assert "positive" in reasons[6]
    assert "EUR" in reasons[7]
    assert "future" in reasons[8]
    assert "not on this account" in reasons[9]
    again = await import_payments(database.engine, path, now=NOW)
    assert "already posted" in {e.line: e.reason for e in again.rejected}[2]
