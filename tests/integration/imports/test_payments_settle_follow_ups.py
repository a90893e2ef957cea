"""A payment file settles what was waiting on the debts it pays: nobody is reminded of a promise
already kept, and nobody is called back about a debt already paid off."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import insert, select

from recoup.imports.run import import_accounts, import_payments
from recoup.storage import tables as t
from tests.conftest import DatabaseUnderTest

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
HEADER = "payment_id,account_id,debt_id,amount,currency,paid_on\n"


async def sample_accounts(db: DatabaseUnderTest) -> None:
    report = await import_accounts(
        db.engine, EXAMPLES / "accounts.csv", now=NOW,
        default_region="US", default_timezone="America/New_York",
    )  # fmt: skip
    assert report.rejected == []


async def a_promise_with_its_follow_ups(
    db: DatabaseUnderTest, debt_id: str, amount_minor: int
) -> int:
    async with db.engine.begin() as c:
        promise_id = (
            await c.execute(
                insert(t.promise)
                .values(debt_id=debt_id, amount_minor=amount_minor, currency="USD",
                        due_on=date(2026, 11, 30), made_at=datetime(2026, 11, 10, tzinfo=UTC))
                .returning(t.promise.c.id)
            )
        ).scalar_one()  # fmt: skip
        for kind, due in (("promise_reminder", 28), ("promise_check", 30)):
            await c.execute(
                insert(t.follow_up).values(
                    kind=kind, debt_id=debt_id, promise_id=promise_id,
                    due_at=datetime(2026, 11, due, 15, tzinfo=UTC), created_at=NOW,
                )
            )  # fmt: skip
    return int(promise_id)


async def a_follow_up(db: DatabaseUnderTest, kind: str, debt_id: str) -> None:
    async with db.engine.begin() as c:
        await c.execute(
            insert(t.follow_up).values(
                kind=kind, debt_id=debt_id, due_at=datetime(2026, 11, 25, 15, tzinfo=UTC),
                created_at=NOW,
            )
        )  # fmt: skip


async def follow_ups(db: DatabaseUnderTest, debt_id: str) -> dict[str, str]:
    async with db.engine.connect() as c:
        rows = await c.execute(
            select(t.follow_up.c.kind, t.follow_up.c.status).where(t.follow_up.c.debt_id == debt_id)
        )
        return {str(kind): str(status) for kind, status in rows}


async def test_a_promise_kept_by_an_imported_payment_gets_no_reminder_call(
    database: DatabaseUnderTest, tmp_path: Path
) -> None:
    await sample_accounts(database)  # INV-1002-1 owes 1,290.00
    await a_promise_with_its_follow_ups(database, "INV-1002-1", 20000)
    path = tmp_path / "p.csv"
    path.write_text(HEADER + "P1,ACC-1002,INV-1002-1,200.00,USD,2026-11-18\n")
    report = await import_payments(database.engine, path, now=NOW)
    assert report.taken == 1
    async with database.engine.connect() as c:
        status = (await c.execute(select(t.promise.c.status))).scalar_one()
    assert status == "kept"
    assert await follow_ups(database, "INV-1002-1") == {
        "promise_reminder": "void",
        "promise_check": "void",
    }


async def test_a_partly_kept_promise_keeps_its_reminder_and_check(
    database: DatabaseUnderTest, tmp_path: Path
) -> None:
    await sample_accounts(database)
    await a_promise_with_its_follow_ups(database, "INV-1002-1", 20000)
    path = tmp_path / "p.csv"
    path.write_text(HEADER + "P1,ACC-1002,INV-1002-1,50.00,USD,2026-11-18\n")
    await import_payments(database.engine, path, now=NOW)
    assert await follow_ups(database, "INV-1002-1") == {
        "promise_reminder": "pending",
        "promise_check": "pending",
    }


async def test_nobody_is_called_back_about_a_debt_the_payments_file_paid_off(
    database: DatabaseUnderTest, tmp_path: Path
) -> None:
    await sample_accounts(database)  # INV-1003-1 owes 96.40, INV-1002-1 1,290.00
    await a_follow_up(database, "callback", "INV-1003-1")
    await a_follow_up(database, "payment_check", "INV-1003-1")
    await a_follow_up(database, "callback", "INV-1002-1")
    path = tmp_path / "p.csv"
    path.write_text(
        HEADER
        + "P1,ACC-1003,INV-1003-1,96.40,USD,2026-11-18\n"
        + "P2,ACC-1002,INV-1002-1,10.00,USD,2026-11-18\n"
    )
    report = await import_payments(database.engine, path, now=NOW)
    assert report.taken == 2
    assert await follow_ups(database, "INV-1003-1") == {
        "callback": "void",  # paid off: nothing left to call about
        "payment_check": "done",  # the payment the debtor spoke of has come in
    }
    assert await follow_ups(database, "INV-1002-1") == {"callback": "pending"}  # still owes
