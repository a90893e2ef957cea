"""A hang-up reaches the call flow as CallerHungUp, wherever the HANGUP line falls."""

from __future__ import annotations

import asyncio

import pytest
from scripted_asterisk import ScriptedAsterisk

from ivr.agi import AgiCommandFailed, AgiProtocolError, AgiSession, CallerHungUp, RecordingEnd

Call = tuple[AgiSession, ScriptedAsterisk]


async def test_caller_hangs_up_during_a_prompt_and_hangup_follows_the_reply(call: Call) -> None:
    session, asterisk = call
    prompt = asyncio.create_task(session.stream_file("demo-congrats", "0123456789"))
    await asterisk.answer('STREAM FILE demo-congrats "0123456789"', "200 result=-1 endpos=12160")
    await asyncio.sleep(0.01)  # HANGUP comes a little later, as in capture f2
    await asterisk.send("HANGUP")
    with pytest.raises(CallerHungUp) as hung_up:
        await prompt
    assert hung_up.value.reply is not None
    assert hung_up.value.reply.endpos == 12160
    assert session.hung_up


async def test_hangup_before_the_reply_is_not_taken_for_the_reply(call: Call) -> None:
    session, asterisk = call
    step = asyncio.create_task(session.get_variable("IVR_STEP"))
    await asterisk.answer("GET VARIABLE IVR_STEP", "HANGUP", "200 result=1 (menu)")
    assert await step == "menu"
    assert session.hung_up


async def test_hangup_while_idle_is_noticed_before_the_next_command(call: Call) -> None:
    session, asterisk = call
    await asterisk.send("HANGUP")
    await asyncio.wait_for(session.wait_for_hangup(), 1)
    with pytest.raises(CallerHungUp):
        await session.stream_file("beep")
    logged = asyncio.create_task(session.verbose("caller gone"))
    await asterisk.answer('VERBOSE "caller gone" 1', "200 result=1")  # not STREAM FILE
    await logged


async def test_511_means_the_channel_is_gone(call: Call) -> None:
    session, asterisk = call
    answering = asyncio.create_task(session.answer())
    await asterisk.answer(
        "ANSWER", "511 Command Not Permitted on a dead channel or intercept routine"
    )
    with pytest.raises(CallerHungUp) as refused:
        await answering
    assert refused.value.reply is not None
    assert refused.value.reply.code == 511
    assert session.hung_up
    assert session.channel_gone


async def test_only_dead_channel_commands_go_out_after_the_hangup(call: Call) -> None:
    session, asterisk = call
    await asterisk.send("HANGUP")
    await asyncio.wait_for(session.wait_for_hangup(), 1)
    for live_only in (
        session.answer(),
        session.get_data("beep", 1000, 2),
        session.say_number(5),
        session.record_file("/tmp/x", "wav", "#", 1000),
        session.channel_status(),
        session.set_music(True),
        session.wait_for_digit(100),
    ):
        with pytest.raises(CallerHungUp):
            await live_only
    await session.hangup()  # nothing to hang up any more: a no-op, not an error
    dead_safe = asyncio.create_task(session.database_put("ivr", "outcome", "hung-up"))
    await asterisk.answer("DATABASE PUT ivr outcome hung-up", "200 result=1")
    await dead_safe


async def test_a_missing_prompt_on_a_live_channel_is_a_failure_not_a_hangup(call: Call) -> None:
    session, asterisk = call
    prompt = asyncio.create_task(session.stream_file("no-such-sound-file"))
    await asterisk.answer('STREAM FILE no-such-sound-file ""', "200 result=-1 endpos=0")
    with pytest.raises(AgiCommandFailed):
        await prompt
    assert not session.hung_up


async def test_caller_hanging_up_while_leaving_a_message_keeps_the_recording_end(
    call: Call,
) -> None:
    session, asterisk = call
    recording = asyncio.create_task(session.record_file("/msg/1", "wav", "#", 30000))
    await asterisk.answer('RECORD FILE /msg/1 wav "#" 30000', "200 result=-1 (hangup) endpos=9600")
    with pytest.raises(CallerHungUp) as hung_up:
        await recording
    assert hung_up.value.reply is not None
    assert hung_up.value.reply.endpos == 9600
    assert session.channel_gone


