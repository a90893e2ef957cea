"""A debt paid in full is never dialed again, whatever took its leads off the list before."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from recoup.dispositions.follow_ups import check_promises, resolve_issue
from recoup.dispositions.record import Dispute
from recoup.imports.run import import_payments
from recoup.storage import tables as t
from tests.conftest import DatabaseUnderTest
from tests.integration.dispositions.test_dispositions_on_databases import (
    NOW,
    a_call,
    a_campaign_on_the_sample_book,
    leads,
    maria_promises,
    record,
    rows,
)


def maria_pays_in_full(tmp_path: Path, paid_on: date) -> Path:
    path = tmp_path / "payments.csv"
    path.write_text(
        "payment_id,account_id,debt_id,amount,currency,paid_on\n"
        f"PAY-1,ACC-1001,INV-1001-2,215.50,USD,{paid_on.isoformat()}\n"
    )
    return path


async def test_a_debt_paid_after_a_promise_leaves_the_list_and_a_check_does_not_bring_it_back(
    database: DatabaseUnderTest, tmp_path: Path
) -> None:
    await a_campaign_on_the_sample_book(database)
    await maria_promises(database, "100.00", date(2026, 11, 25))
    # She had paid the day before the call; the bank's file only arrives afterwards.
    path = maria_pays_in_full(tmp_path, NOW.date() - timedelta(days=1))
    report = await import_payments(database.engine, path, now=NOW)
    assert report.taken == 1
    assert await leads(database, "INV-1001-2") == {
        "c1": ("removed", "paid", None),
        "c2": ("removed", "paid", None),
    }
    async with database.engine.begin() as c:
        await check_promises(c, NOW + timedelta(days=6))
    assert {status for status, _, _ in (await leads(database, "INV-1001-2")).values()} == {
        "removed"
    }


async def test_resolving_the_dispute_of_a_debt_paid_meanwhile_does_not_dial_it(
    database: DatabaseUnderTest, tmp_path: Path
) -> None:
    await a_campaign_on_the_sample_book(database)
    attempt = await a_call(database, "INV-1001-2", "ACC-1001", "+12125550142")
    await record(database, Dispute("service", "the router never worked"), attempt)
    [issue] = await rows(database, t.issue)
    report = await import_payments(
        database.engine, maria_pays_in_full(tmp_path, NOW.date()), now=NOW
    )
    assert report.taken == 1
    async with database.engine.begin() as c:
        await resolve_issue(c, issue["id"], "router replaced", NOW)
    assert {status for status, _, _ in (await leads(database, "INV-1001-2")).values()} == {
        "removed"
    }
    calls = await rows(database, t.follow_up, t.follow_up.c.kind == "issue_resolved_call")
    assert calls == []
