"""The dialer's AMI session end to end against pbxsim, the Asterisk stand-in, over real TCP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from dialer.ami.pbx import AsteriskPbx
from dialer.ami.session import AmiSession, AmiSettings
from dialer.events import CallFailed, FailReason, HungUp, PbxEvent, QueueSnapshot
from pbxsim.behaviour import Outcome, PartyBehaviour
from pbxsim.config import SimConfig
from pbxsim.sim import PbxSim
from recoup.bus.event import event_type
from recoup.clock import ScaledClock


@pytest.fixture
async def sim(tmp_path: Path) -> AsyncIterator[PbxSim]:
    config = SimConfig(recordings_dir=tmp_path / "rec", agent_answer_delay=0.5)
    async with PbxSim(config, ScaledClock(100.0)) as running:
        yield running


async def dialer_on(sim: PbxSim) -> tuple[AmiSession, AsteriskPbx, list[PbxEvent]]:
    events: list[PbxEvent] = []
    settings = AmiSettings(
        host=sim.host, port=sim.port, username="dialer", secret="dialerpass", action_timeout_s=2.0
    )
    session = AmiSession(settings, on_event=events.append)
    await session.start()
    return session, AsteriskPbx(session), events


async def until(events: list[PbxEvent], kind: type, within: float = 5.0) -> None:
    for _ in range(int(within / 0.01)):
        if any(isinstance(e, kind) for e in events):
            return
        await asyncio.sleep(0.01)
    pytest.fail(f"no {kind.__name__} in {[event_type(e) for e in events]}")


async def test_answered_call_reaches_an_agent_through_pbxsim(sim: PbxSim) -> None:
    sim.login_agent("agent1")
    sim.script("5550001", PartyBehaviour(Outcome.ANSWER, ring_time=1, talk_time=3))
    session, pbx, events = await dialer_on(sim)
    try:
        assert any(isinstance(e, QueueSnapshot) for e in events)
        await pbx.originate(
            "Local/5550001@customers",
            context="dialer-out",
            exten="s",
            channel_id="lead1-try1",
            variables={"DIALER_LEAD": "lead1"},
            action_id="attempt-1",
        )
        await until(events, HungUp)
        story = [event_type(e) for e in events if getattr(e, "linkedid", None) == "lead1-try1"]
        for step in ("call_originated", "call_answered", "queue_joined", "agent_connected"):
            assert step in story
        assert story[-1] == "hung_up"
    finally:
        await session.close()


async def test_busy_number_fails_as_busy_through_pbxsim(sim: PbxSim) -> None:
    sim.script("5550004", PartyBehaviour(Outcome.BUSY, ring_time=1))
    session, pbx, events = await dialer_on(sim)
    try:
        await pbx.originate(
            "Local/5550004@customers", context="dialer-out", exten="s", action_id="attempt-4"
        )
        await until(events, CallFailed)
        (failed,) = [e for e in events if isinstance(e, CallFailed)]
        assert failed.reason is FailReason.BUSY
        assert failed.action_id == "attempt-4"
    finally:
        await session.close()
