"""Queue members as an AMI client sees them, value for value as in capture n."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from pbxsim_client import BareAmi

from pbxsim.config import SimConfig
from pbxsim.sim import PbxSim
from recoup.clock import ScaledClock

AGENT1 = "Local/agent1@agents/n"


@pytest.fixture
async def ami() -> AsyncIterator[BareAmi]:
    async with PbxSim(SimConfig(), ScaledClock(50)) as sim:
        client = await BareAmi.connect(sim.host, sim.port)
        yield client
        await client.close()


async def test_an_unpause_reason_is_told_once_and_not_kept_as_the_pause_reason(
    ami: BareAmi,
) -> None:
    """n: the unpause's QueueMemberPause carries ``PausedReason: ready``; the next event about
    agent1 and QueueStatus show an empty PausedReason (app_queue clears it after the event)."""
    await ami.action("QueueAdd", Queue="collections", Interface=AGENT1, Paused="true")
    await ami.action(
        "QueuePause", Queue="collections", Interface=AGENT1, Paused="true", Reason="lunch"
    )
    await ami.action(
        "QueuePause", Queue="collections", Interface=AGENT1, Paused="false", Reason="ready"
    )
    unpaused = await ami.wait_event("QueueMemberPause", Paused="0")
    await ami.action("QueueMemberRingInUse", Queue="collections", Interface=AGENT1, RingInUse="1")
    ringinuse = await ami.wait_event("QueueMemberRinginuse")
    status_id = ami.send("QueueStatus", Queue="collections")
    listed = await ami.wait_for(lambda m: m.event == "QueueMember" and m.action_id == status_id)

    assert unpaused["PausedReason"] == "ready"
    assert ringinuse["PausedReason"] == ""
    assert (listed["Paused"], listed["PausedReason"]) == ("0", "")


async def test_a_pause_reason_stays_while_the_member_is_paused(ami: BareAmi) -> None:
    await ami.action(
        "QueueAdd", Queue="collections", Interface=AGENT1, Paused="true", Reason="login"
    )
    status_id = ami.send("QueueStatus", Queue="collections")
    listed = await ami.wait_for(lambda m: m.event == "QueueMember" and m.action_id == status_id)

    assert (listed["Paused"], listed["PausedReason"]) == ("1", "login")
