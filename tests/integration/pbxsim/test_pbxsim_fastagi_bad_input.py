"""Bad arguments from the FastAGI server: res_agi's answers, and the session goes on.

res_agi reads WAIT FOR DIGIT's and RECORD FILE's timeout with ``sscanf("%30d")`` and answers
``520`` usage when it is not a number; RECORD FILE's ``s=`` is read with ``atoi`` (so ``s=x``
means no silence detection). None of these may end the call.
"""

from __future__ import annotations

import re

from test_pbxsim_fastagi import AgiPeer, run_call

from pbxsim.fastagi import CallerScript


def is_usage(reply: str) -> bool:
    lines = reply.split("\n")
    return lines[0].startswith("520-") and lines[-1] == "520 End of proper usage."


async def test_wait_for_digit_with_a_timeout_that_is_not_a_number_is_a_usage_error() -> None:
    replies: list[str] = []

    async def ivr(peer: AgiPeer) -> None:
        replies.append(await peer.send("WAIT FOR DIGIT soon"))
        replies.append(await peer.send("ANSWER"))

    call, _ = await run_call(ivr, CallerScript())

    assert is_usage(replies[0]), replies[0]
    assert replies[1] == "200 result=0"
    assert call.status == "SUCCESS"


async def test_record_file_with_a_timeout_that_is_not_a_number_is_a_usage_error() -> None:
    replies: list[str] = []

    async def ivr(peer: AgiPeer) -> None:
        replies.append(await peer.send('RECORD FILE /tmp/msg wav "#" five-seconds'))
        replies.append(await peer.send("ANSWER"))

    await run_call(ivr, CallerScript())

    assert is_usage(replies[0]), replies[0]
    assert replies[1] == "200 result=0"


async def test_record_file_with_an_unreadable_silence_records_to_the_timeout() -> None:
    replies: list[str] = []

    async def ivr(peer: AgiPeer) -> None:
        replies.append(await peer.send('RECORD FILE /tmp/msg wav "#" 2000 0 BEEP s=x'))
        replies.append(await peer.send("ANSWER"))

    call, _ = await run_call(ivr, CallerScript(talks=False))

    recorded = re.fullmatch(r"200 result=0 \(timeout\) endpos=(\d+)", replies[0])
    assert recorded is not None, replies[0]
    assert int(recorded.group(1)) >= 2000 * 8  # the whole 2 s, not cut by a silence rule
    assert replies[1] == "200 result=0"
    assert call.status == "SUCCESS"


async def test_a_command_longer_than_res_agis_buffer_is_cut_and_its_tail_read_as_a_command() -> (
    None
):
    """res_agi's AGI_BUF_LEN is 2048: 2047 bytes make one command, the rest the next one."""
    replies: list[str] = []
    value = "x" * 3000

    async def ivr(peer: AgiPeer) -> None:
        replies.append(await peer.send(f"SET VARIABLE NOTE {value}"))
        replies.append(await peer.line())  # the tail's own reply
        replies.append(await peer.send("GET VARIABLE NOTE"))

    call, _ = await run_call(ivr, CallerScript())

    kept = 2047 - len("SET VARIABLE NOTE ")
    assert replies == [
        "200 result=1",
        "510 Invalid or unknown command",
        f"200 result=1 ({'x' * kept})",
    ]
    assert call.status == "SUCCESS"


async def test_a_line_of_100_kilobytes_does_not_end_the_session() -> None:
    replies: list[str] = []

    async def ivr(peer: AgiPeer) -> None:
        peer.writer.write(b"VERBOSE " + b"y" * 100_000 + b"\n")
        replies.extend([await peer.line() for _ in range(49)])
        replies.append(await peer.send("ANSWER"))

    call, _ = await run_call(ivr, CallerScript())

    assert replies[-1] == "200 result=0"
    assert call.status == "SUCCESS"
