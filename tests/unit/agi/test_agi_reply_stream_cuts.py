"""However TCP cuts Asterisk's replies (HANGUP and a usage block among them), each command
gets its own reply."""

from __future__ import annotations

import asyncio
import socket

from scripted_asterisk import FAST

from ivr.agi import AgiSession
from ivr.agi.environment import parse_environment

COMMANDS = ("GET VARIABLE IVR_STEP", "GET DATA", 'STREAM FILE beep ""')
# What Asterisk sends after each command (the HANGUP rides behind the first reply).
ANSWERS = (
    b"200 result=1 (welcome)\nHANGUP\n",
    b"520-Invalid command syntax.  Proper usage follows:\n"
    b"Stream the given file, and receive DTMF data.\n"
    b"520 End of proper usage.\n",
    b"200 result=-1 endpos=12160\n",
)
REPLIES = b"".join(ANSWERS)
ENVIRONMENT = parse_environment(["agi_request: agi://127.0.0.1/ivr", "agi_channel: Local/s;2"])


async def replies_read_cut_at(cut: int) -> list[tuple[int, str, str | None]]:
    ours, theirs = socket.socketpair()
    _, writer = await asyncio.open_connection(sock=ours)
    wire, _ = await asyncio.open_connection(sock=theirs)
    reader = asyncio.StreamReader()
    session = AgiSession(reader, writer, ENVIRONMENT, timeouts=FAST)
    try:
        commands = [asyncio.create_task(session.command(text)) for text in COMMANDS]
        start = 0
        for command, answer in zip(COMMANDS, ANSWERS, strict=True):
            # Asterisk answers a command once it has read it, in pieces as TCP cuts them.
            assert await asyncio.wait_for(wire.readline(), 1) == command.encode() + b"\n"
            inside = min(max(cut - start, 0), len(answer))
            reader.feed_data(answer[:inside])
            await asyncio.sleep(0)
            reader.feed_data(answer[inside:])
            start += len(answer)
        replies = await asyncio.gather(*commands)
        assert session.hung_up
        return [(reply.code, reply.result, reply.data) for reply in replies]
    finally:
        await session.close(wait_for_asterisk=False)
        theirs.close()


async def test_replies_cut_at_every_byte_still_pair_with_their_commands() -> None:
    expected = [(200, "1", "welcome"), (520, "", None), (200, "-1", None)]
    for cut in range(len(REPLIES) + 1):
        assert await replies_read_cut_at(cut) == expected, f"cut at byte {cut}"
