"""The FastAGI server routes calls by script, survives bad calls, caps load and stops cleanly."""

from __future__ import annotations

import asyncio
import logging
import socket
import struct

import pytest

from ivr.agi import AgiSession, AgiTimeouts, FastAgiServer, serve_fastagi

TIMEOUTS = AgiTimeouts(environment=0.5, command=1, media=1, application=1, close=0.5)


def environment(script: str, channel: str = "Local/s@inbound-00000001;2") -> bytes:
    return (
        f"agi_network: yes\nagi_network_script: {script}\n"
        f"agi_request: agi://127.0.0.1:4573/{script}\nagi_channel: {channel}\n\n"
    ).encode()


async def call_in(
    port: int, script: str, channel: str = "Local/s@inbound-00000001;2"
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(environment(script, channel))
    await writer.drain()
    return reader, writer


async def next_line(reader: asyncio.StreamReader) -> bytes:
    return await asyncio.wait_for(reader.readline(), 2)


async def until_closed(reader: asyncio.StreamReader) -> bytes:
    return await asyncio.wait_for(reader.read(), 2)


async def test_each_script_gets_its_own_flow_with_its_parameters() -> None:
    async def after_hours(session: AgiSession) -> None:
        await session.set_variable("FLOW", f"after-hours {session.environment.params}")

    async def callback(session: AgiSession) -> None:
        await session.set_variable("FLOW", "callback")

    routes = {"after-hours": after_hours, "callback": callback}
    server = await serve_fastagi(routes, "127.0.0.1", 0, timeouts=TIMEOUTS)
    try:
        reader, writer = await call_in(server.port, "after-hours?campaign=7")
        assert await next_line(reader) == b"SET VARIABLE FLOW \"after-hours {'campaign': '7'}\"\n"
        writer.write(b"200 result=1\n")
        assert await until_closed(reader) == b""
        writer.close()
        reader, writer = await call_in(server.port, "callback")
        assert await next_line(reader) == b'SET VARIABLE FLOW "callback"\n'
        writer.close()
    finally:
        await server.stop()


async def test_a_call_for_an_unknown_script_is_closed_without_a_command() -> None:
    async with FastAgiServer({}, port=0, timeouts=TIMEOUTS) as server:
        reader, writer = await call_in(server.port, "nosuchflow")
        assert await until_closed(reader) == b""
        writer.close()


async def test_a_crashing_flow_ends_only_its_own_call() -> None:
    async def flow(session: AgiSession) -> None:
        if session.environment.channel.endswith("crash;2"):
            raise RuntimeError("bug in the flow")
        await session.verbose("still serving")

    async with FastAgiServer(flow, port=0, timeouts=TIMEOUTS) as server:
        crashing_reader, crashing_writer = await call_in(server.port, "ivr", "Local/crash;2")
        healthy_reader, healthy_writer = await call_in(server.port, "ivr", "Local/ok;2")
        assert await until_closed(crashing_reader) == b""
        assert await next_line(healthy_reader) == b'VERBOSE "still serving" 1\n'
        healthy_writer.write(b"200 result=1\n")
        assert await until_closed(healthy_reader) == b""
        for writer in (crashing_writer, healthy_writer):
            writer.close()


async def test_garbage_instead_of_an_environment_does_not_stop_the_server() -> None:
    async def flow(session: AgiSession) -> None:
        await session.noop()

    async with FastAgiServer(flow, port=0, timeouts=TIMEOUTS) as server:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert await until_closed(reader) == b""
        writer.close()
        reader, writer = await call_in(server.port, "ivr")
        assert await next_line(reader) == b"NOOP\n"
        writer.close()


async def test_calls_beyond_the_limit_are_refused_at_once() -> None:
    release = asyncio.Event()

    async def flow(session: AgiSession) -> None:
        await session.noop()
        await release.wait()

    async with FastAgiServer(flow, port=0, max_sessions=1, timeouts=TIMEOUTS) as server:
        first_reader, first_writer = await call_in(server.port, "ivr")
        assert await next_line(first_reader) == b"NOOP\n"
        assert server.active_sessions == 1
        second_reader, second_writer = await call_in(server.port, "ivr")
        assert await until_closed(second_reader) == b""
        release.set()
        for writer in (first_writer, second_writer):
            writer.close()


async def test_shutdown_cuts_a_stuck_call_after_the_grace_and_closes_its_socket() -> None:
    stuck = asyncio.Event()
    cancelled = asyncio.Event()

    async def flow(session: AgiSession) -> None:
        stuck.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    server = FastAgiServer(flow, port=0, timeouts=TIMEOUTS, shutdown_grace_s=0.05)
    await server.start()
    reader, writer = await call_in(server.port, "ivr")
    await asyncio.wait_for(stuck.wait(), 2)
    stopping = asyncio.create_task(server.stop())
    assert await until_closed(reader) == b""
    writer.close()
    await asyncio.wait_for(stopping, 2)
    assert cancelled.is_set()
    assert server.active_sessions == 0


async def test_a_call_cut_off_inside_its_environment_is_logged_as_a_bad_start(
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = await serve_fastagi(lambda session: asyncio.sleep(0), "127.0.0.1", 0)
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"agi_network: yes\n")
        await writer.drain()
        await asyncio.sleep(0.05)
        # SO_LINGER 0: closing sends an RST, as when the PBX host drops the call's socket.
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        with caplog.at_level(logging.WARNING, logger="ivr.agi.fastagi"):
            writer.close()
            await server.stop()  # waits for the call's task to end
    finally:
        await server.stop()
    assert "bad start" in caplog.text


async def test_a_request_that_is_not_a_url_is_a_bad_start_and_the_call_goes_back_at_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A dialplan typo such as AGI(agi://[::1/ivr) must not leave the caller in dead air:
    # Asterisk waits on the socket for a command for as long as it stays open.
    async with FastAgiServer({"ivr": lambda session: session.noop()}, port=0) as server:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"agi_network: yes\nagi_request: agi://[::1/ivr\nagi_channel: x;2\n\n")
        with caplog.at_level(logging.WARNING, logger="ivr.agi.fastagi"):
            assert await until_closed(reader) == b""
        writer.close()
    assert "bad start" in caplog.text
    assert "agi://[::1/ivr" in caplog.text
