"""The dialer under faults: Asterisk restarted mid-campaign, the database briefly unreachable.

Nothing is lost (every attempt is closed, every call Asterisk saw has its attempt) and nothing
is duplicated (no debt is ever on two calls at once, no call has two attempts).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from dialer.ami.session import AmiSettings
from dialer.engine.autopilot import AutoAgent, run_agents
from dialer.engine.runner import DialerSettings
from pbxsim import PbxSim
from recoup.clock import ScaledClock
from recoup.contact_centre import ContactCentre, running_dialer
from recoup.demo_centre import DEMO_CAMPAIGN, demo_pbx_config, prepare_demo
from recoup.storage import tables as t
from recoup.storage.engine import make_engine
from recoup.storage.migrate import upgrade
from tests.conftest import DATABASE_ENV, DatabaseUnderTest, service_url
from tests.integration.dialer.floor import originated

DIALER = "demo-dialer"
MONDAY = datetime(2026, 12, 7, 17, 0, tzinfo=UTC)  # inside every US debtor's window


def ami_for(pbx: PbxSim) -> AmiSettings:
    return AmiSettings(
        host=pbx.host, port=pbx.port, username="dialer", secret="dialerpass",
        action_timeout_s=2.0, reconnect_initial_s=0.05, reconnect_max_s=0.3,
        ping_interval_s=0.5, ping_timeout_s=0.5,
    )  # fmt: skip


@contextlib.asynccontextmanager
async def agents_working(centre: ContactCentre, clock: ScaledClock, n: int) -> AsyncIterator[None]:
    agents = [
        AutoAgent(f"agent{i}", f"{1001 + i}", DEMO_CAMPAIGN, centre.desk, centre.bus, clock,
                  random.Random(i), wrap_s=(1.0, 3.0))
        for i in range(1, n + 1)
    ]  # fmt: skip
    task = asyncio.create_task(run_agents(agents))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def until(condition: Any, within: float, what: str) -> None:
    for _ in range(int(within / 0.05)):
        if await condition():
            print(f"reached: {what}")  # shown when a fault test fails
            return
        await asyncio.sleep(0.05)
    pytest.fail(f"never: {what}")


async def attempts(engine: AsyncEngine) -> list[Any]:
    a = t.contact_attempt
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(a.c.debt_id, a.c.pbx_channel_id, a.c.at, a.c.closed_at, a.c.outcome)
        )
        return list(rows)


def assert_nothing_lost_or_doubled(rows: list[Any], seen_by_pbx: set[str]) -> None:
    channel_ids = [r.pbx_channel_id for r in rows]
    assert len(channel_ids) == len(set(channel_ids)), "a call has two attempts"
    assert seen_by_pbx <= set(channel_ids), "a call Asterisk placed has no attempt"
    open_attempts = [r for r in rows if r.closed_at is None or r.outcome is None]
    assert not open_attempts, f"open attempts: {open_attempts}"
    by_debt: dict[str, list[Any]] = {}
    for r in rows:
        by_debt.setdefault(r.debt_id, []).append(r)
    for debt_rows in by_debt.values():
        spans = sorted((r.at, r.closed_at) for r in debt_rows)
        for (_, end), (start, _) in itertools.pairwise(spans):
            assert start >= end, "one debt on two calls at once"


async def test_asterisk_restarted_mid_campaign_the_dialer_resyncs_and_finishes(
    sqlite_database: DatabaseUnderTest, tmp_path: Path
) -> None:
    engine = sqlite_database.engine
    clock = ScaledClock(20.0, start=MONDAY)
    await prepare_demo(engine, tmp_path / "debtors", debtors=40, seed=11, now=clock.now())
    config = demo_pbx_config(seed=11, talk_s=(20.0, 60.0))
    first = PbxSim(config, clock)
    await first.start()
    port = first.port
    seen = originated(first.record_events(), DIALER)
    settings = DialerSettings(dialer_id=DIALER)
    async with running_dialer(
        engine=engine, ami=ami_for(first), clock=clock, settings=settings
    ) as centre:
        dialer = centre.dialer
        async with agents_working(centre, clock, 3):
            await until(lambda: _true(dialer.book.calls), 20, "calls in progress")
            await until(lambda: _true(len(dialer.book.calls) >= 3), 20, "three calls up")
            # Asterisk goes away with every call (and every queue member) it had.
            seen |= originated(first.events, DIALER)
            await first.stop()
            await asyncio.sleep(0.5)
            second = PbxSim(replace(config, port=port), clock)
            await second.start()
            events = second.record_events()
            try:
                await until(lambda: _true(not dialer.book.calls or dialer.pbx.session.connected),
                            20, "reconnected")  # fmt: skip
                # The agents are members of the queue again: calls reach them after the restart.
                await until(
                    lambda: _true(any(originated(events, DIALER)) and dialer.answer_to_bridge),
                    30, "a call after the restart",
                )  # fmt: skip
                connected_before = len(dialer.answer_to_bridge)
                await until(lambda: _true(len(dialer.answer_to_bridge) > connected_before + 1),
                            60, "agents take calls again")  # fmt: skip
                dialer.campaigns[DEMO_CAMPAIGN].stopped = True
                await until(lambda: _true(not dialer.book.calls), 60, "calls drain")
                await until(lambda: _idle_agents(centre), 30, "agents done")
                await dialer.store.flush()
                seen |= originated(events, DIALER)
            finally:
                await second.stop()
    assert_nothing_lost_or_doubled(await attempts(engine), seen)
    assert seen, "pbxsim placed calls"


async def _true(value: object) -> bool:
    return bool(value)


async def _idle_agents(centre: ContactCentre) -> bool:
    return all(a.call_id is None for r in centre.dialer.campaigns.values() for a in r.roster)


class Outage:
    """A TCP proxy to PostgreSQL that can drop every connection and refuse new ones."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.down = False
        self._pipes: set[asyncio.StreamWriter] = set()
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.down:
            writer.close()
            return
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self._pipes |= {writer, up_writer}
        await asyncio.gather(
            self._pump(reader, up_writer), self._pump(up_reader, writer), return_exceptions=True
        )

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        finally:
            writer.close()
            self._pipes.discard(writer)

    def cut(self) -> None:
        self.down = True
        for pipe in list(self._pipes):
            pipe.transport.abort()
        self._pipes.clear()

    def restore(self) -> None:
        self.down = False

    async def stop(self) -> None:
        self.cut()
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


