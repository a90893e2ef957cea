"""Asterisk runs one AGI command at a time, and a line that arrives while a prompt plays
stops the prompt without any reply (``res_agi.c``: STREAM FILE, GET DATA, SAY NUMBER …
return "don't print a result line, as there is a new command"). So a command is written
only once every earlier one has had its reply, even one the flow gave up on."""

from __future__ import annotations

import asyncio
import contextlib

from scripted_asterisk import ScriptedAsterisk

from ivr.agi import AgiSession, ChannelState

Call = tuple[AgiSession, ScriptedAsterisk]
PROMPT_LEFT_S = 0.2


async def play_prompt_as_asterisk_does(asterisk: ScriptedAsterisk, prompt: str) -> bytes:
    """Play ``prompt``; a line arriving meanwhile cuts it short with no reply (returned)."""
    await asterisk.expect(prompt)
    try:
        return await asyncio.wait_for(asterisk.reader.readline(), PROMPT_LEFT_S)
    except TimeoutError:
        await asterisk.send("200 result=0 endpos=3404")  # the prompt played out
        return b""


async def test_a_prompt_the_flow_gave_up_on_does_not_swallow_the_next_reply(call: Call) -> None:
    session, asterisk = call
    prompt = asyncio.create_task(session.stream_file("balance-is", "#"))
    asterisk_side = asyncio.create_task(
        play_prompt_as_asterisk_does(asterisk, 'STREAM FILE balance-is "#"')
    )
    await asyncio.sleep(0.05)
    prompt.cancel()  # e.g. the flow's own deadline for the menu
    with contextlib.suppress(asyncio.CancelledError):
        await prompt
    status = asyncio.create_task(session.channel_status())
    cut_short_by = await asterisk_side
    if cut_short_by:
        # What Asterisk does when the next command comes while the prompt plays.
        assert cut_short_by == b"CHANNEL STATUS\n"
        await asterisk.send("200 result=6")
    else:
        await asterisk.answer("CHANNEL STATUS", "200 result=6")
    assert await status == ChannelState.UP
    assert cut_short_by == b"", "the next command went out while the prompt still played"


async def test_two_tasks_of_one_flow_never_have_two_commands_on_the_wire(call: Call) -> None:
    session, asterisk = call
    prompt = asyncio.create_task(session.stream_file("hold-please"))
    noting = asyncio.create_task(session.set_variable("IVR_STEP", "hold"))
    cut_short_by = await play_prompt_as_asterisk_does(asterisk, 'STREAM FILE hold-please ""')
    assert cut_short_by == b"", "SET VARIABLE was sent while the prompt played"
    await asterisk.answer('SET VARIABLE IVR_STEP "hold"', "200 result=1")
    assert await prompt == (None, 3404)
    await noting
