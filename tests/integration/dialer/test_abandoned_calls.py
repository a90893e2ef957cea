"""Abandoned calls: the 2-second rule kept by the running dialer, event by event.

The dialer runs over a real database with a stand-in for Asterisk that records the Redirects it
is sent (and can fail them), and a clock that moves only when told: each test says exactly when
the person answered, when their greeting ended and when an agent took them.

* The abandon is counted on the campaign's meter the moment the 2 s pass, and written on the
  attempt then, not only when the call closes (a restart while the message plays keeps it).
* The 2 s run from the end of the person's greeting (47 CFR 64.1200(a)(7)): with AMD on, that is
  AMD's verdict minus the silence it waited for.
* The call's outcome is ``abandoned`` only when the identification message took the caller: a
  caller whose Redirect failed and whom an agent then took is the agent's call to dispose.
* A bridge the Redirect broke a moment later teaches the pacer no talk time.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from dialer.agents.state import AgentStatus
from dialer.ami.errors import ActionTimeout
from dialer.ami.translate import CallTranslator
from dialer.campaigns.claims import claim_next_leads
from dialer.engine.agent_desk import DialerDesk
from dialer.engine.calls import OutboundCall
from dialer.engine.campaign_run import CampaignRun
from dialer.engine.runner import Dialer, DialerSettings
from dialer.events import (
    AgentCompleted,
    AgentConnected,
    AmdResult,
    AmdStatus,
    CallAnswered,
    HungUp,
    QueueAbandoned,
    QueueJoined,
)
from recoup.bus.local import InProcessBus
from recoup.demo_centre import DEMO_CAMPAIGN, DEMO_QUEUE, prepare_demo
from recoup.dispositions.record import PromiseToPay
from recoup.domain.money import Money
from recoup.storage import tables as t
from tests.conftest import DatabaseUnderTest
from tests.integration.dialer.floor import MONDAY, attempt_of, until

DIALER = "abandon-dialer"
HALF1 = "Local/+15550001@recoup-outbound-00000001;1"
AGENT1 = {
    "queue": DEMO_QUEUE,
    "member": "agent1",
    "interface": "Local/1001@recoup-agents/n",
    "agent_channel": "Local/1001@recoup-agents-00000001;1",
}


class StepClock:
    """Time that moves only in :meth:`advance`, waking the dialer's sleepers in order."""

    def __init__(self, start: datetime) -> None:
        self._start = start
        self._mono = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self._mono)

    def monotonic(self) -> float:
        return self._mono

    async def sleep(self, seconds: float) -> None:
        woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self._mono + max(0.0, seconds), next(self._order), woken))
        await woken

    async def advance(self, seconds: float) -> None:
        target = self._mono + seconds
        await settle()
        while self._sleepers and self._sleepers[0][0] <= target:
            at, _, woken = heapq.heappop(self._sleepers)
            self._mono = max(self._mono, at)
            if not woken.done():
                woken.set_result(None)
            await settle()
        self._mono = target
        await settle()


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


class Session:
    connected = True

    def __init__(self) -> None:
        self.translator = CallTranslator()


class Asterisk:
    """Takes the dialer's actions; Redirects are recorded and fail when told to."""

    def __init__(self) -> None:
        self.session = Session()
        self.redirects: list[tuple[str, float]] = []
        self.redirect_error: Exception | None = None
        self.clock: StepClock | None = None

    async def redirect(self, channel: str, *, context: str, exten: str, priority: int = 1) -> None:
        self.redirects.append((channel, self.clock.monotonic() if self.clock else 0.0))
        self.session.translator.note_redirect(channel)
        if self.redirect_error is not None:
            raise self.redirect_error

    async def core_show_channels(self) -> tuple[()]:
        return ()

    async def _ok(self, *args: Any, **kwargs: Any) -> None:
        return None

    originate = queue_add = queue_remove = queue_pause = queue_penalty = hangup = _ok


async def a_dialer(engine: Any, clock: StepClock, asterisk: Asterisk) -> Dialer:
    dialer = Dialer(
        engine=engine, pbx=asterisk, events=asyncio.Queue(), bus=InProcessBus(), clock=clock,
        settings=DialerSettings(dialer_id=DIALER),
    )  # fmt: skip
    await dialer.load_campaigns()
    dialer._spawn(dialer.store.writer(), "writes")
    dialer._spawn(dialer.floor.sender(), "members")
    return dialer


async def stopped(dialer: Dialer) -> None:
    await dialer.store.flush()
    await dialer.floor.stop()
    for task in list(dialer._tasks):
        task.cancel()
    await settle()


