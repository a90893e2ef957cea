"""A dialer process that dies mid-campaign and starts again: nothing lost, nothing dialed twice.

The first dialer is dropped without a clean stop (as a crash would), while Asterisk keeps its
calls. The second one, with the same dialer id, reconciles the attempts left open against
Asterisk's live channels: calls still up are followed to their end, calls gone are closed, and
the claims of the dead process are released.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from dialer.ami.pbx import AsteriskPbx
from dialer.ami.session import AmiSession, AmiSettings
from dialer.campaigns.claims import claim_next_leads
from dialer.engine.runner import Dialer, DialerSettings
from dialer.events import PbxEvent
from pbxsim import PbxSim
from recoup.bus.local import InProcessBus
from recoup.clock import ScaledClock
from recoup.demo_centre import DEMO_CAMPAIGN, demo_pbx_config, prepare_demo
from recoup.storage import tables as t
from tests.conftest import DatabaseUnderTest

MONDAY_NOON = datetime(2026, 12, 7, 17, 0, tzinfo=UTC)


async def start_dialer(
    pbx: PbxSim, engine: AsyncEngine, clock: ScaledClock, *, asterisk_late: bool = False
) -> tuple[Dialer, AmiSession]:
    """A dialer on ``pbx``; with ``asterisk_late`` it starts before its AMI session connects."""
    events: asyncio.Queue[PbxEvent] = asyncio.Queue()
    session = AmiSession(
        AmiSettings(host=pbx.host, port=pbx.port, username="dialer", secret="dialerpass"),
        clock=clock, on_event=events.put_nowait,
    )  # fmt: skip
    if not asterisk_late:
        await session.start()
        await session.wait_connected(within_s=5)
    dialer = Dialer(
        engine=engine, pbx=AsteriskPbx(session), events=events, bus=InProcessBus(),
        clock=clock, settings=DialerSettings(dialer_id="demo-dialer"),
    )  # fmt: skip
    await dialer.start()
    return dialer, session


async def every_attempt_closed(engine: AsyncEngine, dialer: Dialer) -> list[Row[Any]]:
    """Waits until the dialer has closed every attempt (the calls ring out or fail)."""
    for _ in range(400):
        async with engine.connect() as conn:
            still_open = (
                await conn.execute(
                    select(func.count()).where(t.contact_attempt.c.closed_at.is_(None))
                )
            ).scalar_one()
        if still_open == 0 and not dialer.book.calls:
            break
        await asyncio.sleep(0.05)
    await dialer.store.flush()
    async with engine.connect() as conn:
        return list(
            await conn.execute(
                select(t.contact_attempt.c.pbx_channel_id, t.contact_attempt.c.outcome)
            )
        )


async def calls_left_by_a_dead_dialer(
    pbx: PbxSim, engine: AsyncEngine, clock: ScaledClock
) -> set[str]:
    """Two calls placed by a dialer that then dies while they ring; their channel ids.

    No agent is logged in, so the pacer dials nothing: the calls are placed by hand, as a pacing
    tick would, and the dialer is dropped without a clean stop, as a crash would.
    """
    first, first_session = await start_dialer(pbx, engine, clock)
    run = first.campaigns[DEMO_CAMPAIGN]
    async with engine.begin() as conn:
        leads = await claim_next_leads(conn, DEMO_CAMPAIGN, "demo-dialer", 2, clock.now())
    calls = [await first.dial(run, lead) for lead in leads]
    assert all(c is not None for c in calls)
    await first.store.flush()
    for task in list(first._tasks):
        task.cancel()
    await first_session.close()
    return {c.channel_id for c in calls if c is not None}


async def test_a_restarted_dialer_follows_the_calls_still_up_and_closes_the_rest(
    sqlite_database: DatabaseUnderTest, tmp_path: Path
) -> None:
    engine = sqlite_database.engine
    clock = ScaledClock(20.0, start=MONDAY_NOON)
    await prepare_demo(engine, tmp_path / "debtors", debtors=12, seed=21, now=clock.now())
    async with PbxSim(demo_pbx_config(seed=21, talk_s=(20.0, 40.0)), clock) as pbx:
        placed = await calls_left_by_a_dead_dialer(pbx, engine, clock)
        second, second_session = await start_dialer(pbx, engine, clock)
        try:
            followed = set(second.book.calls)
            up = {ch.uniqueid for ch in await second.pbx.core_show_channels()}
            assert placed & up, "the calls outlived the dialer that placed them"
            assert followed == placed & up, "calls still up are followed again"
            attempts = await every_attempt_closed(engine, second)
            async with engine.connect() as conn:
                claimed = (
                    await conn.execute(
                        select(func.count()).where(t.campaign_lead.c.status == "claimed")
                    )
                ).scalar_one()
            assert {a.pbx_channel_id for a in attempts} == placed, "no call dialed twice"
            assert all(a.outcome is not None for a in attempts), attempts
            assert claimed == 0, "the dead process's claims are released"
        finally:
            await second.stop()
            await second_session.close()


async def test_a_dialer_restarted_before_asterisk_answers_follows_its_calls_until_it_can_ask(
    sqlite_database: DatabaseUnderTest, tmp_path: Path
) -> None:
    engine = sqlite_database.engine
    clock = ScaledClock(20.0, start=MONDAY_NOON)
    await prepare_demo(engine, tmp_path / "debtors", debtors=12, seed=21, now=clock.now())
    async with PbxSim(demo_pbx_config(seed=21, talk_s=(20.0, 40.0)), clock) as pbx:
        placed = await calls_left_by_a_dead_dialer(pbx, engine, clock)

        # The new dialer starts while its AMI session is not connected yet.
        second, second_session = await start_dialer(pbx, engine, clock, asterisk_late=True)
        try:
            assert set(second.book.calls) == placed, "no call is taken for gone unasked"
            async with engine.connect() as conn:
                closed = (
                    await conn.execute(
                        select(func.count()).where(t.contact_attempt.c.closed_at.is_not(None))
                    )
                ).scalar_one()
            assert closed == 0
            await second_session.start()
            await second_session.wait_connected(within_s=5)
            attempts = await every_attempt_closed(engine, second)
            assert {a.pbx_channel_id for a in attempts} == placed, "no call dialed twice"
            assert all(a.outcome is not None for a in attempts), attempts
        finally:
            await second.stop()
            await second_session.close()
