"""Login rules and the fault hooks a dialer's reconnect logic is tested against."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import AsyncIterator

import pytest
from pbxsim_client import BareAmi

from dialer.ami.protocol import AmiParser, AmiProtocolError
from pbxsim.config import SimConfig
from pbxsim.sim import PbxSim
from recoup.clock import ScaledClock


@pytest.fixture
async def sim() -> AsyncIterator[PbxSim]:
    async with PbxSim(SimConfig(auth_failure_delay=1.0), ScaledClock(50)) as running:
        yield running


async def test_wrong_secret_is_refused_after_the_delay_and_the_connection_closed(
    sim: PbxSim,
) -> None:
    client = await BareAmi.connect(sim.host, sim.port, login=False)
    began = time.monotonic()

    reply = await client.action("Login", Username="dialer", Secret="wrong")
    await asyncio.wait_for(client.closed.wait(), 2)

    assert (reply["Response"], reply["Message"]) == ("Error", "Authentication failed")
    assert time.monotonic() - began >= 1.0 / 50


async def test_actions_before_login_are_denied_but_the_connection_stays(sim: PbxSim) -> None:
    client = await BareAmi.connect(sim.host, sim.port, login=False)

    denied = await client.action("CoreSettings")
    pong = await client.action("Login", Username="dialer", Secret="dialerpass")

    assert denied["Message"] == "Permission denied"
    assert pong["Message"] == "Authentication accepted"
    await client.close()


async def test_md5_challenge_login_with_events_off_gets_no_events(sim: PbxSim) -> None:
    client = await BareAmi.connect(sim.host, sim.port, login=False)

    challenge = (await client.action("Challenge", AuthType="MD5"))["Challenge"]
    key = hashlib.md5(f"{challenge}dialerpass".encode()).hexdigest()
    reply = await client.action("Login", AuthType="MD5", Username="dialer", Key=key, Events="off")
    sim.login_agent("agent1")
    await client.action("Ping")

    assert reply["Message"] == "Authentication accepted"
    assert client.events == []
    await client.close()


async def test_logged_in_client_gets_fullybooted_and_successfulauth(sim: PbxSim) -> None:
    client = await BareAmi.connect(sim.host, sim.port)

    booted = await client.wait_event("FullyBooted")
    auth = await client.wait_event("SuccessfulAuth")

    assert booted["Status"] == "Fully Booted"
    assert auth["AccountID"] == "dialer"
    await client.close()


async def test_cut_connections_drops_every_client(sim: PbxSim) -> None:
    first = await BareAmi.connect(sim.host, sim.port)
    second = await BareAmi.connect(sim.host, sim.port)

    sim.cut_connections()

    await asyncio.wait_for(first.closed.wait(), 2)
    await asyncio.wait_for(second.closed.wait(), 2)


async def test_server_restarts_on_the_same_port(sim: PbxSim) -> None:
    client = await BareAmi.connect(sim.host, sim.port)
    port = sim.port

    await sim.stop_server()
    await asyncio.wait_for(client.closed.wait(), 2)
    with pytest.raises(ConnectionRefusedError):
        await asyncio.open_connection(sim.host, port)
    await sim.restart_server()
    again = await BareAmi.connect(sim.host, sim.port)

    assert sim.port == port
    assert (await again.action("Ping"))["Ping"] == "Pong"
    await again.close()


async def test_garbage_bytes_reach_the_client_as_a_malformed_block(sim: PbxSim) -> None:
    client = await BareAmi.connect(sim.host, sim.port)
    await client.wait_event("SuccessfulAuth")

    sim.inject_garbage(b"\x00\xff not a header\r\n\r\n")
    odd = await client.wait_for(lambda m: m.malformed_lines)

    assert odd.not_utf8
    assert (await client.action("Ping"))["Ping"] == "Pong"


async def test_oversized_event_is_a_megabyte_block(sim: PbxSim) -> None:
    reader, writer = await asyncio.open_connection(sim.host, sim.port)
    writer.write(b"Action: Login\r\nUsername: dialer\r\nSecret: dialerpass\r\n\r\n")
    await asyncio.sleep(0.05)
    parser = AmiParser(expect_banner=True, max_message_bytes=512 * 1024)

    sim.send_oversized_event(1024 * 1024)

    async def read_all() -> None:
        while data := await asyncio.wait_for(reader.read(65536), 2):
            parser.feed(data)

    with pytest.raises(AmiProtocolError, match="grew past"):
        await read_all()
    writer.close()


async def test_half_block_then_close(sim: PbxSim) -> None:
    reader, writer = await asyncio.open_connection(sim.host, sim.port)
    writer.write(b"Action: Login\r\nUsername: dialer\r\nSecret: dialerpass\r\n\r\n")
    await asyncio.sleep(0.05)

    await sim.half_block_and_close()
    data = await asyncio.wait_for(reader.read(), 2)

    assert data.endswith(b"Channel: Local/cut")
    parser = AmiParser(expect_banner=True)
    complete = parser.feed(data)
    assert parser.pending_bytes > 0
    assert all(not (m.get("Channel") or "").endswith("cut") for m in complete)
    writer.close()


async def test_unknown_action_answers_with_asterisks_words(sim: PbxSim) -> None:
    client = await BareAmi.connect(sim.host, sim.port)

    reply = await client.action("PauseMonitor", Channel="x")

    assert reply["Message"] == (
        "Invalid/unknown command: PauseMonitor. Use Action: ListCommands to show available "
        "commands."
    )
    await client.close()


async def test_a_second_login_on_a_logged_in_link_is_acknowledged_not_checked_again(
    sim: PbxSim,
) -> None:
    """manager.c's action_login: ``Already authenticated``, whatever the second Login says;
    the link, its events and its session stay as they were."""
    client = await BareAmi.connect(sim.host, sim.port)
    await client.wait_event("SuccessfulAuth")

    again = await client.action("Login", Username="dialer", Secret="an old secret")
    pong = await client.action("Ping")

    assert (again["Response"], again["Message"]) == ("Success", "Already authenticated")
    assert pong["Ping"] == "Pong"
    assert len(client.named("SuccessfulAuth")) == 1
    await client.close()