class Centre:
    def __init__(self, db: DatabaseUnderTest, clock: StepClock, asterisk: Asterisk, dialer: Dialer):
        self.db, self.clock, self.asterisk, self.dialer = db, clock, asterisk, dialer
        self.desk = DialerDesk(dialer)

    @property
    def run(self) -> CampaignRun:
        return self.dialer.campaigns[DEMO_CAMPAIGN]

    async def agent_ready(self, username: str = "agent1", extension: str = "1001") -> None:
        await self.desk.login(username, extension=extension, campaign_id=DEMO_CAMPAIGN)
        await self.desk.ready(username)

    async def a_call_placed(self) -> OutboundCall:
        async with self.db.engine.begin() as conn:
            [lead] = await claim_next_leads(conn, DEMO_CAMPAIGN, DIALER, 1, self.clock.now())
        call = await self.dialer.dial(self.run, lead)
        assert call is not None
        return call

    def of(self, call: OutboundCall) -> dict[str, Any]:
        return {
            "uniqueid": call.channel_id, "linkedid": call.channel_id, "at": self.clock.now(),
            "channel": HALF1,
        }  # fmt: skip

    async def answered_by_a_person(self, call: OutboundCall, *, amd_cause: str) -> None:
        """Answered now; AMD says HUMAN 1.3 s later with ``amd_cause``; then it queues."""
        await self.dialer.handle(CallAnswered(**self.of(call)))
        await self.clock.advance(1.3)
        silence = int(amd_cause.split("-")[1])
        await self.dialer.handle(
            AmdResult(
                **self.of(call), status=AmdStatus.HUMAN, cause=amd_cause,
                silence_after_greeting_ms=silence,
            )
        )  # fmt: skip
        await self.dialer.handle(
            QueueJoined(**self.of(call), queue=DEMO_QUEUE, position=1, count=1)
        )

    async def abandon_message(self, call: OutboundCall) -> None:
        await self.dialer.handle(
            QueueAbandoned(
                **self.of(call), queue=DEMO_QUEUE, position=0, original_position=0,
                hold_time_s=0, by_dialer=True,
            )
        )  # fmt: skip

    def abandons(self) -> float:
        return self.run.meter.reading(self.clock.now()).abandoned

    async def lead_of(self, call: OutboundCall) -> Any:
        cl = t.campaign_lead
        async with self.db.engine.connect() as conn:
            query = select(cl).where(
                cl.c.campaign_id == DEMO_CAMPAIGN, cl.c.debt_id == call.debt_id
            )
            return (await conn.execute(query)).one()


@pytest.fixture
async def centre(database: DatabaseUnderTest, tmp_path: Path) -> AsyncIterator[Centre]:
    await prepare_demo(database.engine, tmp_path / "debtors", debtors=6, seed=3, now=MONDAY)
    clock = StepClock(MONDAY)
    asterisk = Asterisk()
    asterisk.clock = clock
    dialer = await a_dialer(database.engine, clock, asterisk)
    try:
        yield Centre(database, clock, asterisk, dialer)
    finally:
        await stopped(dialer)


async def test_a_caller_an_agent_takes_after_a_failed_redirect_is_the_agents_conversation(
    centre: Centre,
) -> None:
    await centre.agent_ready()
    call = await centre.a_call_placed()
    await centre.clock.advance(5)
    centre.asterisk.redirect_error = ActionTimeout("Redirect", "r1", 10.0)  # AMI too slow
    await centre.answered_by_a_person(call, amd_cause="HUMAN-800-800")
    await centre.clock.advance(2.0)
    assert len(centre.asterisk.redirects) == 1
    assert centre.abandons() == pytest.approx(1.0, abs=0.01)  # the 2 s were missed

    await centre.clock.advance(0.5)  # the caller was still queued: agent1 takes them
    await centre.dialer.handle(AgentConnected(**centre.of(call), **AGENT1))
    await centre.clock.advance(1)
    assert centre.desk.agent("agent1").status is AgentStatus.ON_CALL
    await until(lambda: centre.desk.current_pop("agent1") is not None, 5, "agent1's pop")
    assert centre.desk.current_pop("agent1").debt_id == call.debt_id
    await centre.clock.advance(90)
    await centre.dialer.handle(AgentCompleted(**centre.of(call), **AGENT1, talk_time_s=90))
    await centre.dialer.handle(HungUp(**centre.of(call), cause=16))
    await centre.dialer.store.flush()

    assert centre.desk.agent("agent1").status is AgentStatus.WRAP_UP  # the promise to record
    row = await attempt_of(centre.db.engine, call.attempt_id)
    assert (row.outcome, row.abandoned, row.agent) == (None, True, "agent1")
    assert (await centre.lead_of(call)).status == "claimed"  # until the disposition

    promise = PromiseToPay(Money(12000, "USD"), date(2026, 12, 20))
    await centre.desk.dispose("agent1", call.attempt_id, promise, now=centre.clock.now())
    row = await attempt_of(centre.db.engine, call.attempt_id)
    assert (row.outcome, row.conversation, row.abandoned) == ("promise_to_pay", True, True)
    lead = await centre.lead_of(call)
    assert lead.status != "claimed"
    assert lead.next_at is None or lead.next_at >= centre.clock.now() + timedelta(days=7)


