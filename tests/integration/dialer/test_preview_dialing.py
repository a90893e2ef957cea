"""Preview dialing on pbxsim: the agent sees the debtor first, then dials; the dialer never does.

The agents here are driven by hand through the :class:`~dialer.engine.agent_desk.DialerDesk`,
as the agent API drives it for a person at the console.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from dialer.agents.state import AgentStatus
from dialer.engine.desk import CallLeftAgent, DeskError, ScreenPopped
from dialer.events import AgentConnected
from pbxsim.behaviour import Outcome, PartyBehaviour
from recoup.compliance.facts import DialRequest, load_dial_facts
from recoup.compliance.gate import CompliancePolicy, GateRule, check_dial
from recoup.demo_centre import DEMO_CAMPAIGN, DEMO_QUEUE
from recoup.dispositions.events import PromiseRecorded
from recoup.dispositions.record import PromiseToPay, Refused
from recoup.domain.money import Money
from recoup.storage import tables as t
from tests.conftest import DatabaseUnderTest
from tests.integration.dialer.floor import (
    CONNECTING_SPEED,
    MONDAY,
    Floor,
    attempt_of,
    campaign_floor,
    logged_in_ready,
    until,
)

DIALER_ID = "preview-dialer"


async def lead_of(engine: AsyncEngine, debt_id: str) -> Any:
    cl = t.campaign_lead
    async with engine.connect() as conn:
        row = await conn.execute(
            select(cl.c.status, cl.c.attempts, cl.c.claimed_by).where(
                cl.c.campaign_id == DEMO_CAMPAIGN, cl.c.debt_id == debt_id
            )
        )
        return row.one()


async def count(engine: AsyncEngine, table: Any, *where: Any) -> int:
    async with engine.connect() as conn:
        rows = await conn.execute(select(func.count()).select_from(table).where(*where))
        return int(rows.scalar_one())


async def first_preview(floor: Floor) -> ScreenPopped:
    """agent1 logs in, is ready, and asks for the first lead of the preview campaign."""
    await logged_in_ready(floor, "agent1", "1001")
    popped = await floor.desk.preview_next("agent1")
    assert popped is not None
    return popped


def answers(floor: Floor, popped: ScreenPopped) -> None:
    """The debtor on the agent's screen picks up, talks 20 s (under a second here) and hangs
    up."""
    floor.pbx.script(popped.phone, PartyBehaviour(Outcome.ANSWER, ring_time=1, talk_time=20))


async def test_an_agent_previews_a_debtor_dials_them_and_records_a_promise(
    database: DatabaseUnderTest, tmp_path: Path
) -> None:
    engine = database.engine
    async with campaign_floor(
        engine, tmp_path / "debtors", dialer_id=DIALER_ID, speed=CONNECTING_SPEED
    ) as floor:
        desk, dialer = floor.desk, floor.centre.dialer
        await logged_in_ready(floor, "agent1", "1001")
        # Ready in a preview campaign: in the queue, but paused there until the agent dials.
        assert floor.member("1001").paused

        popped = await desk.preview_next("agent1")
        assert isinstance(popped, ScreenPopped)
        assert (popped.preview, popped.attempt_id) == (True, None)
        assert popped.pop["debtor"]["id"] == popped.debtor_id
        assert floor.status("agent1") is AgentStatus.RESERVED
        assert (await lead_of(engine, popped.debt_id)).status == "claimed"
        await asyncio.sleep(1.5)  # 15 simulated seconds: many pacing ticks
        assert floor.dials() == set(), "the dialer dialed on its own in a preview campaign"
        assert await count(engine, t.contact_attempt) == 0

        answers(floor, popped)
        dialed = await desk.preview_dial("agent1")
        assert (dialed.preview, dialed.debt_id) == (False, popped.debt_id)
        assert dialed.attempt_id is not None
        await until(lambda: floor.status("agent1") is AgentStatus.ON_CALL, 10, "agent1 talks")
        await until(lambda: floor.of_type(AgentConnected), 5, "the connect event")
        (connected,) = floor.of_type(AgentConnected)
        assert connected.member == "agent1"
        assert floor.dials() == {connected.linkedid}
        await until(lambda: floor.status("agent1") is AgentStatus.WRAP_UP, 10, "debtor hangs up")
        await until(lambda: floor.of_type(CallLeftAgent), 5, "the call-ended event")

        pops = floor.of_type(ScreenPopped)
        assert {p.username for p in pops} == {"agent1"}
        assert pops[0].attempt_id is None
        assert any(p.attempt_id == dialed.attempt_id and not p.preview for p in pops)
        assert floor.of_type(CallLeftAgent)[0].attempt_id == dialed.attempt_id

        due = (MONDAY + timedelta(days=10)).date()
        saved = await desk.dispose(
            "agent1", dialed.attempt_id, PromiseToPay(Money(5_000, "USD"), due),
            now=floor.clock.now(),
        )  # fmt: skip
        assert saved.code == "promise_to_pay"
        assert saved.state.status is AgentStatus.READY
        # The pacer learns that this wrap-up ended with the agent ready, not on a break.
        learned = dialer.campaigns[DEMO_CAMPAIGN].estimates.break_after_wrap
        assert (learned.evidence, learned.value) == (1.0, 0.0)
        await until(lambda: floor.of_type(PromiseRecorded), 5, "the promise on the bus")
        assert floor.of_type(PromiseRecorded)[0].debt_id == popped.debt_id
        await dialer.store.flush()
        assert (await lead_of(engine, popped.debt_id)).status == "done"
        assert await count(engine, t.promise, t.promise.c.debt_id == popped.debt_id) == 1
        attempt = await attempt_of(engine, dialed.attempt_id)
        assert (attempt.debt_id, attempt.agent) == (popped.debt_id, "agent1")
        assert attempt.connected_at is not None
        assert attempt.outcome == "promise_to_pay"
        # Ready again, and paused in the queue again: still nothing dials without the agent.
        await until(lambda: floor.member("1001").paused, 5, "agent1 paused in the queue again")
        await asyncio.sleep(0.5)
        assert floor.dials() == {connected.linkedid}
        assert await count(engine, t.contact_attempt) == 1


async def test_a_break_asked_for_on_a_call_is_foreseen_and_one_asked_in_wrap_up_is_learned(
    database: DatabaseUnderTest, tmp_path: Path
) -> None:
    engine = database.engine
    async with campaign_floor(engine, tmp_path / "debtors", dialer_id=DIALER_ID) as floor:
        desk, dialer = floor.desk, floor.centre.dialer
        run = dialer.campaigns[DEMO_CAMPAIGN]
        learned = run.estimates.break_after_wrap
        await logged_in_ready(floor, "agent1", "1001")
        for asked_on in (AgentStatus.ON_CALL, AgentStatus.WRAP_UP):
            popped = await desk.preview_next("agent1")
            assert isinstance(popped, ScreenPopped)
            answers(floor, popped)
            dialed = await desk.preview_dial("agent1")
            await until(lambda: floor.status("agent1") is AgentStatus.ON_CALL, 10, "agent1 talks")
            if asked_on is AgentStatus.ON_CALL:
                on_call = await desk.pause("agent1", "lunch")  # taken once wrapped up
                assert on_call.status is AgentStatus.ON_CALL
                seen = run.snapshot(dialer.book, floor.clock.now(), 0.0)
                assert seen.talking == ()  # the pacer no longer counts on agent1
            await until(lambda: floor.status("agent1") is AgentStatus.WRAP_UP, 10, "hung up")
            if asked_on is AgentStatus.WRAP_UP:
                in_wrap_up = await desk.pause("agent1", "coaching")
                assert in_wrap_up.status is AgentStatus.WRAP_UP
            assert dialed.attempt_id is not None
            saved = await desk.dispose(
                "agent1", dialed.attempt_id, PromiseToPay(Money(5_000, "USD"),
                (MONDAY + timedelta(days=10)).date()), now=floor.clock.now(),
            )  # fmt: skip
            assert saved.state.status is AgentStatus.PAUSED
            if asked_on is AgentStatus.ON_CALL:
                assert learned.evidence == 0.0  # foreseen: nothing to learn
                await desk.ready("agent1")
        # asked for during the wrap-up, perhaps after a call was placed for agent1: learned
        assert learned.evidence == 1.0
        assert learned.value > 0.0


async def test_a_skipped_preview_gives_the_lead_back_without_a_call(
    database: DatabaseUnderTest, tmp_path: Path
) -> None:
    engine = database.engine
    async with campaign_floor(engine, tmp_path / "debtors", dialer_id=DIALER_ID) as floor:
        desk = floor.desk
        popped = await first_preview(floor)
        assert (await lead_of(engine, popped.debt_id)).claimed_by == DIALER_ID

        await desk.preview_skip("agent1")

        lead = await lead_of(engine, popped.debt_id)
        assert (lead.status, lead.attempts, lead.claimed_by) == ("ready", 0, None)
        assert await count(engine, t.contact_attempt) == 0
        assert floor.status("agent1") is AgentStatus.READY
        assert desk.current_pop("agent1") is None
        with pytest.raises(DeskError) as nothing:
            await desk.preview_skip("agent1")
        assert nothing.value.status == 409
        with pytest.raises(DeskError) as no_lead:
            await desk.preview_dial("agent1")
        assert no_lead.value.status == 409
        await asyncio.sleep(0.3)
        assert floor.dials() == set()


async def test_preview_is_refused_on_a_predictive_campaign(
    sqlite_database: DatabaseUnderTest, tmp_path: Path
) -> None:
    engine = sqlite_database.engine
    async with campaign_floor(
        engine, tmp_path / "debtors", dial_mode="predictive", dialer_id=DIALER_ID
    ) as floor:
        await floor.desk.login("agent1", extension="1001", campaign_id=DEMO_CAMPAIGN)
        with pytest.raises(DeskError) as refused:
            await floor.desk.preview_next("agent1")
        assert refused.value.status == 409
        assert "predictive" in refused.value.message
        cl = t.campaign_lead
        assert await count(engine, cl, cl.c.status == "claimed") == 0
        assert floor.status("agent1") is AgentStatus.PAUSED


async def test_only_the_previewing_agent_is_offered_the_call(
    sqlite_database: DatabaseUnderTest, tmp_path: Path
) -> None:
    engine = sqlite_database.engine
    async with campaign_floor(engine, tmp_path / "debtors", dialer_id=DIALER_ID) as floor:
        desk = floor.desk
        await logged_in_ready(floor, "agent1", "1001")
        await logged_in_ready(floor, "agent2", "1002")
        assert floor.member("1001").paused
        assert floor.member("1002").paused

        popped = await desk.preview_next("agent2")
        assert popped is not None
        answers(floor, popped)
        dialed = await desk.preview_dial("agent2")
        # Every moment of the call: agent1 stays paused in the queue and is never offered it.
        while floor.status("agent2") is not AgentStatus.WRAP_UP:
            assert floor.member("1001").paused, "agent1 was unpaused during agent2's call"
            assert floor.status("agent1") is AgentStatus.READY
            assert not floor.member("1001").ringing
            await asyncio.sleep(0.02)
            assert floor.clock.now() < MONDAY + timedelta(minutes=5), "the call never ended"
        await until(lambda: floor.of_type(AgentConnected), 5, "the connect event")
        (connected,) = floor.of_type(AgentConnected)
        assert (connected.member, connected.interface) == ("agent2", "Local/1002@recoup-agents/n")
        assert floor.member("1001").calls_taken == 0
        assert floor.member("1002").calls_taken == 1
        assert floor.centre.dialer.pops["agent2"].attempt_id == dialed.attempt_id
        assert "agent1" not in floor.centre.dialer.pops


async def test_a_debtor_who_answers_at_once_finds_the_previewing_agent_there(
    sqlite_database: DatabaseUnderTest, tmp_path: Path
) -> None:
    engine = sqlite_database.engine
    folder = tmp_path / "debtors"
    async with campaign_floor(engine, folder, dialer_id=DIALER_ID, speed=CONNECTING_SPEED) as floor:
        popped = await first_preview(floor)
        floor.pbx.script(popped.phone, PartyBehaviour(Outcome.ANSWER, ring_time=0, talk_time=8))
        # Asterisk has the agent unpaused before the Originate: the answered call joins a queue
        # with someone in it, not an empty one that would abandon it.
        dialed = await floor.desk.preview_dial("agent1")
        await until(lambda: floor.of_type(AgentConnected), 5, "the debtor reached agent1")
        (connected,) = floor.of_type(AgentConnected)
        assert connected.member == "agent1"
        await until(lambda: floor.status("agent1") is AgentStatus.WRAP_UP, 10, "the call ended")
        await floor.centre.dialer.store.flush()
        attempt = await attempt_of(engine, dialed.attempt_id or 0)
        assert (attempt.agent, attempt.abandoned) == ("agent1", False)
        assert attempt.connected_at is not None


async def test_when_asterisk_will_not_unpause_the_agent_nothing_is_dialed(
    sqlite_database: DatabaseUnderTest, tmp_path: Path
) -> None:
    engine = sqlite_database.engine
    async with campaign_floor(engine, tmp_path / "debtors", dialer_id=DIALER_ID) as floor:
        popped = await first_preview(floor)
        # Asterisk lost the member (a queue reload, say): QueuePause answers Error.
        del floor.pbx.pbx.queues[DEMO_QUEUE].members["Local/1001@recoup-agents/n"]
        with pytest.raises(DeskError) as refused:
            await floor.desk.preview_dial("agent1")
        assert refused.value.status == 503
        assert "nothing was dialed" in refused.value.message
        assert floor.dials() == set()
        a = t.contact_attempt
        assert await count(engine, a, a.c.debt_id == popped.debt_id) == 0
        # The lead is still the agent's, on their screen, to dial once Asterisk is right again.
        assert floor.desk.current_pop("agent1") == popped
        assert (await lead_of(engine, popped.debt_id)).status == "claimed"
        assert floor.status("agent1") is AgentStatus.RESERVED


async def test_a_previewed_debtor_who_is_busy_leaves_the_agent_nothing_to_record(
    sqlite_database: DatabaseUnderTest, tmp_path: Path
) -> None:
    engine = sqlite_database.engine
    async with campaign_floor(engine, tmp_path / "debtors", dialer_id=DIALER_ID) as floor:
        desk = floor.desk
        popped = await first_preview(floor)
        floor.pbx.script(popped.phone, PartyBehaviour(Outcome.BUSY, ring_time=1))
        dialed = await desk.preview_dial("agent1")
        assert dialed.attempt_id is not None
        await until(lambda: floor.status("agent1") is AgentStatus.READY, 10, "agent1 free again")
        assert desk.current_pop("agent1") is None
        # Ready again, so paused again in the queue: no other agent's call can reach agent1.
        await until(lambda: floor.paused_in_queue("1001"), 5, "agent1 paused in the queue again")
        assert floor.member("1001").paused_reason == "preview"
        # The dialer recorded the outcome itself: the agent has no call to dispose.
        with pytest.raises(DeskError, match="is not agent1's call") as refused:
            await desk.dispose("agent1", dialed.attempt_id, Refused("x"), now=floor.clock.now())
        assert refused.value.status == 409
        await floor.centre.dialer.store.flush()
        assert (await attempt_of(engine, dialed.attempt_id)).outcome == "busy"


async def test_a_call_left_without_a_disposition_counts_as_a_conversation(
    database: DatabaseUnderTest, tmp_path: Path
) -> None:
    engine = database.engine
    async with campaign_floor(engine, tmp_path / "debtors", dialer_id=DIALER_ID) as floor:
        desk = floor.desk
        popped = await first_preview(floor)
        answers(floor, popped)
        dialed = await desk.preview_dial("agent1")
        assert dialed.attempt_id is not None
        await until(lambda: floor.status("agent1") is AgentStatus.WRAP_UP, 10, "debtor hangs up")
        # The agent goes ready without recording what was said.
        before = floor.clock.now()
        state = await desk.ready("agent1")
        assert state.status is AgentStatus.READY
        now = floor.clock.now()
        await floor.centre.dialer.store.flush()

        lead = await lead_of(engine, popped.debt_id)
        assert (lead.status, lead.attempts, lead.claimed_by) == ("ready", 1, None)
        attempt = await attempt_of(engine, dialed.attempt_id)
        cl = t.campaign_lead
        async with engine.connect() as conn:
            next_at = await conn.scalar(select(cl.c.next_at).where(cl.c.debt_id == popped.debt_id))
            # The safe side of the law: the gate holds the debt for 7 days from the answer.
            tomorrow = now + timedelta(days=1)
            facts = await load_dial_facts(
                conn, DialRequest(popped.debt_id, popped.phone), tomorrow, CompliancePolicy()
            )
        assert attempt.outcome is None, "nobody recorded an outcome"
        assert attempt.closed_at is not None
        assert attempt.conversation
        assert attempt.detail == {
            "agent_reserved": True,  # a preview dial: the agent waits for the call
            "note": "no disposition: counted as a conversation",
        }
        next_at = next_at if next_at.tzinfo else next_at.replace(tzinfo=UTC)  # SQLite: naive
        assert next_at >= before + timedelta(days=7)  # released as the agent went ready
        verdict = check_dial(facts, tomorrow, CompliancePolicy())
        assert (verdict.allowed, verdict.rule) == (False, GateRule.CONVERSATION_PAUSE)
