"""A fake Asterisk that replays a FastAGI capture against a real FastAGI server.

The capture's ``<<<`` lines are sent as Asterisk sent them; each ``>>>`` line is what the
server must send next, byte for byte. The recorder's notes mark where the script half-closed
(Asterisk then expects end of stream) and where Asterisk closed the socket. After the last
step the server must send nothing more before it closes.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

FIXTURES = Path(__file__).parents[2] / "fixtures" / "agi"
STEP_TIMEOUT_S = 2.0


@dataclass(frozen=True)
class Send:
    line: str


@dataclass(frozen=True)
class Expect:
    line: str


@dataclass(frozen=True)
class ExpectEndOfStream:
    pass


@dataclass(frozen=True)
class CloseSocket:
    pass


Step = Send | Expect | ExpectEndOfStream | CloseSocket


def read_capture(name: str) -> list[Step]:
    steps: list[Step] = []
    for line in (FIXTURES / name).read_text(encoding="utf-8").splitlines():
        if line.startswith("<<< "):
            steps.append(Send(line[4:]))
        elif line.startswith(">>> "):
            steps.append(Expect(line[4:]))
        elif line.startswith("## ----") and "half-close" in line:
            steps.append(ExpectEndOfStream())
        elif line.startswith("## ") and "closed the AGI socket" in line:
            steps.append(CloseSocket())
    return steps


def commands_in(name: str) -> list[str]:
    return [step.line for step in read_capture(name) if isinstance(step, Expect)]


async def replay(name: str, port: int) -> list[bytes]:
    """Play Asterisk's side of capture ``name``; return every line the server sent."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    received: list[bytes] = []
    closed = False
    try:
        for step in read_capture(name):
            if isinstance(step, Send):
                writer.write(step.line.encode() + b"\n")
                await writer.drain()
            elif isinstance(step, Expect):
                got = await asyncio.wait_for(reader.readline(), STEP_TIMEOUT_S)
                received.append(got)
                assert got == step.line.encode() + b"\n", f"expected {step.line!r}, got {got!r}"
            elif isinstance(step, ExpectEndOfStream):
                rest = await asyncio.wait_for(reader.read(), STEP_TIMEOUT_S)
                assert rest == b"", f"the server sent more than the capture: {rest!r}"
            else:
                writer.close()
                closed = True
        if not closed:
            rest = await asyncio.wait_for(reader.read(), STEP_TIMEOUT_S)
            assert rest == b"", f"the server sent more than the capture: {rest!r}"
    finally:
        writer.close()
    return received