async def test_the_abandon_is_on_the_attempt_while_the_message_still_plays(
    centre: Centre,
) -> None:
    call = await centre.a_call_placed()
    await centre.clock.advance(5)
    await centre.answered_by_a_person(call, amd_cause="HUMAN-800-800")
    await centre.clock.advance(2.0)
    await centre.abandon_message(call)
    await centre.dialer.store.flush()

    row = await attempt_of(centre.db.engine, call.attempt_id)
    assert (row.abandoned, row.closed_at) == (True, None)
    restarted = await a_dialer(centre.db.engine, centre.clock, Asterisk())
    try:  # a dialer started now (the old one crashed) counts it against the cap
        reading = restarted.campaigns[DEMO_CAMPAIGN].meter.reading(centre.clock.now())
        assert reading.abandoned == pytest.approx(1.0, abs=0.01)
    finally:
        await stopped(restarted)


async def test_an_abandon_the_dialplan_reports_is_on_the_attempt_at_once(centre: Centre) -> None:
    call = await centre.a_call_placed()  # nobody logged in: Queue() says JOINEMPTY at once
    await centre.clock.advance(5)
    await centre.answered_by_a_person(call, amd_cause="HUMAN-800-800")
    await centre.abandon_message(call)
    await centre.dialer.store.flush()

    assert centre.abandons() == pytest.approx(1.0, abs=0.01)
    row = await attempt_of(centre.db.engine, call.attempt_id)
    assert (row.abandoned, row.closed_at) == (True, None)
    await centre.clock.advance(3.0)
    assert centre.asterisk.redirects == []  # the message already plays: no Redirect
    assert centre.abandons() == pytest.approx(1.0, abs=0.01)  # and no second abandon


async def test_with_amd_the_message_comes_two_seconds_after_the_greeting_ended(
    centre: Centre,
) -> None:
    await centre.agent_ready()
    call = await centre.a_call_placed()
    await centre.clock.advance(5)
    answered = centre.clock.monotonic()
    # "Hello?" for 0.5 s, then AMD waits 800 ms of silence: HUMAN at answer + 1.3 s
    await centre.answered_by_a_person(call, amd_cause="HUMAN-800-800")
    greeting_ended = answered + 0.5
    await centre.clock.advance(1.19)
    assert centre.asterisk.redirects == []
    await centre.clock.advance(0.02)
    [(channel, at)] = centre.asterisk.redirects
    assert channel == HALF1
    assert at == pytest.approx(greeting_ended + 2.0)  # not 2 s after AMD's verdict
    await centre.dialer.handle(AgentConnected(**centre.of(call), **AGENT1))  # too late
    assert centre.abandons() == pytest.approx(1.0, abs=0.01)


async def test_a_bridge_the_redirect_broke_teaches_the_pacer_no_talk_time(
    centre: Centre,
) -> None:
    await centre.agent_ready()
    talk = centre.run.estimates.talk
    learned = talk.observed
    call = await centre.a_call_placed()
    await centre.clock.advance(5)
    await centre.answered_by_a_person(call, amd_cause="HUMAN-800-800")
    await centre.clock.advance(2.05)  # the Redirect went at 2.0 s; the bridge came just after
    await centre.dialer.handle(AgentConnected(**centre.of(call), **AGENT1))
    await centre.clock.advance(0.05)  # and the Redirect took the caller out of it
    await centre.dialer.handle(AgentCompleted(**centre.of(call), **AGENT1, talk_time_s=0))
    await centre.abandon_message(call)
    await centre.clock.advance(4)
    await centre.dialer.handle(HungUp(**centre.of(call), cause=16))
    await centre.dialer.store.flush()

    assert talk.observed == learned
    row = await attempt_of(centre.db.engine, call.attempt_id)
    assert (row.outcome, row.abandoned) == ("abandoned", True)
    assert centre.desk.agent("agent1").status is AgentStatus.READY  # nothing to dispose
