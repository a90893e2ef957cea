"""A payments file that brings older payments for a debt whose promise has lapsed leaves the
broken promise to the promise check, which puts the debt back on the dialing list; the import
must not mark it broken on its own and so hide it from that check."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import insert, select

from recoup.dispositions.follow_ups import check_promises
from recoup.imports.run import import_accounts, import_payments
from recoup.storage import tables as t
from tests.conftest import DatabaseUnderTest

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


async def test_a_promise_broken_before_the_payments_file_still_puts_the_debt_back_on_the_list(
    database: DatabaseUnderTest, tmp_path: Path
) -> None:
    report = await import_accounts(
        database.engine, EXAMPLES / "accounts.csv", now=NOW,
        default_region="US", default_timezone="America/New_York",
    )  # fmt: skip
    assert report.rejected == []
    async with database.engine.begin() as c:
        await c.execute(
            insert(t.campaign).values(id="c1", name="Early stage", config={}, created_at=NOW)
        )
        # the debtor promised 200.00 by 15 November; the call left the lead done
        await c.execute(
            insert(t.campaign_lead).values(campaign_id="c1", debt_id="INV-1002-1", status="done")
        )
        await c.execute(
            insert(t.promise).values(
                debt_id="INV-1002-1", amount_minor=20000, currency="USD",
                due_on=date(2026, 11, 15), made_at=datetime(2026, 11, 10, 16, tzinfo=UTC),
            )
        )  # fmt: skip
    path = tmp_path / "payments.csv"
    path.write_text(  # a payment from before the promise: it does not keep it
        "payment_id,account_id,debt_id,amount,currency,paid_on\n"
        "P1,ACC-1002,INV-1002-1,50.00,USD,2026-11-01\n"
    )
    assert (await import_payments(database.engine, path, now=NOW)).taken == 1
    async with database.engine.begin() as c:
        events = await check_promises(c, NOW)
    async with database.engine.connect() as c:
        promise = (await c.execute(select(t.promise.c.status))).scalar_one()
        lead = (await c.execute(select(t.campaign_lead.c.status))).scalar_one()
    assert promise == "broken"
    assert [type(e).__name__ for e in events] == ["PromiseBroken"]
    assert lead == "ready"  # back on the list, where the broken-promise script waits
