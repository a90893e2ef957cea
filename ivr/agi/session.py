"""The AGI commands a call flow uses, each with typed arguments and a typed result.

The same session runs over FastAGI (TCP) and classic AGI (stdin/stdout). Commands that need a
live channel raise :class:`CallerHungUp` without being sent once the channel is gone; the ones
Asterisk allows on a dead channel (``res_agi.c`` marks them; captures f1-f3 confirm GET/SET
VARIABLE and VERBOSE) still go out, so a flow can record what happened after the hang-up.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum, IntEnum
from typing import NamedTuple

from ivr.agi.arguments import bare, command_line, dtmf_keys, quoted
from ivr.agi.connection import AgiConnection
from ivr.agi.errors import (
    AgiArgumentError,
    AgiCommandError,
    AgiCommandFailed,
    AgiConnectionLost,
    AgiError,
    AgiProtocolError,
    CallerHungUp,
    UnknownApplication,
)
from ivr.agi.reply import SUCCESS, AgiReply

DEFAULT_DATETIME_FORMAT = "ABdY 'digits/at' IMp"
_FAILED = -1
_NO_SUCH_APPLICATION = -2


class ChannelState(IntEnum):
    """``CHANNEL STATUS`` results (Asterisk's ``ast_channel_state``)."""

    DOWN = 0
    RESERVED = 1
    OFF_HOOK = 2
    DIALING = 3
    RING = 4
    RINGING = 5
    UP = 6
    BUSY = 7
    DIALING_OFFHOOK = 8
    PRERING = 9


class Playback(NamedTuple):
    """How a prompt ended: the key that interrupted it (None if it played out) and where."""

    digit: str | None
    endpos: int


class DigitsEntered(NamedTuple):
    """What GET DATA collected, and whether the caller stopped typing (``(timeout)``)."""

    digits: str
    timed_out: bool


class RecordingEnd(Enum):
    """Why RECORD FILE stopped."""

    DTMF = "dtmf"
    TIMEOUT = "timeout"
    SILENCE = "silence"


@dataclass(frozen=True, slots=True)
class Recording:
    """A finished RECORD FILE.

    Asterisk reports silence as ``(timeout)`` too, with ``result`` = the milliseconds left of
    the timeout (capture l: ``200 result=7984 (timeout) endpos=8160``); a full timeout leaves
    0. So a ``(timeout)`` with time left, when silence detection was asked for, is silence.
    """

    ended_by: RecordingEnd
    endpos: int
    digit: str | None = None
    ms_left: int = 0


def _epoch(when: datetime | int) -> str:
    if isinstance(when, datetime):
        if when.tzinfo is None:
            raise AgiArgumentError(f"a naive datetime is ambiguous on the phone: {when!r}")
        return str(int(when.timestamp()))
    return str(int(when))


def _key(result: int) -> str | None:
    return None if result == 0 else chr(result)


class AgiSession(AgiConnection):
    """An AGI conversation with typed commands. Build it with ``await AgiSession.open(r, w)``."""

    # -- plumbing ---------------------------------------------------------------------------

    async def _live(self, text: str, timeout_s: float | None = None) -> AgiReply:
        """A command that needs the channel up (Asterisk answers 511 on a dead one)."""
        if self.channel_gone:
            raise CallerHungUp(f"not sending {text!r}: the channel is gone")
        return self._accepted(text, await self.command(text, timeout_s=timeout_s))

    async def _anytime(self, text: str, timeout_s: float | None = None) -> AgiReply:
        """A command Asterisk also runs on a dead channel."""
        return self._accepted(text, await self.command(text, timeout_s=timeout_s))

    @staticmethod
    def _accepted(text: str, reply: AgiReply) -> AgiReply:
        if reply.code != SUCCESS:
            raise AgiCommandError(
                f"Asterisk refused {text!r}: {reply.code} {reply.text}", reply=reply
            )
        return reply

    async def _failure_of(self, text: str, reply: AgiReply) -> AgiError:
        """``result=-1``: a hang-up if Asterisk says HANGUP within the grace, else a failure."""
        if not self.hung_up:
            try:
                async with asyncio.timeout(self.timeouts.hangup_grace):
                    await self.wait_for_hangup()
            except TimeoutError:
                return AgiCommandFailed(f"{text!r} failed: {reply.text}", reply=reply)
        if not self.hung_up:
            return AgiConnectionLost(f"Asterisk closed the connection after {text!r}")
        return CallerHungUp(f"the caller hung up during {text!r}", reply=reply)

    async def _key_pressed(self, text: str, timeout_s: float) -> tuple[str | None, AgiReply]:
        reply = await self._live(text, timeout_s)
        result = reply.result_number
        if result < 0:
            raise await self._failure_of(text, reply)
        return _key(result), reply

    # -- the channel ------------------------------------------------------------------------

    async def answer(self) -> None:
        """Answer the channel."""
        reply = await self._live("ANSWER")
        if reply.result_number == _FAILED:
            raise await self._failure_of("ANSWER", reply)

    async def hangup(self, channel: str | None = None) -> None:
        """Hang up this channel (nothing to do if it is gone already) or another one."""
        if channel is None and self.channel_gone:
            return
        text = "HANGUP" if channel is None else command_line("HANGUP", bare(channel))
        reply = await self._live(text)
        if reply.result_number != 1:
            raise AgiCommandFailed(f"{text!r}: no such channel", reply=reply)
        if channel is None:
            self._mark_channel_gone()

    async def channel_status(self, channel: str | None = None) -> ChannelState:
        """The state of this channel (``UP`` once answered) or of another one."""
        text = (
            "CHANNEL STATUS" if channel is None else command_line("CHANNEL STATUS", bare(channel))
        )
        reply = await self._live(text)
        if reply.result_number == _FAILED:
            raise AgiCommandFailed(f"{text!r}: no such channel", reply=reply)
        try:
            return ChannelState(reply.result_number)
        except ValueError:
            raise AgiProtocolError(f"unknown channel state {reply.result!r}") from None

    async def set_music(self, on: bool, music_class: str | None = None) -> None:
        """Music on hold on or off (Asterisk accepts a class it does not have, silently)."""
        words = ["SET MUSIC", "on" if on else "off"]
        if on and music_class is not None:
            words.append(bare(music_class))
        await self._live(command_line(*words))

    async def exec(self, application: str, args: str | Sequence[str] = "") -> int:
        """Run a dialplan application; its result (0 for most apps that ran fine).

        A sequence of ``args`` is joined with ``,``. An application Asterisk does not have
        raises :class:`UnknownApplication`. Allowed on a dead channel, like in Asterisk.
        """
        if not application or bare(application) != application:
            raise AgiArgumentError(f"not an application name: {application!r}")
        joined = args if isinstance(args, str) else ",".join(args)
        words = ["EXEC", application] + ([quoted(joined)] if joined else [])
        text = command_line(*words)
        reply = await self._anytime(text, self.timeouts.application)
        result = reply.result_number
        if result == _NO_SUCH_APPLICATION:
            raise UnknownApplication(f"Asterisk has no application {application!r}", reply=reply)
        if result == _FAILED:
            raise await self._failure_of(text, reply)
        return result

    # -- prompts and keys -------------------------------------------------------------------

    async def stream_file(
        self, file: str, escape_digits: str = "", offset: int | None = None
    ) -> Playback:
        """Play a prompt; the key in ``escape_digits`` that interrupted it, and ``endpos``.

        A prompt that cannot be played (no such file) raises :class:`AgiCommandFailed`.
        """
        words = ["STREAM FILE", bare(file), dtmf_keys(escape_digits)]
        if offset is not None:
            words.append(str(int(offset)))
        digit, reply = await self._key_pressed(command_line(*words), self.timeouts.media)
        return Playback(digit, reply.endpos or 0)

    async def get_data(
        self, file: str, timeout_ms: int | None = None, max_digits: int | None = None
    ) -> DigitsEntered:
        """Play a prompt and collect keys until ``#``, ``max_digits`` or the timeout."""
        words = ["GET DATA", bare(file)]
        if timeout_ms is not None or max_digits is not None:
            words.append(str(int(timeout_ms or 0)))
        if max_digits is not None:
            words.append(str(int(max_digits)))
        text = command_line(*words)
        reply = await self._live(text, self.timeouts.media)
        if reply.result.startswith("-"):
            raise await self._failure_of(text, reply)
        return DigitsEntered(reply.result, reply.data == "timeout")

    async def wait_for_digit(self, timeout_ms: int) -> str | None:
        """The next key the caller presses, or None after ``timeout_ms`` (-1: wait for ever)."""
        timeout_s = self.timeouts.media if timeout_ms < 0 else timeout_ms / 1000
        digit, _ = await self._key_pressed(
            command_line("WAIT FOR DIGIT", str(int(timeout_ms))),
            timeout_s + self.timeouts.command,
        )
        return digit

    async def _say(self, what: str, value: str, escape_digits: str, *more: str) -> str | None:
        text = command_line(f"SAY {what}", value, dtmf_keys(escape_digits), *more)
        digit, _ = await self._key_pressed(text, self.timeouts.media)
        return digit

    async def say_number(self, number: int, escape_digits: str = "") -> str | None:
        """Say a number; the key that interrupted it, or None."""
        return await self._say("NUMBER", str(int(number)), escape_digits)

    async def say_digits(self, digits: str | int, escape_digits: str = "") -> str | None:
        """Say digit by digit (a phone number, a reference)."""
        return await self._say("DIGITS", bare(str(digits)), escape_digits)

    async def say_alpha(self, text: str, escape_digits: str = "") -> str | None:
        """Spell letters and digits (an account reference)."""
        return await self._say("ALPHA", bare(text), escape_digits)

    async def say_date(self, when: datetime | int, escape_digits: str = "") -> str | None:
        """Say a date (a due date, a promise date); ``when`` is aware or a Unix time."""
        return await self._say("DATE", _epoch(when), escape_digits)

    async def say_time(self, when: datetime | int, escape_digits: str = "") -> str | None:
        """Say a time of day."""
        return await self._say("TIME", _epoch(when), escape_digits)

    async def say_datetime(
        self,
        when: datetime | int,
        escape_digits: str = "",
        format: str | None = None,
        timezone: str | None = None,
    ) -> str | None:
        """Say a date and time in Asterisk's ``format`` (e.g. ``ABdY``) and ``timezone``."""
        more: list[str] = []
        if format is not None or timezone is not None:
            more.append(bare(format or DEFAULT_DATETIME_FORMAT))
        if timezone is not None:
            more.append(bare(timezone))
        return await self._say("DATETIME", _epoch(when), escape_digits, *more)

    async def record_file(
        self,
        file: str,
        format: str = "wav",
        escape_digits: str = "#",
        timeout_ms: int = -1,
        *,
        offset: int | None = None,
        beep: bool = False,
        silence_s: int | None = None,
    ) -> Recording:
        """Record the caller until a key in ``escape_digits``, the timeout, or silence.

        If the caller hangs up while recording, :class:`CallerHungUp` carries the reply
        (``exc.reply.endpos``): the recording is on disk. A key pressed during the BEEP ends
        it as DTMF before anything is recorded (Asterisk says ``(randomerror)``).
        """
        if silence_s is not None and silence_s <= 0:
            raise AgiArgumentError(f"silence must be a positive number of seconds: {silence_s}")
        words = ["RECORD FILE", bare(file), bare(format), dtmf_keys(escape_digits)]
        words.append(str(int(timeout_ms)))
        if offset is not None or beep or silence_s is not None:
            words.append(str(int(offset or 0)))
        if beep:
            words.append("BEEP")
        if silence_s is not None:
            words.append(f"s={int(silence_s)}")
        text = command_line(*words)
        timeout_s = max(self.timeouts.media, timeout_ms / 1000 + self.timeouts.command)
        reply = await self._live(text, timeout_s)
        result = reply.result_number
        endpos = reply.endpos or 0
        if reply.data == "hangup":
            self._mark_channel_gone()
            raise CallerHungUp(f"the caller hung up during {text!r}", reply=reply)
        if result < 0:
            raise await self._failure_of(text, reply)
        if reply.data == "dtmf":
            return Recording(RecordingEnd.DTMF, endpos, digit=chr(result))
        if reply.data == "randomerror":
            # An escape key pressed during the BEEP: res_agi.c stops before it opens the file.
            return Recording(RecordingEnd.DTMF, endpos, digit=chr(result))
        if reply.data != "timeout":
            raise AgiProtocolError(f"unexpected RECORD FILE reply: {reply.text!r}")
        if silence_s is not None and result > 0:
            return Recording(RecordingEnd.SILENCE, endpos, ms_left=result)
        return Recording(RecordingEnd.TIMEOUT, endpos)

    # -- variables, database, log: also on a dead channel ----------------------------------

    async def set_variable(self, name: str, value: str) -> None:
        """Set a channel variable (the dialplan reads it after the AGI)."""
        await self._anytime(command_line("SET VARIABLE", bare(name), quoted(value)))

    async def get_variable(self, name: str) -> str | None:
        """A channel variable, or None if it is not set."""
        reply = await self._anytime(command_line("GET VARIABLE", bare(name)))
        return None if reply.result_number == 0 else reply.data or ""

    async def get_full_variable(self, expression: str, channel: str | None = None) -> str | None:
        """Evaluate a dialplan expression such as ``${CALLERID(num)}``."""
        words = ["GET FULL VARIABLE", quoted(expression)]
        if channel is not None:
            words.append(bare(channel))
        reply = await self._anytime(command_line(*words))
        return None if reply.result_number == 0 else reply.data or ""

    async def database_get(self, family: str, key: str) -> str | None:
        """A value from Asterisk's AstDB, or None."""
        reply = await self._anytime(command_line("DATABASE GET", bare(family), bare(key)))
        return None if reply.result_number == 0 else reply.data or ""

    async def database_put(self, family: str, key: str, value: str) -> None:
        """Store a value in Asterisk's AstDB."""
        text = command_line("DATABASE PUT", bare(family), bare(key), bare(value))
        reply = await self._anytime(text)
        if reply.result_number != 1:
            raise AgiCommandFailed(f"{text!r} failed", reply=reply)

    async def database_del(self, family: str, key: str) -> bool:
        """Delete a key from AstDB; False if there was none."""
        reply = await self._anytime(command_line("DATABASE DEL", bare(family), bare(key)))
        return reply.result_number == 1

    async def verbose(self, message: str, level: int = 1) -> None:
        """Write to the Asterisk console/log at verbosity ``level`` (1-4)."""
        await self._anytime(command_line("VERBOSE", quoted(message), str(int(level))))

    async def noop(self, text: str | None = None) -> None:
        """Do nothing (a liveness check of the AGI link)."""
        await self._anytime("NOOP" if text is None else command_line("NOOP", quoted(text)))
