"""Two imports at the same moment (two processes, or two managers): each waits for the other.

The second import must see what the first wrote: the same payments file twice is reported as
already posted, two files paying the same debt never post more than it owes, and nothing is
posted twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from recoup.imports import accounts, payments
from recoup.imports.report import ImportReport
from recoup.imports.run import import_accounts, import_payments
from recoup.storage import tables as t
from tests.conftest import DatabaseUnderTest

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def both_plan_before_either_writes(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> None:
    """Make the race certain: each import, once planned, waits (a second at most) for the
    other to have planned too before it writes."""
    original: Callable[..., Awaitable[Any]] = getattr(module, name)
    planned = 0
    both = asyncio.Event()

    async def plan_then_wait(*args: Any, **kwargs: Any) -> Any:
        nonlocal planned
        plan = await original(*args, **kwargs)
        planned += 1
        if planned >= 2:
            both.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(both.wait(), 1.0)
        return plan

    monkeypatch.setattr(module, name, plan_then_wait)


async def scalar(db: DatabaseUnderTest, query: Any) -> Any:
    async with db.engine.connect() as c:
        return (await c.execute(query)).scalar_one()


async def sample_accounts(db: DatabaseUnderTest) -> None:
    report = await import_accounts(
        db.engine, EXAMPLES / "accounts.csv", now=NOW,
        default_region="US", default_timezone="America/New_York",
    )  # fmt: skip
    assert report.rejected == []


async def test_the_same_payments_file_imported_twice_at_once_is_posted_once(
    database: DatabaseUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    await sample_accounts(database)
    both_plan_before_either_writes(monkeypatch, payments, "plan_payments")
    first, second = await asyncio.gather(
        import_payments(database.engine, EXAMPLES / "payments.csv", now=NOW),
        import_payments(database.engine, EXAMPLES / "payments.csv", now=NOW),
    )
    posted, again = sorted((first, second), key=lambda r: -r.taken)
    assert (posted.taken, posted.rejected) == (7, [])
    assert again.taken == 0
    assert {e.reason for e in again.rejected} == {"payment_id was already posted"}
    assert await scalar(database, select(func.count()).select_from(t.payment)) == 8
    assert (
        await scalar(database, select(t.debt.c.balance_minor).where(t.debt.c.id == "INV-1002-1"))
        == 89000
    )


async def test_two_files_paying_the_same_debt_at_once_never_post_more_than_it_owes(
    database: DatabaseUnderTest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    await sample_accounts(database)  # INV-1003-1 owes 96.40
    header = "payment_id,account_id,debt_id,amount,currency,paid_on\n"
    card = tmp_path / "card.csv"
    card.write_text(header + "CARD-1,ACC-1003,INV-1003-1,60.00,USD,2026-11-18\n")
    bank = tmp_path / "bank.csv"
    bank.write_text(header + "BANK-1,ACC-1003,INV-1003-1,60.00,USD,2026-11-18\n")
    both_plan_before_either_writes(monkeypatch, payments, "plan_payments")
    reports: list[ImportReport] = list(
        await asyncio.gather(
            import_payments(database.engine, card, now=NOW),
            import_payments(database.engine, bank, now=NOW),
        )
    )
    assert sorted(r.taken for r in reports) == [0, 1]
    refused = next(r for r in reports if r.taken == 0)
    assert "exceeds" in refused.rejected[0].reason
    posted = await scalar(database, select(func.sum(t.payment.c.amount_minor)))
    balance = await scalar(
        database, select(t.debt.c.balance_minor).where(t.debt.c.id == "INV-1003-1")
    )
    assert (posted, balance) == (6000, 3640)


async def test_the_same_accounts_file_imported_twice_at_once_is_written_once(
    database: DatabaseUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    both_plan_before_either_writes(monkeypatch, accounts, "plan_accounts")
    kwargs: dict[str, Any] = {
        "now": NOW, "default_region": "US", "default_timezone": "America/New_York",
    }  # fmt: skip
    first, second = await asyncio.gather(
        import_accounts(database.engine, EXAMPLES / "accounts.csv", **kwargs),
        import_accounts(database.engine, EXAMPLES / "accounts.csv", **kwargs),
    )
    written, again = sorted((first, second), key=lambda r: -r.taken)
    assert (written.taken, written.rejected) == (16, [])
    assert {e.reason for e in again.rejected} == {"debt_id was already imported"}
    assert await scalar(database, select(func.count()).select_from(t.debt)) == 16


async def test_the_dialer_can_write_while_a_big_file_is_checked(
    sqlite_database: DatabaseUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite the import holds the database's one write lock: only for its checks and
    writes, not while it parses every row (half a millisecond a row: a minute for a big file,
    longer than any other writer waits)."""
    database_file = sqlite_database.url.removeprefix("sqlite+aiosqlite:///")
    original = accounts.parse_account_row
    written: list[int] = []

    def parse_while_the_dialer_writes(*args: Any, **kwargs: Any) -> Any:
        if not written:
            dialer = sqlite3.connect(database_file, timeout=0.2)
            try:
                with dialer:
                    dialer.execute(
                        "INSERT INTO import_run (kind, file_name, sha256, rows_total, rows_taken,"
                        " rows_rejected, at) VALUES ('x', 'x', 'x', 0, 0, 0, '2026-11-20')"
                    )
                written.append(1)
            finally:
                dialer.close()
        return original(*args, **kwargs)

    monkeypatch.setattr(accounts, "parse_account_row", parse_while_the_dialer_writes)
    await sample_accounts(sqlite_database)
    assert written == [1]
