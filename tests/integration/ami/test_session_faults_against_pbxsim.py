"""Faults between the dialer's AMI session and pbxsim: the client recovers or reports, and
never hangs or leaks (issue 3, "Faults")."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from dialer.ami.errors import ConnectionLost
from dialer.ami.pbx import AsteriskPbx
from dialer.ami.session import AmiSession, AmiSettings
from dialer.events import (
    ChannelsSnapshot,
    HungUp,
    PbxConnected,
    PbxDisconnected,
    PbxEvent,
)
from pbxsim.behaviour import Outcome, PartyBehaviour
from pbxsim.config import SimConfig
from pbxsim.sim import PbxSim
from recoup.clock import ScaledClock


@pytest.fixture
async def sim(tmp_path: Path) -> AsyncIterator[PbxSim]:
    config = SimConfig(recordings_dir=tmp_path / "rec", agent_answer_delay=0.5)
    async with PbxSim(config, ScaledClock(50.0)) as running:
        yield running


def settings_for(sim: PbxSim) -> AmiSettings:
    return AmiSettings(
        host=sim.host, port=sim.port, username="dialer", secret="dialerpass",
        action_timeout_s=2.0, reconnect_initial_s=0.05, reconnect_max_s=0.2,
        ping_interval_s=0.5, ping_timeout_s=0.5,
    )  # fmt: skip


async def until(condition: object, within: float = 5.0) -> None:
    assert callable(condition)
    for _ in range(int(within / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    pytest.fail("condition never became true")


def count(events: list[PbxEvent], kind: type) -> int:
    return sum(isinstance(e, kind) for e in events)


async def test_connection_cut_mid_call_reconnects_and_the_snapshot_shows_the_live_call(
    sim: PbxSim,
) -> None:
    sim.login_agent("agent1")
    sim.script("5550001", PartyBehaviour(Outcome.ANSWER, ring_time=1, talk_time=60))
    events: list[PbxEvent] = []
    session = AmiSession(settings_for(sim), on_event=events.append)
    await session.start()
    try:
        await AsteriskPbx(session).originate(
            "Local/5550001@customers", context="dialer-out", exten="s", channel_id="cut-1"
        )
        await until(lambda: len(sim.pbx.channels.live) >= 2)
        await asyncio.sleep(0.1)
        sim.cut_connections()
        await until(lambda: count(events, PbxConnected) >= 2)
        await until(lambda: count(events, ChannelsSnapshot) >= 2)
        assert count(events, PbxDisconnected) >= 1
        latest = [e for e in events if isinstance(e, ChannelsSnapshot)][-1]
        assert any(c.uniqueid == "cut-1" or c.linkedid == "cut-1" for c in latest.channels)
        await AsteriskPbx(session).ping()
    finally:
        await session.close()


async def test_pbxsim_restarted_the_session_comes_back_by_itself(sim: PbxSim) -> None:
    events: list[PbxEvent] = []
    session = AmiSession(settings_for(sim), on_event=events.append)
    await session.start()
    pbx = AsteriskPbx(session)
    try:
        await sim.stop_server()
        await until(lambda: not session.connected)
        with pytest.raises(ConnectionLost):
            await pbx.ping()
        await sim.restart_server()
        await session.wait_connected(within_s=5)
        await pbx.ping()
        assert count(events, PbxConnected) >= 2
    finally:
        await session.close()


async def test_garbage_and_a_one_megabyte_event_do_not_stop_calls_from_being_reported(
    sim: PbxSim,
) -> None:
    sim.script("5550002", PartyBehaviour(Outcome.ANSWER, ring_time=1, talk_time=1))
    events: list[PbxEvent] = []
    session = AmiSession(settings_for(sim), on_event=events.append)
    await session.start()
    try:
        sim.inject_garbage()
        sim.send_oversized_event()
        await AsteriskPbx(session).ping()
        await AsteriskPbx(session).originate(
            "Local/5550002@customers", context="dialer-out", exten="s", channel_id="after-garbage"
        )
        await until(
            lambda: any(isinstance(e, HungUp) and e.linkedid == "after-garbage" for e in events)
        )
    finally:
        await session.close()


async def test_a_half_sent_block_then_close_is_survived(sim: PbxSim) -> None:
    events: list[PbxEvent] = []
    session = AmiSession(settings_for(sim), on_event=events.append)
    await session.start()
    try:
        await sim.half_block_and_close()
        await until(lambda: count(events, PbxConnected) >= 2)
        await AsteriskPbx(session).ping()
    finally:
        await session.close()


async def test_closing_the_session_leaves_no_task_behind(sim: PbxSim) -> None:
    before = {t for t in asyncio.all_tasks() if not t.done()}
    session = AmiSession(settings_for(sim))
    await session.start()
    sim.cut_connections()
    await asyncio.sleep(0.1)
    await session.close()
    await asyncio.sleep(0.05)
    leaked = {t for t in asyncio.all_tasks() if not t.done()} - before - {asyncio.current_task()}
    assert not [t for t in leaked if "pbxsim" not in repr(t.get_coro())], leaked
