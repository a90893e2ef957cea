"""A debtor who says "it's paid" is taken off the list while the payment is checked; if no
payment has paid the debt off by the check, the debt goes back on the list."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from recoup.dispositions.follow_ups import check_payment_claims
from recoup.dispositions.record import Paid
from recoup.storage import tables as t
from tests.conftest import DatabaseUnderTest
from tests.integration.dispositions.test_dispositions_on_databases import (
    NOW,
    a_call,
    a_campaign_on_the_sample_book,
    leads,
    record,
    rows,
)

CHECK = NOW + timedelta(days=3)


async def maria_says_it_is_paid(database: DatabaseUnderTest) -> None:
    await a_campaign_on_the_sample_book(database)
    attempt = await a_call(database, "INV-1001-2", "ACC-1001", "+12125550142")
    await record(database, Paid("paid at the bank on Monday"), attempt)
    async with database.engine.begin() as c:  # as the dialer's lead release leaves its lead
        await c.execute(
            update(t.campaign_lead)
            .where(t.campaign_lead.c.debt_id == "INV-1001-2", t.campaign_lead.c.campaign_id == "c1")
            .values(status="removed", removed_reason="debtor says paid: check payments")
        )


async def test_no_payment_by_the_check_puts_the_debt_back_on_the_list(
    database: DatabaseUnderTest,
) -> None:
    await maria_says_it_is_paid(database)
    async with database.engine.begin() as c:
        assert await check_payment_claims(c, CHECK - timedelta(seconds=1)) == []
        assert await check_payment_claims(c, CHECK) == ["INV-1001-2"]
    assert {s for s, _, _ in (await leads(database, "INV-1001-2")).values()} == {"ready"}
    [check] = await rows(database, t.follow_up)
    assert (check["kind"], check["status"]) == ("payment_check", "done")
    async with database.engine.begin() as c:
        assert await check_payment_claims(c, CHECK + timedelta(days=1)) == []


async def test_a_debt_paid_off_by_the_check_stays_off_the_list(
    database: DatabaseUnderTest,
) -> None:
    await maria_says_it_is_paid(database)
    async with database.engine.begin() as c:
        await c.execute(
            update(t.debt).where(t.debt.c.id == "INV-1001-2").values(status="paid", balance_minor=0)
        )
        assert await check_payment_claims(c, CHECK) == []
    assert (await leads(database, "INV-1001-2"))["c2"][0] == "done"
