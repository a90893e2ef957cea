"""While Recoup serves, promises are checked every hour: a debtor who broke a promise is back
on the dialing list the same day, and supervisors see the broken promise on the bus, without
anyone running ``recoup promises check``. A check the database refuses is tried again at the
next hour; it never stops the checks."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from recoup.bus.local import InProcessBus
from recoup.clock import ManualClock
from recoup.dispositions.apply import apply_disposition
from recoup.dispositions.events import PromiseBroken
from recoup.dispositions.follow_up_check import CHECK_EVERY_S, keep_follow_ups_checked
from recoup.dispositions.plan import local_today
from recoup.dispositions.record import PromiseToPay
from recoup.domain.money import Money
from recoup.imports.run import import_accounts
from recoup.storage import tables as t
from recoup.storage.engine import make_engine
from recoup.storage.migrate import upgrade

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
NOW = datetime(2026, 12, 7, 17, 0, tzinfo=UTC)


class HourlyClock(ManualClock):
    """A manual clock whose sleeps wait until the test lets the next hour come."""

    def __init__(self, start: datetime) -> None:
        super().__init__(start)
        self.hours: asyncio.Queue[None] = asyncio.Queue()
        self.sleeping = asyncio.Event()

    async def sleep(self, seconds: float) -> None:
        self.sleeping.set()
        await self.hours.get()
        self.sleeping.clear()
        self.advance(seconds)


async def a_promise_due_in_two_days(engine: AsyncEngine) -> None:
    await import_accounts(engine, EXAMPLES / "accounts.csv", now=NOW,
                          default_region="US", default_timezone="America/New_York")  # fmt: skip
    async with engine.begin() as c:
        await c.execute(insert(t.campaign).values(id="c1", name="c1", config={}, created_at=NOW))
        await c.execute(insert(t.campaign_lead).values(campaign_id="c1", debt_id="INV-1001-2"))
        due = local_today(NOW, "America/New_York") + timedelta(days=2)
        await apply_disposition(
            c, PromiseToPay(Money.parse("100.00", "USD"), due), now=NOW,
            debt_id="INV-1001-2", agent="alex",
        )  # fmt: skip


async def statuses(engine: AsyncEngine) -> tuple[str, str]:
    async with engine.connect() as c:
        promise = (await c.execute(select(t.promise.c.status))).scalar_one()
        lead = (await c.execute(select(t.campaign_lead.c.status))).scalar_one()
    return promise, lead


async def test_a_promise_broken_while_recoup_serves_brings_its_debt_back_and_is_published(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'r.db'}"
    await upgrade(url)
    engine = make_engine(url)
    bus = InProcessBus()
    broken = bus.subscribe("recoup/v1/debts/+/promise_broken")
    clock = HourlyClock(NOW)
    try:
        await a_promise_due_in_two_days(engine)
        checks = asyncio.create_task(keep_follow_ups_checked(engine, clock, bus))
        await asyncio.wait_for(clock.sleeping.wait(), 10)
        assert await statuses(engine) == ("pending", "done"), "not due yet: nothing changes"
        for _ in range(int(3 * 24 * 3600 / CHECK_EVERY_S)):  # three days of hourly checks
            clock.hours.put_nowait(None)
            await asyncio.sleep(0)
            await asyncio.wait_for(clock.sleeping.wait(), 10)
        topic, event = await asyncio.wait_for(broken.get(), 10)
        assert isinstance(event, PromiseBroken)
        assert (topic, event.debt_id) == ("recoup/v1/debts/INV-1001-2/promise_broken", "INV-1001-2")
        assert await statuses(engine) == ("broken", "ready")
        checks.cancel()
    finally:
        await engine.dispose()


async def test_a_check_the_database_refuses_is_tried_again_at_the_next_hour(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'r.db'}"
    engine = make_engine(url)  # no tables yet: the first check fails
    clock = HourlyClock(NOW + timedelta(days=10))
    bus = InProcessBus()
    broken = bus.subscribe("recoup/v1/debts/+/promise_broken")
    try:
        checks = asyncio.create_task(keep_follow_ups_checked(engine, clock, bus))
        await asyncio.wait_for(clock.sleeping.wait(), 10)
        assert not checks.done(), "a refused check does not end the checks"
        await upgrade(url)
        await a_promise_due_in_two_days(engine)
        clock.hours.put_nowait(None)
        await asyncio.sleep(0)
        topic, _ = await asyncio.wait_for(broken.get(), 10)
        assert topic == "recoup/v1/debts/INV-1001-2/promise_broken"
        checks.cancel()
    finally:
        await engine.dispose()
