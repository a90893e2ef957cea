"""Replies always pair with the right command; timeouts, refusals and garbage are reported."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from scripted_asterisk import FAST, ScriptedAsterisk, connected_pair

from ivr.agi import (
    AgiArgumentError,
    AgiCommandError,
    AgiConnectionLost,
    AgiProtocolError,
    AgiSession,
    AgiTimeout,
    UnknownApplication,
)

Call = tuple[AgiSession, ScriptedAsterisk]


async def test_a_usage_block_is_one_reply_and_the_next_command_gets_its_own(call: Call) -> None:
    session, asterisk = call
    usage = asyncio.create_task(session.command("GET DATA"))
    await asterisk.answer(
        "GET DATA",
        "520-Invalid command syntax.  Proper usage follows:",
        "Stream the given file, and receive DTMF data.",
        "520 End of proper usage.",
    )
    assert (await usage).code == 520
    step = asyncio.create_task(session.get_variable("IVR_STEP"))
    await asterisk.answer("GET VARIABLE IVR_STEP", "200 result=1 (menu)")
    assert await step == "menu"


async def test_a_typed_command_asterisk_does_not_know_raises(call: Call) -> None:
    session, asterisk = call
    noop = asyncio.create_task(session.noop())
    await asterisk.answer("NOOP", "510 Invalid or unknown command")
    with pytest.raises(AgiCommandError) as refused:
        await noop
    assert refused.value.reply.code == 510


async def test_a_reply_that_comes_too_late_is_never_paired_with_the_next_command(
    call: Call,
) -> None:
    session, asterisk = call
    with pytest.raises(AgiTimeout, match="NOOP"):
        await session.command("NOOP", timeout_s=0.05)
    step = asyncio.create_task(session.get_variable("IVR_STEP"))
    await asterisk.answer("NOOP", "200 result=0")  # late; GET VARIABLE waited for it
    await asterisk.answer("GET VARIABLE IVR_STEP", "200 result=1 (menu)")
    assert await step == "menu"


async def test_a_cancelled_command_gives_up_its_reply_too(call: Call) -> None:
    session, asterisk = call
    waiting = asyncio.create_task(session.wait_for_digit(5000))
    await asterisk.expect("WAIT FOR DIGIT 5000")
    waiting.cancel()
    status = asyncio.create_task(session.channel_status())
    await asterisk.send("200 result=55")  # the key came; CHANNEL STATUS waited for it
    await asterisk.answer("CHANNEL STATUS", "200 result=6")
    assert await status == 6


async def test_garbage_from_asterisk_is_reported_and_the_session_stops(call: Call) -> None:
    session, asterisk = call
    step = asyncio.create_task(session.get_variable("IVR_STEP"))
    await asterisk.answer("GET VARIABLE IVR_STEP", "Hello, I am not Asterisk")
    with pytest.raises(AgiProtocolError, match="Hello, I am not Asterisk"):
        await step
    with pytest.raises(AgiProtocolError, match="unusable"):
        await session.answer()


async def test_a_reply_nobody_asked_for_is_a_protocol_error(call: Call) -> None:
    session, asterisk = call
    await asterisk.send("200 result=0")
    await asyncio.sleep(0.02)
    with pytest.raises(AgiProtocolError, match="nobody asked for"):
        await session.noop()


async def test_asterisk_closing_on_a_live_channel_is_a_lost_connection(call: Call) -> None:
    session, asterisk = call
    step = asyncio.create_task(session.get_variable("IVR_STEP"))
    await asterisk.expect("GET VARIABLE IVR_STEP")
    asterisk.writer.close()
    with pytest.raises(AgiConnectionLost):
        await step


async def test_a_newline_in_an_argument_is_refused_and_nothing_is_sent(call: Call) -> None:
    session, asterisk = call
    with pytest.raises(AgiArgumentError):
        await session.set_variable("IVR_NOTE", 'x"\nEXEC System "rm -rf /')
    with pytest.raises(AgiArgumentError):
        await session.command("NOOP\nHANGUP")
    with pytest.raises(AgiArgumentError):
        await session.say_date(datetime(2026, 12, 1, 9, 0))
    closing = asyncio.create_task(session.close())
    assert await asterisk.sent_nothing_more()
    asterisk.writer.close()
    await closing


async def test_an_unknown_application_is_its_own_error(call: Call) -> None:
    session, asterisk = call
    running = asyncio.create_task(session.exec("NoSuchApplication", "foo"))
    await asterisk.answer('EXEC NoSuchApplication "foo"', "200 result=-2")
    with pytest.raises(UnknownApplication):
        await running


async def test_keys_pressed_during_say_and_get_data(call: Call) -> None:
    session, asterisk = call
    saying = asyncio.create_task(session.say_number(987654, "#"))
    await asterisk.answer('SAY NUMBER 987654 "#"', "200 result=35")
    assert await saying == "#"
    collecting = asyncio.create_task(session.get_data("enter-amount", max_digits=6))
    await asterisk.answer("GET DATA enter-amount 0 6", "200 result=*12 (timeout)")
    assert await collecting == ("*12", True)


async def test_a_silent_asterisk_times_out_on_the_environment() -> None:
    (reader, writer), asterisk = await connected_pair()
    with pytest.raises(AgiTimeout, match="agi_ block"):
        await AgiSession.open(reader, writer, timeouts=FAST.__class__(environment=0.05))
    writer.close()
    asterisk.writer.close()
