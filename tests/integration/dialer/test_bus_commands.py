"""Supervisors' commands over the bus (MQTT ``recoup/v1/cmd/...``) on a running dialer.

Pause and ready an agent, stop and start a campaign, listen in on an agent's call; a command
that does not hold is logged and dropped, and the dialer carries on.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import uuid
from pathlib import Path

import aiomqtt
import pytest

from dialer.agents.state import AgentStatus
from dialer.engine.autopilot import AutoAgent, run_agents
from dialer.engine.status import CampaignStatus
from dialer.events import AgentConnected, SpyStarted
from pbxsim.behaviour import Outcome, PartyBehaviour
from recoup.bus.mqtt import BrokerAddress
from recoup.demo_centre import (
    DEMO_CAMPAIGN,
)
from tests.conftest import MQTT_ENV, DatabaseUnderTest, service_url
from tests.integration.dialer.floor import campaign_floor, logged_in_ready, until

DIALER_ID = "cmd-dialer"


async def test_a_supervisor_pauses_an_agent_with_a_reason_and_readies_them_again(
    database: DatabaseUnderTest, tmp_path: Path
) -> None:
    async with campaign_floor(
        database.engine,
        tmp_path / "debtors",
        dial_mode="predictive",
        dialer_id=DIALER_ID,
        seed=9,
        talk_s=(5.0, 15.0),
    ) as floor:
        # A predictive campaign, stopped so that no call takes agent1 while we look.
        await floor.command(f"campaigns/{DEMO_CAMPAIGN}/stop")
        await floor.centre.desk.login("agent1", extension="1001", campaign_id=DEMO_CAMPAIGN)

        await floor.command("agents/agent1/ready")
        assert floor.agent("agent1").status is AgentStatus.READY
        await until(lambda: floor.paused_in_queue("1001") is False, 5, "agent1 unpaused in queue")

        await floor.command("agents/agent1/pause", {"reason": "coaching"})
        state = floor.agent("agent1")
        assert (state.status, state.pause_reason) == (AgentStatus.PAUSED, "coaching")
        await until(lambda: floor.paused_in_queue("1001"), 5, "agent1 paused in the queue")
        assert floor.member("1001").paused_reason == "coaching"

        await floor.command("agents/agent1/ready")
        assert floor.agent("agent1").status is AgentStatus.READY
        await until(lambda: floor.paused_in_queue("1001") is False, 5, "agent1 back in queue")


async def test_a_stopped_campaign_places_no_call_until_it_is_started_again(
    sqlite_database: DatabaseUnderTest, tmp_path: Path
) -> None:
    async with campaign_floor(
        sqlite_database.engine,
        tmp_path / "debtors",
        dial_mode="predictive",
        debtors=40,
        dialer_id=DIALER_ID,
        seed=9,
        talk_s=(5.0, 15.0),
    ) as floor:
        centre, clock = floor.centre, floor.clock
        agents = [
            AutoAgent(f"agent{i}", f"{1000 + i}", DEMO_CAMPAIGN, centre.desk, centre.bus, clock,
                      random.Random(i), wrap_s=(1.0, 2.0))
            for i in (1, 2)
        ]  # fmt: skip
        working = asyncio.create_task(run_agents(agents))
        try:
            await until(lambda: len(floor.dials()) >= 2, 20, "the campaign dials")

            await floor.command(f"campaigns/{DEMO_CAMPAIGN}/stop")
            seen = len(floor.published)
            # A pacing decision after the stop says so (and any dial decided before it is out).
            await until(
                lambda: any(
                    isinstance(e, CampaignStatus) and not e.dialing for e in floor.published[seen:]
                ),
                5, "the campaign reported stopped",
            )  # fmt: skip
            await asyncio.sleep(0.2)
            placed = floor.dials()
            await asyncio.sleep(1.5)  # 45 simulated seconds with agents free and leads left
            assert floor.dials() == placed, "a stopped campaign dialed"
            assert (
                centre.dialer.campaign_summary(centre.dialer.campaigns[DEMO_CAMPAIGN])["dialing"]
                is False
            )

            await floor.command(f"campaigns/{DEMO_CAMPAIGN}/start")
            await until(lambda: len(floor.dials()) > len(placed), 10, "dialing resumes")
        finally:
            working.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await working


async def test_a_supervisor_listens_in_on_an_agents_call(
    sqlite_database: DatabaseUnderTest, tmp_path: Path
) -> None:
    async with campaign_floor(
        sqlite_database.engine,
        tmp_path / "debtors",
        dialer_id=DIALER_ID,
        seed=9,
        talk_s=(5.0, 15.0),
    ) as floor:
        desk = floor.centre.desk
        await logged_in_ready(floor, "agent1", "1001")
        popped = await desk.preview_next("agent1")
        assert popped is not None
        floor.pbx.script(popped.phone, PartyBehaviour(Outcome.ANSWER, ring_time=1, talk_time=60))
        await desk.preview_dial("agent1")
        await until(lambda: floor.agent("agent1").status is AgentStatus.ON_CALL, 10, "agent1 talks")
        (connected,) = [e for e in floor.published if isinstance(e, AgentConnected)]
        assert connected.agent_channel

        await floor.command("agents/agent1/spy", {"extension": "2001", "mode": "listen"})

        await until(
            lambda: any(isinstance(e, SpyStarted) for e in floor.published), 10, "spy started"
        )
        (started,) = [e for e in floor.published if isinstance(e, SpyStarted)]
        assert started.linkedid == connected.linkedid
        assert started.spyer_channel.startswith("Local/2001@recoup-agents")
        assert any(
            ("Application", "ChanSpy") in e and ("AppData", f"{connected.agent_channel},qSE") in e
            for e in floor.pbx_events
        ), "ChanSpy on the agent's own channel"


async def test_commands_that_do_not_hold_are_logged_and_dropped(
    sqlite_database: DatabaseUnderTest, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with campaign_floor(
        sqlite_database.engine,
        tmp_path / "debtors",
        dialer_id=DIALER_ID,
        seed=9,
        talk_s=(5.0, 15.0),
    ) as floor:
        await logged_in_ready(floor, "agent1", "1001")
        caplog.set_level(logging.WARNING, logger="recoup.contact_centre")
        dropped = [
            ("agents/agent1/dance", {}),
            ("agents/agent1", {}),
            ("", {}),
            ("agents/nobody/pause", {"reason": "coaching"}),
            ("agents/agent1/pause", {"reason": "   "}),
            ("agents/agent1/pause", {"reason": "x" * 500}),
            ("agents/agent1/ready", {}),  # ready already
            ("agents/agent1/spy", {"extension": "2001", "mode": "listen"}),  # not on a call
            ("agents/agent1/spy", {"extension": "2001", "mode": "shout"}),
            ("agents/agent1/spy", {"extension": "2001@evil/n", "mode": "barge"}),
            ("campaigns/nosuch/stop", {}),
            ("campaigns/demo/explode", {}),
        ]
        for path, body in dropped:
            caplog.clear()
            await floor.command(path, body)
            assert caplog.records, f"{path} {body} was not logged"
            assert caplog.records[-1].levelno == logging.WARNING
        # Nothing changed: agent1 is still ready and unpaused, the campaign still runs.
        assert floor.agent("agent1").status is AgentStatus.READY
        assert floor.agent("agent1").pause_reason == ""
        assert not floor.centre.dialer.campaigns[DEMO_CAMPAIGN].stopped
        assert not any(
            ("Application", "ChanSpy") in e or dict(e).get("Channel", "").startswith("Local/2001")
            for e in floor.pbx_events
        ), "a refused spy reached Asterisk"
        # ... and the next good command is carried out.
        await floor.command("agents/agent1/pause", {"reason": "coaching"})
        assert floor.agent("agent1").pause_reason == "coaching"


async def test_a_pause_published_to_a_real_mqtt_broker_pauses_the_agent(
    sqlite_database: DatabaseUnderTest, tmp_path: Path
) -> None:
    url = service_url(MQTT_ENV, "MQTT broker")
    address = BrokerAddress.parse(url)
    # The broker may be shared with other test runs, whose dialers hear every command too: an
    # agent name of this test's own keeps its pause from reaching their agent1.
    agent = f"agent-{uuid.uuid4().hex[:10]}"
    async with (
        campaign_floor(
            sqlite_database.engine,
            tmp_path / "debtors",
            mqtt_url=url,
            dialer_id=DIALER_ID,
            seed=9,
            talk_s=(5.0, 15.0),
        ) as floor,
        aiomqtt.Client(address.host, address.port) as client,
    ):
        await client.subscribe(f"recoup/v1/agents/{agent}/#")
        await logged_in_ready(floor, agent, "1001")
        # The agent's events reach the broker once the link is up; it subscribes to commands
        # before it publishes anything, so from then on a command is heard.
        async with asyncio.timeout(10):
            async for _message in client.messages:
                break
        await client.publish(
            f"recoup/v1/cmd/agents/{agent}/pause",
            json.dumps({"reason": "coaching"}).encode(),
            qos=1,
        )
        await until(lambda: floor.agent(agent).status is AgentStatus.PAUSED, 10, "agent paused")
        state = floor.agent(agent)
        assert (state.status, state.pause_reason) == (AgentStatus.PAUSED, "coaching")
        await until(lambda: floor.member("1001").paused_reason == "coaching", 5, "paused in queue")
