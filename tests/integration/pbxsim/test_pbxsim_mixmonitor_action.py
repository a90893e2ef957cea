"""The MixMonitor AMI action records where the client asked, as app_mixmonitor does.

``File`` is the recording (relative: under the monitor spool, here ``recordings_dir``);
``Options: i(VAR)`` puts the recording's id in VAR and the Response carries ``MixMonitorID``;
``MIXMONITOR_FILENAME`` is set on the channel. No File: ``Could not start monitoring channel``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pbxsim_client import BareAmi

from pbxsim.behaviour import Outcome, PartyBehaviour
from pbxsim.config import SimConfig
from pbxsim.sim import PbxSim
from recoup.clock import ScaledClock


@pytest.fixture
async def sim(tmp_path: Path) -> AsyncIterator[PbxSim]:
    config = SimConfig(recordings_dir=tmp_path / "spool")
    async with PbxSim(config, ScaledClock(50)) as running:
        yield running


@pytest.fixture
async def ami(sim: PbxSim) -> AsyncIterator[BareAmi]:
    client = await BareAmi.connect(sim.host, sim.port)
    yield client
    await client.close()


async def live_channel(sim: PbxSim, ami: BareAmi) -> str:
    sim.script("5550001", PartyBehaviour(Outcome.ANSWER, ring_time=0.5, talk_time=600))
    ami.send(
        "Originate", Channel="Local/5550001@customers", Application="Wait", Data="600", Async="1"
    )
    answered = await ami.wait_event("OriginateResponse", Response="Success")
    return answered["Channel"]


async def test_a_recording_started_over_ami_is_written_to_the_file_asked_for(
    sim: PbxSim, ami: BareAmi, tmp_path: Path
) -> None:
    channel = await live_channel(sim, ami)
    wanted = tmp_path / "calls" / "lead-7.wav"

    reply = await ami.action("MixMonitor", Channel=channel, File=str(wanted), Options="i(MYID)")
    named = await ami.wait_event("VarSet", Variable="MIXMONITOR_FILENAME")
    mix_id = (await ami.action("Getvar", Channel=channel, Variable="MYID"))["Value"]
    stopped = await ami.action("StopMixMonitor", Channel=channel, MixMonitorID=mix_id)
    await ami.action("Hangup", Channel=channel, Cause="16")
    await sim.wait_idle(5)

    assert reply["Response"] == "Success"
    assert reply["MixMonitorID"] == mix_id != ""
    assert named["Value"] == str(wanted)
    assert stopped["Response"] == "Success"
    assert wanted.exists()


async def test_a_relative_file_goes_under_the_monitor_spool(sim: PbxSim, ami: BareAmi) -> None:
    channel = await live_channel(sim, ami)

    reply = await ami.action("MixMonitor", Channel=channel, File="lead-8.wav")
    named = await ami.wait_event("VarSet", Variable="MIXMONITOR_FILENAME")

    assert reply["Response"] == "Success"
    assert "MixMonitorID" not in reply  # no i() option, no id
    assert named["Value"] == str(sim.config.recordings_dir / "lead-8.wav")


async def test_mixmonitor_without_a_file_is_refused(sim: PbxSim, ami: BareAmi) -> None:
    channel = await live_channel(sim, ami)

    reply = await ami.action("MixMonitor", Channel=channel)

    assert (reply["Response"], reply["Message"]) == ("Error", "Could not start monitoring channel")
