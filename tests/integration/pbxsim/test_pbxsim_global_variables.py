"""Setvar/Getvar without a Channel are the dialplan's global variables, as on Asterisk."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from pbxsim_client import BareAmi

from pbxsim.config import SimConfig
from pbxsim.sim import PbxSim
from recoup.clock import ScaledClock


@pytest.fixture
async def sim() -> AsyncIterator[PbxSim]:
    async with PbxSim(SimConfig.recoup(["recoup-spring"]), ScaledClock(50)) as running:
        yield running


@pytest.fixture
async def ami(sim: PbxSim) -> AsyncIterator[BareAmi]:
    client = await BareAmi.connect(sim.host, sim.port)
    yield client
    await client.close()


async def test_getvar_without_a_channel_reads_the_dialplans_globals(ami: BareAmi) -> None:
    reply = await ami.action("Getvar", Variable="RECOUP_QUEUE_TIMEOUT")

    assert (reply["Response"], reply["Value"]) == ("Success", "3")


async def test_a_global_set_over_ami_is_kept_and_read_back(sim: PbxSim, ami: BareAmi) -> None:
    """``Variable Set`` must mean set: the Recoup dialplan reads ${RECOUP_QUEUE_TIMEOUT}."""
    done = await ami.action("Setvar", Variable="RECOUP_QUEUE_TIMEOUT", Value="8")
    reply = await ami.action("Getvar", Variable="RECOUP_QUEUE_TIMEOUT")
    unset = await ami.action("Getvar", Variable="NOT_SET_ANYWHERE")

    assert done["Message"] == "Variable Set"
    assert reply["Value"] == "8"
    assert sim.config.globals["RECOUP_QUEUE_TIMEOUT"] == "8"
    assert (unset["Response"], unset["Value"]) == ("Success", "")
