"""A dialer that starts on day 31 of a campaign measures the 30-day period that begins then.

47 CFR 64.1200(a)(7)(i) measures "each successive 30-day period or portion thereof" from the
campaign's first live answer. A meter seeded only with the last 30 days of calls cannot see
that day, so the dialer reads it from the stored calls: on day 31 the new period starts empty,
and the pacer takes no risk until its first live answers leave room.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import cast

from sqlalchemy import insert

from dialer.engine.base import RECOUP_MEMBERS
from dialer.engine.campaign_run import CampaignRun
from dialer.engine.runner import Dialer
from recoup.clock import ManualClock
from recoup.demo_centre import demo_campaign_config
from recoup.storage import tables as t
from tests.conftest import DatabaseUnderTest
from tests.integration.campaigns.campaign_builders import NOW, a_campaign, build, import_samples
from tests.integration.dialer.inline_store import InlineStore


@dataclass
class Seeding:
    """What :meth:`Dialer._seed_meter` reads of a running dialer."""

    clock: ManualClock
    store: InlineStore


async def calls_every_day(db: DatabaseUnderTest, days: int) -> None:
    """Campaign ``late`` reached 20 people a day for ``days`` days, from ``NOW``, abandoning 0."""
    await import_samples(db)
    await a_campaign(db)
    await build(db)
    async with db.engine.begin() as c:
        await c.execute(
            insert(t.contact_attempt),
            [
                {"debtor_id": "ACC-1001", "debt_id": "INV-1001-2", "campaign_id": "late",
                 "channel": "call", "phone": "+12125550142", "live_answer": True,
                 "at": NOW + timedelta(days=day, minutes=i),
                 "answered_at": NOW + timedelta(days=day, minutes=i, seconds=8)}
                for day in range(days)
                for i in range(20)
            ],
        )  # fmt: skip


async def test_a_dialer_started_on_day_31_reads_the_new_period_not_the_old_month(
    database: DatabaseUnderTest,
) -> None:
    await calls_every_day(database, 30)
    day_31 = NOW + timedelta(days=30, hours=1)
    run = CampaignRun("late", "late", demo_campaign_config(), RECOUP_MEMBERS)
    seeding = Seeding(ManualClock(day_31), InlineStore(database.engine))
    await Dialer._seed_meter(cast("Dialer", seeding), run)
    reading = run.meter.reading(day_31)
    assert (reading.live_answered, reading.headroom) == (0.0, 0.0)
    # A day earlier the rolling month is what holds: 30 days of calls minus the oldest.
    run = CampaignRun("late", "late", demo_campaign_config(), RECOUP_MEMBERS)
    seeding = Seeding(ManualClock(day_31 - timedelta(days=1)), InlineStore(database.engine))
    await Dialer._seed_meter(cast("Dialer", seeding), run)
    assert run.meter.reading(day_31 - timedelta(days=1)).live_answered >= 580
