"""Bad input from an AMI client: pbxsim answers with Asterisk's error and keeps the connection.

manager.c checks Originate's and Redirect's numbers with ``sscanf("%30d")`` before anything
else and answers ``Invalid priority`` / ``Invalid timeout``; a Channel without ``/`` is
``Invalid channel``. None of these may cost the client its connection.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from pbxsim_client import BareAmi

from pbxsim.config import SimConfig
from pbxsim.sim import PbxSim
from recoup.clock import ScaledClock


@pytest.fixture
async def sim() -> AsyncIterator[PbxSim]:
    async with PbxSim(SimConfig(), ScaledClock(50)) as running:
        yield running


@pytest.fixture
async def ami(sim: PbxSim) -> AsyncIterator[BareAmi]:
    client = await BareAmi.connect(sim.host, sim.port)
    yield client
    await client.close()


async def still_connected(ami: BareAmi) -> bool:
    return (await ami.action("Ping"))["Ping"] == "Pong"


async def test_originate_with_a_priority_that_is_not_a_number_is_refused_not_a_dropped_link(
    ami: BareAmi,
) -> None:
    reply = await ami.action(
        "Originate",
        Channel="Local/answer@customers",
        Context="dialer-out",
        Exten="s",
        Priority="first",
    )

    assert (reply["Response"], reply["Message"]) == ("Error", "Invalid priority")
    assert await still_connected(ami)


async def test_originate_with_a_timeout_that_is_not_a_number_is_refused(ami: BareAmi) -> None:
    reply = await ami.action(
        "Originate",
        Channel="Local/answer@customers",
        Application="Wait",
        Data="1",
        Timeout="thirty seconds",
    )

    assert (reply["Response"], reply["Message"]) == ("Error", "Invalid timeout")
    assert await still_connected(ami)


async def test_originate_of_a_channel_without_technology_is_an_invalid_channel(
    ami: BareAmi,
) -> None:
    reply = await ami.action("Originate", Channel="5550001", Application="Wait", Data="1")

    assert (reply["Response"], reply["Message"]) == ("Error", "Invalid channel")
    assert await still_connected(ami)


async def test_originate_priority_and_timeout_are_read_as_asterisk_reads_numbers(
    ami: BareAmi,
) -> None:
    """``%d`` takes the leading number: ``1x`` is priority 1, `` 20000ms`` 20 s."""
    reply = await ami.action(
        "Originate",
        Channel="Local/answer@customers",
        Context="dialer-out",
        Exten="s",
        Priority="1x",
        Timeout=" 20000ms",
        Async="true",
    )

    assert (reply["Response"], reply["Message"]) == ("Success", "Originate successfully queued")


async def test_redirect_of_a_live_caller_with_a_bad_priority_is_refused_not_a_dropped_link(
    sim: PbxSim, ami: BareAmi
) -> None:
    ami.send(
        "Originate",
        Channel="Local/answer@customers",
        Application="Wait",
        Data="30",
        Async="true",
    )
    answered = await ami.wait_event("OriginateResponse", Response="Success")

    reply = await ami.action(
        "Redirect", Channel=answered["Channel"], Context="abandon-msg", Exten="s", Priority="x"
    )

    assert (reply["Response"], reply["Message"]) == ("Error", "Invalid priority")
    assert await still_connected(ami)
    assert sim.pbx.channels.find(answered["Channel"]) is not None  # the call is untouched


async def test_redirect_without_a_channel_says_so(ami: BareAmi) -> None:
    reply = await ami.action("Redirect", Context="abandon-msg", Exten="s", Priority="1")

    assert (reply["Response"], reply["Message"]) == ("Error", "Channel not specified")


async def test_status_of_a_channel_that_is_gone_is_no_such_channel_not_an_empty_list(
    ami: BareAmi,
) -> None:
    """manager.c's Status looks the named channel up first, as Getvar and Hangup do (g2)."""
    reply = await ami.action("Status", Channel="Local/answer@customers-00000000;1")

    assert (reply["Response"], reply["Message"]) == ("Error", "No such channel")
    assert "EventList" not in reply


async def test_a_fault_inside_an_action_is_recorded_and_answered_not_a_silently_dropped_link(
    sim: PbxSim, ami: BareAmi
) -> None:
    """Tests assert ``not sim.pbx.errors``: a handler that fails must show there, and the
    client (like an Asterisk client) keeps its link and gets an answer for its ActionID."""

    async def broken(session: object, message: object) -> None:
        raise RuntimeError("a fault of the simulator")

    sim.server.handlers["corestatus"] = broken

    reply = await ami.action("CoreStatus")

    assert reply["Response"] == "Error"
    assert [str(e) for e in sim.pbx.errors] == ["a fault of the simulator"]
    assert await still_connected(ami)
    sim.pbx.errors.clear()
