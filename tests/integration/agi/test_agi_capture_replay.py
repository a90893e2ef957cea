"""Every FastAGI capture from a real Asterisk 22.10.1, replayed against Recoup's FastAGI server.

The fake Asterisk checks that the server sends exactly the capture's commands; each flow
checks that every reply is understood as Asterisk meant it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime

import pytest
from asterisk_replay import commands_in, replay

from ivr.agi import (
    AgiCommandFailed,
    AgiSession,
    AgiTimeouts,
    CallerHungUp,
    ChannelState,
    DigitsEntered,
    FastAgiServer,
    Playback,
    Recording,
    RecordingEnd,
    UnknownApplication,
)

TIMEOUTS = AgiTimeouts(environment=2, command=2, media=2, application=2, hangup_grace=0.05)
MONITOR = "/var/spool/asterisk/monitor"


class FlowUnderTest:
    """Runs one flow for the replayed call and keeps what it saw, so the test can assert."""

    def __init__(self, flow: Callable[[AgiSession], Awaitable[None]]) -> None:
        self._flow = flow
        self.error: BaseException | None = None
        self.finished = asyncio.Event()
        self.session: AgiSession | None = None

    async def __call__(self, session: AgiSession) -> None:
        self.session = session
        try:
            await self._flow(session)
        except BaseException as error:
            self.error = error
            raise
        finally:
            self.finished.set()


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[FlowUnderTest], Awaitable[int]]]:
    servers: list[FastAgiServer] = []

    async def start(flow: FlowUnderTest) -> int:
        server = FastAgiServer({"ivr": flow}, port=0, timeouts=TIMEOUTS)
        await server.start()
        servers.append(server)
        return server.port

    yield start
    for server in servers:
        await server.stop()


async def test_f1_a_whole_session_of_common_commands(serve) -> None:
    async def flow(session: AgiSession) -> None:
        assert session.environment.channel == "Local/s@inbound-0000000a;2"
        assert session.environment.script == "ivr"
        await session.answer()
        await session.set_variable("IVR_STEP", "welcome")
        assert await session.get_variable("IVR_STEP") == "welcome"
        assert await session.get_variable("NOT_SET_ANYWHERE") is None
        assert await session.get_variable("IVR_LANG") == "en"
        assert await session.get_full_variable("${CALLERID(num)} ${CHANNEL(state)}") == "5551234 Up"
        assert await session.channel_status() == ChannelState.UP
        assert await session.stream_file("demo-congrats", "0123456789#*") == Playback("5", 13120)
        assert await session.get_data("beep", 5000, 4) == DigitsEntered("42", timed_out=False)
        assert await session.get_data("beep", 1500, 4) == DigitsEntered("", timed_out=True)
        assert await session.wait_for_digit(3000) == "7"
        assert await session.wait_for_digit(500) is None
        assert await session.say_digits(123) is None
        assert await session.say_number(42) is None
        assert await session.exec("Verbose", "1,hello from fastagi") == 0
        unknown_app = await session.command("EXEC NoSuchApplication foo")
        assert unknown_app.result_number == -2
        assert await session.exec("Playback", ["beep"]) == 0
        await session.verbose("agi verbose message", 1)
        await session.database_put("dialer", "lastivr", "42")
        assert await session.database_get("dialer", "lastivr") == "42"
        assert await session.database_get("dialer", "nosuchkey") is None
        assert (await session.command("FOO BAR")).code == 510
        usage = await session.command("GET DATA")
        assert usage.code == 520
        assert usage.usage == (
            "Stream the given <replaceable>file</replaceable>, and receive DTMF data.",
            "Returns the digits received from the channel at the other end.",
        )
        with pytest.raises(AgiCommandFailed) as missing:
            await session.stream_file("no-such-sound-file")
        assert missing.value.reply.endpos == 0
        assert not session.hung_up
        await session.hangup()
        await asyncio.wait_for(session.wait_for_hangup(), 1)
        assert await session.get_variable("IVR_STEP") == "welcome"
        with pytest.raises(CallerHungUp):
            await session.command('STREAM FILE beep ""')
        with pytest.raises(CallerHungUp):
            await session.command("ANSWER")
        with pytest.raises(CallerHungUp):
            await session.stream_file("beep")  # known dead: not even sent
        await session.verbose("still here", 1)

    under_test = FlowUnderTest(flow)
    sent = await replay("f1_fastagi_session.agi.txt", await serve(under_test))
    await under_test.finished.wait()
    assert under_test.error is None
    assert len(sent) == len(commands_in("f1_fastagi_session.agi.txt")) == 29


async def test_f2_caller_hangs_up_during_a_prompt(serve) -> None:
    async def flow(session: AgiSession) -> None:
        await session.answer()
        await session.set_variable("IVR_STEP", "menu")
        with pytest.raises(CallerHungUp) as hung_up:
            await session.stream_file("demo-congrats", "0123456789")
        assert hung_up.value.reply is not None
        assert hung_up.value.reply.endpos == 12160
        assert await session.get_variable("IVR_STEP") == "menu"
        for refused in ('STREAM FILE beep ""', "GET DATA beep 1000 2"):
            with pytest.raises(CallerHungUp):
                await session.command(refused)
        await session.set_variable("AFTER_HANGUP", "yes")
        await session.verbose("caller gone", 1)
        for refused in ("CHANNEL STATUS", "HANGUP"):
            with pytest.raises(CallerHungUp):
                await session.command(refused)
        with pytest.raises(CallerHungUp):
            await session.get_data("beep", 1000, 2)  # known dead: not sent
        await session.hangup()  # nothing left to hang up: not sent either

    under_test = FlowUnderTest(flow)
    await replay("f2_fastagi_hangup_during_command.agi.txt", await serve(under_test))
    await under_test.finished.wait()
    assert under_test.error is None


async def test_f3_caller_hangs_up_while_the_flow_is_idle(serve) -> None:
    async def flow(session: AgiSession) -> None:
        await session.answer()
        await asyncio.wait_for(session.wait_for_hangup(), 1)
        assert await session.get_variable("agi_not_a_var") is None
        with pytest.raises(CallerHungUp):
            await session.command("ANSWER")

    under_test = FlowUnderTest(flow)
    await replay("f3_fastagi_hangup_while_idle.agi.txt", await serve(under_test))
    await under_test.finished.wait()
    assert under_test.error is None


async def test_f4_flow_ends_first_and_asterisk_says_hangup_then_closes(serve) -> None:
    async def flow(session: AgiSession) -> None:
        await session.answer()
        await session.set_variable("IVR_RESULT", "paid")

    under_test = FlowUnderTest(flow)
    await replay("f4_fastagi_script_ends_first.agi.txt", await serve(under_test))
    assert under_test.error is None
    assert under_test.session is not None
    for _ in range(100):
        if under_test.session.hung_up:
            break
        await asyncio.sleep(0.01)
    assert under_test.session.hung_up


async def test_l_after_hours_ivr_says_collects_records_and_queues(serve) -> None:
    promise_day = datetime.fromtimestamp(1797345000, UTC)

    async def flow(session: AgiSession) -> None:
        await session.answer()
        assert await session.say_number(1234) is None
        assert await session.say_digits("5551234") is None
        assert await session.say_date(promise_day) is None
        assert await session.say_alpha("AB12") is None
        assert await session.say_time(1797345000) is None
        assert await session.say_datetime(1797345000, "", "ABdY", "UTC") is None
        assert await session.exec("SayUnixTime", ["1797345000", "UTC", "ABdY"]) == 0
        assert await session.say_number(987654, "#") == "#"
        assert await session.get_data("beep", 5000, 6) == DigitsEntered("1234", timed_out=False)
        assert await session.get_data("beep", 5000, 4) == DigitsEntered("9876", timed_out=False)
        assert await session.get_data("beep", 2000, 4) == DigitsEntered("12", timed_out=True)
        assert await session.get_data("beep", 2000, 4) == DigitsEntered("", timed_out=True)
        assert await session.stream_file("demo-congrats", "12#") == Playback("2", 13120)
        assert await session.stream_file("beep") == Playback(None, 3404)
        assert await session.stream_file("beep", "12#", offset=2000) == Playback(None, 3404)
        talking = await session.record_file(
            f"{MONITOR}/l-promise-1", "wav", "#", 5000, beep=True, silence_s=2
        )
        assert talking == Recording(RecordingEnd.TIMEOUT, endpos=40000)
        pressed = await session.record_file(
            f"{MONITOR}/l-promise-2", "wav", "#", 10000, beep=True, silence_s=2
        )
        assert pressed == Recording(RecordingEnd.DTMF, endpos=15040, digit="#")
        silent = await session.record_file(
            f"{MONITOR}/l-promise-3", "wav", "#", 10000, beep=True, silence_s=2
        )
        assert silent == Recording(RecordingEnd.SILENCE, endpos=8160, ms_left=7984)
        star = await session.record_file(f"{MONITOR}/l-promise-4", "wav", "*#", -1)
        assert star == Recording(RecordingEnd.DTMF, endpos=14400, digit="*")
        no_frames = await session.record_file(
            f"{MONITOR}/l-promise-5", "wav", "#", 4000, beep=True, silence_s=2
        )
        assert no_frames == Recording(RecordingEnd.TIMEOUT, endpos=0)
        await session.set_music(True, "default")
        await session.set_music(False)
        await session.set_music(True, "nosuchclass")
        await session.set_music(False)
        assert await session.exec("Queue", "collections,c,,,10") == 0
        assert await session.get_variable("QUEUESTATUS") == "CONTINUE"
        assert await session.get_variable("MEMBERNAME") == "agent9"
        assert await session.exec("Queue", "collections,c,,,10") == 0
        assert await session.get_variable("QUEUESTATUS") == "JOINEMPTY"
        assert await session.exec("Playback", "vm-goodbye") == 0
        await session.hangup()

    under_test = FlowUnderTest(flow)
    await replay("l_ivr_record_say.agi.txt", await serve(under_test))
    await under_test.finished.wait()
    assert under_test.error is None


async def test_unknown_application_is_told_apart_from_a_failed_one(serve) -> None:
    async def flow(session: AgiSession) -> None:
        with pytest.raises(UnknownApplication):
            await session.exec("NoSuchApplication", "foo")

    under_test = FlowUnderTest(flow)
    port = await serve(under_test)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"agi_request: agi://127.0.0.1/ivr\nagi_channel: Local/s@x-1;2\n\n")
    assert await reader.readline() == b'EXEC NoSuchApplication "foo"\n'
    writer.write(b"200 result=-2\n")
    assert await asyncio.wait_for(reader.read(), 2) == b""
    writer.close()
    await under_test.finished.wait()
    assert under_test.error is None
