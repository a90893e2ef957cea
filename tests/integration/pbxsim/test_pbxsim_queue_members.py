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


@pytest.mark.parametrize("penalty", ["-3", "²", "high"])
async def test_queueadd_with_a_penalty_app_queue_cannot_read_adds_the_member_at_penalty_0(
    ami: BareAmi, penalty: str
) -> None:
    """app_queue: ``sscanf("%30d") != 1 || penalty < 0`` -> 0; the answer is what happened."""
    reply = await ami.action("QueueAdd", Queue="collections", Interface=AGENT1, Penalty=penalty)
    added = await ami.wait_event("QueueMemberAdded")

    assert reply["Message"] == "Added interface to queue"
    assert added["Penalty"] == "0"
    assert (await ami.action("Ping"))["Ping"] == "Pong"


async def test_queuepenalty_reads_the_penalty_as_atoi_and_refuses_a_negative_one(
    ami: BareAmi,
) -> None:
    await ami.action("QueueAdd", Queue="collections", Interface=AGENT1, Penalty="2")

    odd = await ami.action("QueuePenalty", Queue="collections", Interface=AGENT1, Penalty="²")
    changed = await ami.wait_event("QueueMemberPenalty")
    negative = await ami.action("QueuePenalty", Interface=AGENT1, Penalty="-1")
    missing = await ami.action("QueuePenalty", Queue="collections", Interface=AGENT1)

    assert (odd["Response"], changed["Penalty"]) == ("Success", "0")
    assert negative["Message"] == "Invalid interface, queuename or penalty"
    assert missing["Message"] == "Need 'Interface' and 'Penalty' parameters."
