"""A promise is judged on the debtor's own calendar: due on the 25th means until midnight
where the debtor lives, whatever the date is in UTC or at the collection agency."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, update

from recoup.dispositions.events import PromiseBroken, PromiseKept
from recoup.dispositions.follow_ups import check_promises
from recoup.imports.run import import_payments
from recoup.storage import tables as t
from tests.conftest import DatabaseUnderTest
from tests.integration.dispositions.test_dispositions_on_databases import (
    NOW,
    a_campaign_on_the_sample_book,
    leads,
    maria_promises,
    rows,
)

DUE = date(2026, 11, 25)
EVENING_OF_THE_DUE_DATE_IN_NEW_YORK = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)  # 21:00 on the 25th
NEXT_MORNING_IN_NEW_YORK = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


async def test_a_promise_is_not_broken_while_its_date_lasts_where_the_debtor_lives(
    database: DatabaseUnderTest,
) -> None:
    await a_campaign_on_the_sample_book(database)
    promise_id = await maria_promises(database, "100.00", DUE)
    async with database.engine.begin() as c:
        assert await check_promises(c, EVENING_OF_THE_DUE_DATE_IN_NEW_YORK) == []
    [promise] = await rows(database, t.promise)
    assert promise["status"] == "pending"
    assert (await leads(database, "INV-1001-2"))["c1"][0] == "done"
    # She pays that evening; the check the next morning finds the promise kept, not broken.
    async with database.engine.begin() as c:
        await c.execute(
            insert(t.payment).values(
                reference="PAY-7", account_id="ACC-1001", debt_id="INV-1001-2",
                amount_minor=10_000, currency="USD", paid_on=DUE, posted_at=NOW,
            )
        )  # fmt: skip
        kept = await check_promises(c, NEXT_MORNING_IN_NEW_YORK)
    assert kept == [PromiseKept("INV-1001-2", promise_id, 10_000, "USD", date(2026, 11, 26))]


async def test_a_promise_unpaid_at_the_end_of_its_local_date_is_broken(
    database: DatabaseUnderTest,
) -> None:
    await a_campaign_on_the_sample_book(database)
    promise_id = await maria_promises(database, "100.00", DUE)
    async with database.engine.begin() as c:
        broken = await check_promises(c, datetime(2026, 11, 26, 5, 1, tzinfo=UTC))  # 00:01
    assert broken == [
        PromiseBroken("INV-1001-2", promise_id, 10_000, 0, "USD", DUE, date(2026, 11, 26))
    ]


async def test_a_payment_posted_before_the_promise_was_made_does_not_keep_it(
    database: DatabaseUnderTest,
) -> None:
    """Maria paid 100.00 this morning (the file was posted at 09:00); at 10:00 she promises the
    115.50 left. That morning's payment was already off the balance: it is not for the promise."""
    await a_campaign_on_the_sample_book(database)
    async with database.engine.begin() as c:
        await c.execute(
            insert(t.payment).values(
                reference="PAY-1", account_id="ACC-1001", debt_id="INV-1001-2",
                amount_minor=10_000, currency="USD", paid_on=NOW.date(),
                posted_at=NOW - timedelta(hours=1),
            )
        )  # fmt: skip
        await c.execute(
            update(t.debt).where(t.debt.c.id == "INV-1001-2").values(balance_minor=11_550)
        )
    await maria_promises(database, "100.00", DUE)
    async with database.engine.begin() as c:
        assert await check_promises(c, NOW + timedelta(days=1)) == []
    [promise] = await rows(database, t.promise)
    assert (promise["status"], promise["paid_minor"]) == ("pending", 0)


async def test_a_later_payment_file_does_not_count_the_morning_payment_towards_the_promise(
    database: DatabaseUnderTest, tmp_path: Path
) -> None:
    await a_campaign_on_the_sample_book(database)
    morning = tmp_path / "morning.csv"
    morning.write_text(
        "payment_id,account_id,debt_id,amount,currency,paid_on\n"
        f"PAY-1,ACC-1001,INV-1001-2,100.00,USD,{NOW.date().isoformat()}\n"
    )
    assert (await import_payments(database.engine, morning, now=NOW - timedelta(hours=1))).taken
    await maria_promises(database, "100.00", DUE)  # the 115.50 left, in part
    evening = tmp_path / "evening.csv"
    evening.write_text(
        "payment_id,account_id,debt_id,amount,currency,paid_on\n"
        f"PAY-2,ACC-1001,INV-1001-2,20.00,USD,{NOW.date().isoformat()}\n"
    )
    assert (await import_payments(database.engine, evening, now=NOW + timedelta(hours=8))).taken
    [promise] = await rows(database, t.promise)
    assert (promise["status"], promise["paid_minor"]) == ("partial", 2_000)
