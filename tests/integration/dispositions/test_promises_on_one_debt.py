"""A debt has one promise running at a time: a new promise replaces the one before it, and a
payment keeps at most the promise it pays."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from recoup.dispositions.apply import apply_disposition
from recoup.dispositions.events import (
    DispositionEvent,
    PromiseBroken,
    PromiseKept,
    PromiseRecorded,
    PromiseSuperseded,
)
from recoup.dispositions.follow_ups import check_promises
from recoup.dispositions.plan import DispositionRefusedError
from recoup.dispositions.record import Callback, Dispute, PromiseToPay
from recoup.domain.money import Money
from recoup.storage import tables as t
from tests.conftest import DatabaseUnderTest
from tests.integration.dispositions.test_dispositions_on_databases import (
    NOW,
    a_campaign_on_the_sample_book,
    maria_promises,
    rows,
)

LATER = NOW + timedelta(days=2)


async def a_payment(db: DatabaseUnderTest, reference: str, amount: str, paid_on: date) -> None:
    async with db.engine.begin() as c:
        await c.execute(
            insert(t.payment).values(
                reference=reference, account_id="ACC-1001", debt_id="INV-1001-2",
                amount_minor=Money.parse(amount, "USD").minor, currency="USD", paid_on=paid_on,
                posted_at=datetime.combine(paid_on, time(18), UTC),
            )
        )  # fmt: skip


async def back_office_promises(
    db: DatabaseUnderTest, amount: str, due: date, *, now: datetime = LATER
) -> list[DispositionEvent]:
    async with db.engine.begin() as c:
        return await back_office_promise(c, amount, due, now=now)


async def back_office_promise(
    c: AsyncConnection, amount: str, due: date, *, now: datetime = LATER
) -> list[DispositionEvent]:
    return await apply_disposition(
        c, PromiseToPay(Money.parse(amount, "USD"), due), now=now, debt_id="INV-1001-2",
        agent="bo-ann",
    )  # fmt: skip


async def test_one_payment_keeps_only_the_newer_of_two_promises(
    database: DatabaseUnderTest,
) -> None:
    await a_campaign_on_the_sample_book(database)
    older = await maria_promises(database, "100.00", date(2026, 11, 30))
    events = await back_office_promises(database, "100.00", date(2026, 12, 5))
    newer = next(e.promise_id for e in events if isinstance(e, PromiseRecorded))
    assert PromiseSuperseded("INV-1001-2", older, newer, LATER) in events
    await a_payment(database, "PAY-1", "100.00", date(2026, 11, 23))
    async with database.engine.begin() as c:
        kept = await check_promises(c, LATER + timedelta(days=1))
    assert kept == [PromiseKept("INV-1001-2", newer, 10_000, "USD", date(2026, 11, 23))]
    status = {p["id"]: p["status"] for p in await rows(database, t.promise)}
    assert status == {older: "superseded", newer: "kept"}
    old_follow_ups = await rows(database, t.follow_up, t.follow_up.c.promise_id == older)
    assert {f["status"] for f in old_follow_ups} == {"void"}


async def test_a_promise_already_past_its_date_unpaid_is_broken_not_replaced(
    database: DatabaseUnderTest,
) -> None:
    await a_campaign_on_the_sample_book(database)
    older = await maria_promises(database, "100.00", date(2026, 11, 21))
    events = await back_office_promises(
        database, "80.00", date(2026, 12, 5), now=NOW + timedelta(days=2)
    )
    assert PromiseBroken("INV-1001-2", older, 10_000, 0, "USD", date(2026, 11, 21),
                         date(2026, 11, 22)) in events  # fmt: skip
    status = {p["id"]: p["status"] for p in await rows(database, t.promise)}
    assert status[older] == "broken"


async def test_a_back_office_promise_submitted_twice_is_recorded_once(
    database: DatabaseUnderTest,
) -> None:
    await a_campaign_on_the_sample_book(database)
    await back_office_promises(database, "60.00", date(2026, 12, 1))
    with pytest.raises(DispositionRefusedError, match="already promised"):
        await back_office_promises(database, "60.00", date(2026, 12, 1))
    assert len(await rows(database, t.promise)) == 1


async def test_a_back_office_double_click_at_once_writes_one_promise(
    database: DatabaseUnderTest,
) -> None:
    await a_campaign_on_the_sample_book(database)

    async def second_click() -> None:
        async with database.engine.begin() as c:
            await back_office_promise(c, "60.00", date(2026, 12, 1))

    async with database.engine.begin() as first:
        await back_office_promise(first, "60.00", date(2026, 12, 1))
        second = asyncio.create_task(second_click())
        await asyncio.sleep(0.3)  # the second click reaches the database before the first commits
    with pytest.raises(DispositionRefusedError, match="already promised"):
        await asyncio.wait_for(second, 30)
    assert len(await rows(database, t.promise)) == 1


async def test_a_back_office_dispute_or_callback_submitted_twice_is_recorded_once(
    database: DatabaseUnderTest,
) -> None:
    await a_campaign_on_the_sample_book(database)
    at = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)  # 11:00 in New York
    for disposition, already in (
        (Dispute("service", "Charged twice"), "already open"),
        (Callback(at, note="after lunch"), "already scheduled"),
    ):
        async with database.engine.begin() as c:
            await apply_disposition(c, disposition, now=LATER, debt_id="INV-1001-2", agent="bo")
        with pytest.raises(DispositionRefusedError, match=already):
            async with database.engine.begin() as c:
                await apply_disposition(c, disposition, now=LATER, debt_id="INV-1001-2", agent="bo")
    assert len(await rows(database, t.issue)) == 1
    assert len(await rows(database, t.follow_up, t.follow_up.c.kind == "callback")) == 1
