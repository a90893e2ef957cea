"""The far end of an AGI socket, played by the test: what Asterisk would send, line by line."""

from __future__ import annotations

import asyncio
import socket

from ivr.agi import AgiTimeouts

ENVIRONMENT_BLOCK = (
    b"agi_network: yes\n"
    b"agi_network_script: ivr\n"
    b"agi_request: agi://127.0.0.1:4573/ivr\n"
    b"agi_channel: Local/s@inbound-0000000b;2\n"
    b"agi_language: en\n"
    b"agi_uniqueid: 1795459375.23\n"
    b"agi_callerid: 5551234\n"
    b"agi_calleridname: Customer\n"
    b"agi_context: inbound\n"
    b"agi_extension: s\n"
    b"agi_priority: 2\n"
    b"agi_accountcode: \n"
    b"\n"
)
FAST = AgiTimeouts(environment=1, command=1, media=1, application=1, hangup_grace=0.05, close=1)


class ScriptedAsterisk:
    """The far end of the AGI socket, driven line by line by the test."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def send(self, *lines: str) -> None:
        for line in lines:
            self.writer.write(line.encode() + b"\n")
        await self.writer.drain()

    async def expect(self, command: str) -> None:
        got = await asyncio.wait_for(self.reader.readline(), 1)
        assert got == command.encode() + b"\n"

    async def answer(self, command: str, *lines: str) -> None:
        await self.expect(command)
        await self.send(*lines)

    async def sent_nothing_more(self) -> bool:
        """True if the session half-closed without sending anything after what was expected."""
        return await asyncio.wait_for(self.reader.read(), 1) == b""


async def connected_pair() -> tuple[
    tuple[asyncio.StreamReader, asyncio.StreamWriter], ScriptedAsterisk
]:
    ours, theirs = socket.socketpair()
    session_streams = await asyncio.open_connection(sock=ours)
    far_reader, far_writer = await asyncio.open_connection(sock=theirs)
    return session_streams, ScriptedAsterisk(far_reader, far_writer)