async def test_the_flow_hanging_up_stops_prompts_but_not_bookkeeping(call: Call) -> None:
    session, asterisk = call
    hanging_up = asyncio.create_task(session.hangup())
    await asterisk.answer("HANGUP", "200 result=1", "HANGUP")
    await hanging_up
    assert session.channel_gone
    with pytest.raises(CallerHungUp):
        await session.say_digits("5551234")
    setting = asyncio.create_task(session.set_variable("IVR_RESULT", "promise"))
    await asterisk.answer('SET VARIABLE IVR_RESULT "promise"', "200 result=1")
    await setting


async def test_end_of_stream_after_a_hangup_is_a_hangup(call: Call) -> None:
    session, asterisk = call
    digit = asyncio.create_task(session.wait_for_digit(5000))
    await asterisk.answer("WAIT FOR DIGIT 5000", "HANGUP")
    asterisk.writer.close()
    with pytest.raises(CallerHungUp):
        await digit


async def test_script_ending_first_reads_asterisks_last_hangup(call: Call) -> None:
    session, asterisk = call
    closing = asyncio.create_task(session.close())
    assert await asterisk.sent_nothing_more()  # the half-close
    await asterisk.send("HANGUP")
    asterisk.writer.close()
    await asyncio.wait_for(closing, 1)
    assert session.hung_up


async def test_a_slow_balance_lookup_is_abandoned_when_the_caller_hangs_up(call: Call) -> None:
    session, asterisk = call
    lookup_cancelled = asyncio.Event()

    async def look_up_balance() -> int:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            lookup_cancelled.set()
            raise
        return 12_500

    waiting = asyncio.create_task(session.until_hangup(look_up_balance()))
    await asyncio.sleep(0.01)
    await asterisk.send("HANGUP")
    with pytest.raises(CallerHungUp):
        await asyncio.wait_for(waiting, 1)
    assert lookup_cancelled.is_set()


async def test_a_balance_lookup_that_finishes_first_gives_its_value(call: Call) -> None:
    session, _ = call

    async def look_up_balance() -> int:
        await asyncio.sleep(0)
        return 12_500

    assert await session.until_hangup(look_up_balance()) == 12_500
    assert not session.hung_up


async def test_asterisk_closing_the_socket_ends_the_wait_for_a_hangup(call: Call) -> None:
    session, asterisk = call
    asterisk.writer.close()
    await asyncio.wait_for(session.wait_for_hangup(), 1)
    assert not session.hung_up


async def test_garbage_while_the_flow_is_busy_elsewhere_is_reported_as_garbage(
    call: Call,
) -> None:
    session, asterisk = call
    waiting = asyncio.create_task(session.until_hangup(asyncio.sleep(10)))
    await asyncio.sleep(0.01)
    await asterisk.send("Hello, I am not Asterisk")
    with pytest.raises(AgiProtocolError, match="not Asterisk"):
        await asyncio.wait_for(waiting, 1)
    assert not session.hung_up


async def test_a_key_pressed_during_the_beep_ends_the_message_with_nothing_recorded(
    call: Call,
) -> None:
    # res_agi.c plays the BEEP with the escape keys live and, when one interrupts it,
    # answers "(randomerror)" with the key's code and never opens the file.
    session, asterisk = call
    recording = asyncio.create_task(session.record_file("/msg/2", "wav", "#", 30000, beep=True))
    await asterisk.answer(
        'RECORD FILE /msg/2 wav "#" 30000 0 BEEP', "200 result=35 (randomerror) endpos=0"
    )
    message = await recording
    assert (message.ended_by, message.digit, message.endpos) == (RecordingEnd.DTMF, "#", 0)
    assert not session.channel_gone