async def test_the_database_briefly_unreachable_pauses_dialing_which_then_resumes(
    tmp_path: Path,
) -> None:
    url = service_url(DATABASE_ENV, "PostgreSQL")
    parsed = make_url(url)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(url)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    outage = Outage(parsed.host or "127.0.0.1", parsed.port or 5432)
    proxied = parsed.set(port=await outage.start()).render_as_string(hide_password=False)
    engine = make_engine(proxied, schema=schema)
    clock = ScaledClock(20.0, start=MONDAY)
    try:
        await upgrade(url, schema=schema)
        await prepare_demo(engine, tmp_path / "debtors", debtors=30, seed=12, now=clock.now())
        async with PbxSim(demo_pbx_config(seed=12, talk_s=(15.0, 40.0)), clock) as pbx:
            seen = originated(pbx.record_events(), DIALER)
            async with running_dialer(
                engine=engine, ami=ami_for(pbx), clock=clock,
                settings=DialerSettings(dialer_id=DIALER, db_retry_s=0.1),
            ) as centre, agents_working(centre, clock, 3):  # fmt: skip
                dialer = centre.dialer
                await until(lambda: _true(len(originated(pbx.events, DIALER)) >= 4), 30, "dialing")
                outage.cut()
                await until(lambda: _true(not dialer.store.available), 20, "outage noticed")
                before = originated(pbx.events, DIALER)
                placed = len(before)
                await asyncio.sleep(1.5)  # 30 simulated seconds without a database
                assert not dialer.can_dial
                assert len(originated(pbx.events, DIALER)) == placed, "dialed without a database"
                restored_at = clock.now()
                outage.restore()
                await until(lambda: _true(dialer.store.available), 30, "database back")
                await until(
                    lambda: _true(len(originated(pbx.events, DIALER)) > placed + 3),
                    30,
                    "resumed",
                )
                dialer.campaigns[DEMO_CAMPAIGN].stopped = True
                await until(lambda: _true(not dialer.book.calls), 60, "calls drain")
                await until(lambda: _idle_agents(centre), 30, "agents done")
                await dialer.store.flush()
                seen = originated(pbx.events, DIALER)
        rows = await attempts(engine)
        assert_nothing_lost_or_doubled(rows, seen)
        # A dial whose gate was waiting out the outage is judged (and stamped) when the
        # database answers, not half a minute earlier when it was first asked.
        after = [r for r in rows if r.pbx_channel_id not in before]
        assert after
        stale = [r for r in after if r.at.replace(tzinfo=UTC) < restored_at]
        assert not stale, f"judged before the outage ended: {stale}"
    finally:
        await engine.dispose()
        await outage.stop()
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()
