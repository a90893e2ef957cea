"""One AGI conversation on a pair of asyncio streams: replies paired with their commands.

AGI is strictly one command, one reply, in order. Asterisk may also write ``HANGUP`` at any
moment: before a reply, after it (about 40 ms after ``200 result=-1`` in capture f2), while the
script is idle (f3), and again when the script half-closes (f3, f4). A reader task reads every
line as it comes; ``HANGUP`` marks the channel gone and is never taken for a reply, and each
reply goes to the oldest command still waiting, so that no reply is ever paired with the wrong
command, even after a command timed out or its caller was cancelled (its late reply is read and
dropped).

A command is written only once every earlier one has had its reply, late ones included: a line
that reaches Asterisk while STREAM FILE, GET DATA or SAY NUMBER/DIGITS/ALPHA is playing stops
that prompt and it never answers (``res_agi.c``: "don't print a result line, as there is a new
command"), so writing early would pair every later reply with the command before it.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Self, TypeVar

from ivr.agi.arguments import refuse_line_breaks
from ivr.agi.environment import MAX_ENVIRONMENT_LINES, AgiEnvironment, parse_environment
from ivr.agi.errors import (
    AgiConnectionLost,
    AgiError,
    AgiProtocolError,
    AgiTimeout,
    CallerHungUp,
)
from ivr.agi.reply import DEAD_CHANNEL, HANGUP_LINE, AgiReply, parse_reply, starts_usage_block

logger = logging.getLogger(__name__)

MAX_LINE_BYTES = 64 * 1024
T = TypeVar("T")
_MAX_USAGE_LINES = 200


@dataclass(frozen=True, slots=True)
class AgiTimeouts:
    """How long to wait for Asterisk, in seconds.

    ``command`` bounds the quick commands (variables, ANSWER, VERBOSE …); ``media`` the ones
    that play or listen (a SAY DATE takes 6.5 s, a prompt can take minutes); ``application``
    an EXEC (a Queue can hold a caller for a long time). ``hangup_grace`` is how long a
    ``result=-1`` waits for the ``HANGUP`` line that tells a hang-up from a failure; ``close``
    how long closing waits for Asterisk's last ``HANGUP`` and end of stream.
    """

    environment: float = 5.0
    command: float = 10.0
    media: float = 600.0
    application: float = 4 * 3600.0
    hangup_grace: float = 0.3
    close: float = 2.0


async def read_line(reader: asyncio.StreamReader) -> str | None:
    """One line without its terminator, or None at end of stream."""
    try:
        raw = await reader.readline()
    except (asyncio.LimitOverrunError, ValueError) as error:
        raise AgiProtocolError(f"a line longer than {MAX_LINE_BYTES} bytes") from error
    if not raw:
        return None
    return raw.removesuffix(b"\n").removesuffix(b"\r").decode("utf-8", "surrogateescape")


async def read_environment(reader: asyncio.StreamReader, timeout_s: float) -> AgiEnvironment:
    """Read the ``agi_*`` block up to its empty line."""
    lines: list[str] = []
    try:
        async with asyncio.timeout(timeout_s):
            while (line := await read_line(reader)) != "":
                if line is None:
                    raise AgiConnectionLost("the connection closed inside the agi_ block")
                if len(lines) >= MAX_ENVIRONMENT_LINES:
                    raise AgiProtocolError(f"more than {MAX_ENVIRONMENT_LINES} agi_ lines")
                lines.append(line)
    except TimeoutError:
        raise AgiTimeout(f"no complete agi_ block within {timeout_s} s") from None
    except OSError as error:
        raise AgiConnectionLost(f"the connection failed inside the agi_ block: {error}") from error
    return parse_environment(lines)


class AgiConnection:
    """The command/reply exchange and the channel's hang-up state; typed commands sit on top."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        environment: AgiEnvironment,
        *,
        timeouts: AgiTimeouts | None = None,
    ) -> None:
        self.environment = environment
        self.timeouts = timeouts or AgiTimeouts()
        self._reader = reader
        self._writer = writer
        self._waiting: deque[asyncio.Future[AgiReply]] = deque()
        self._turn = asyncio.Lock()
        self._answered = asyncio.Event()  # no command is waiting for its reply
        self._answered.set()
        self._hangup_seen = asyncio.Event()
        self._ended = asyncio.Event()
        self._call_over = asyncio.Event()
        self._channel_gone = False
        self._failure: AgiError | None = None
        self._closing = False
        self._reading = asyncio.create_task(
            self._read_replies(), name=f"agi-reader {environment.channel}"
        )

    @classmethod
    async def open(
        cls,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        timeouts: AgiTimeouts | None = None,
    ) -> Self:
        """Read the ``agi_*`` block from ``reader`` and start the conversation."""
        chosen = timeouts or AgiTimeouts()
        environment = await read_environment(reader, chosen.environment)
        return cls(reader, writer, environment, timeouts=chosen)

    @property
    def hung_up(self) -> bool:
        """Asterisk has told us the channel hung up (``HANGUP``, 511, or SIGHUP in classic)."""
        return self._hangup_seen.is_set()

    @property
    def channel_gone(self) -> bool:
        """The channel can no longer play or listen: it hung up, or this flow hung it up."""
        return self._channel_gone

    async def wait_for_hangup(self) -> None:
        """Return once the call is over for this flow: Asterisk reported the hang-up, or the
        connection ended (garbage, or Asterisk closed it)."""
        await self._call_over.wait()

    async def until_hangup(self, work: Awaitable[T]) -> T:
        """Await ``work`` (a database query, a payment check …) unless the caller hangs up
        first: then ``work`` is cancelled and :class:`CallerHungUp` raised (or, if the
        connection broke instead, :class:`AgiProtocolError` / :class:`AgiConnectionLost`).

        For flows that wait on something other than Asterisk: AGI commands already raise
        CallerHungUp on their own.
        """
        job = asyncio.ensure_future(work)
        over = asyncio.create_task(self._call_over.wait())
        try:
            await asyncio.wait({job, over}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            over.cancel()
            if not job.done():
                job.cancel()
            await asyncio.wait({job, over})
        if job.cancelled() and self._call_over.is_set():
            raise self._why_over("while the flow was busy elsewhere")
        return job.result()

    def notice_hangup(self) -> None:
        """Mark the channel hung up (the reader's ``HANGUP``, a 511, a classic AGI SIGHUP)."""
        if not self._hangup_seen.is_set():
            logger.info("AGI channel %s hung up", self.environment.channel)
        self._channel_gone = True
        self._hangup_seen.set()
        self._call_over.set()

    def _mark_channel_gone(self) -> None:
        self._channel_gone = True

    async def command(self, text: str, *, timeout_s: float | None = None) -> AgiReply:
        """Send one raw command line and return its reply (200, 510 or 520).

        A 511 (not permitted on a dead channel) raises :class:`CallerHungUp`. The text is
        sent as given, so quote its arguments (``ivr.agi.arguments``); a newline is refused.
        """
        reply = await self._exchange(
            text, self.timeouts.command if timeout_s is None else timeout_s
        )
        if reply.code == DEAD_CHANNEL:
            self.notice_hangup()
            raise CallerHungUp(f"{text!r} refused: the channel is gone", reply=reply)
        return reply

    async def _exchange(self, text: str, timeout_s: float) -> AgiReply:
        line = refuse_line_breaks(text)
        self._check_usable()
        waiter: asyncio.Future[AgiReply] = asyncio.get_running_loop().create_future()
        sent = False
        try:
            async with asyncio.timeout(timeout_s), self._turn:
                # The reply of a command given up on must come first (see the module's doc).
                await self._answered.wait()
                self._check_usable()
                # Queue the waiter and write in one step, so the FIFO order is the wire order.
                self._waiting.append(waiter)
                self._answered.clear()
                self._writer.write(line.encode("utf-8", "surrogateescape") + b"\n")
                sent = True
                await self._writer.drain()
                return await waiter
        except TimeoutError:
            if not sent:
                raise AgiTimeout(
                    f"{text!r} not sent: an earlier command had no reply within {timeout_s} s"
                ) from None
            raise AgiTimeout(f"no reply to {text!r} within {timeout_s} s") from None
        except ConnectionError as error:
            raise self._connection_end(f"sending {text!r}") from error
        finally:
            # A command given up on keeps its place in the queue: its late reply is dropped.
            if not waiter.done():
                waiter.cancel()

    def _check_usable(self) -> None:
        if self._failure is not None:
            raise AgiProtocolError(f"the AGI session is unusable: {self._failure}")
        if self._closing:
            raise AgiConnectionLost("the AGI session is closed")
        if self._ended.is_set():
            raise self._connection_end("the connection has ended")

    def _why_over(self, what: str) -> AgiError:
        if self._failure is not None:
            return AgiProtocolError(f"{what}: {self._failure}")
        return self._connection_end(what)

    def _connection_end(self, what: str) -> AgiError:
        if self.hung_up:
            return CallerHungUp(f"{what}: the caller hung up")
        return AgiConnectionLost(f"{what}: Asterisk closed the connection")

    async def _read_replies(self) -> None:
        try:
            while (line := await read_line(self._reader)) is not None:
                if line == HANGUP_LINE:
                    self.notice_hangup()
                    continue
                lines = [line]
                if starts_usage_block(line):
                    lines.extend(await self._read_usage(line[:3]))
                self._deliver(parse_reply(lines))
        except AgiError as error:
            self._fail(error)
        except OSError as error:
            logger.info("AGI connection of %s failed: %s", self.environment.channel, error)
        finally:
            self._ended.set()
            self._call_over.set()
            while self._waiting:
                waiter = self._waiting.popleft()
                if not waiter.done():
                    waiter.set_exception(self._connection_end("waiting for a reply"))
            self._answered.set()

    async def _read_usage(self, code: str) -> list[str]:
        lines: list[str] = []
        while len(lines) < _MAX_USAGE_LINES:
            line = await read_line(self._reader)
            if line is None:
                raise AgiProtocolError(f"the connection closed inside a {code}- reply")
            lines.append(line)
            if line.startswith(f"{code} "):
                return lines
        raise AgiProtocolError(f"a {code}- reply longer than {_MAX_USAGE_LINES} lines")

    def _deliver(self, reply: AgiReply) -> None:
        if not self._waiting:
            raise AgiProtocolError(f"a reply nobody asked for: {reply.code} {reply.text!r}")
        waiter = self._waiting.popleft()
        if not self._waiting:
            self._answered.set()
        if waiter.done():
            logger.debug("dropping the late reply %r of an abandoned AGI command", reply)
            return
        waiter.set_result(reply)

    def _fail(self, error: AgiError) -> None:
        logger.warning("AGI protocol error on %s: %s", self.environment.channel, error)
        self._failure = error
        while self._waiting:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_exception(AgiProtocolError(str(error)))
        self._answered.set()

    async def close(self, *, wait_for_asterisk: bool = True) -> None:
        """End the conversation: half-close, let Asterisk say its last ``HANGUP``, then close.

        Over FastAGI Asterisk answers a half-close with ``HANGUP`` and closes (captures f3,
        f4). A classic AGI script must not wait: Asterisk reaps the process first.
        """
        if self._closing:
            return
        self._closing = True
        try:
            if self._writer.can_write_eof() and not self._writer.is_closing():
                self._writer.write_eof()
            if wait_for_asterisk:
                async with asyncio.timeout(self.timeouts.close):
                    await self._ended.wait()
        except (TimeoutError, OSError):
            logger.debug("AGI connection of %s did not end by itself", self.environment.channel)
        finally:
            self._reading.cancel()
            await asyncio.wait([self._reading])
            self._writer.close()
            try:
                async with asyncio.timeout(self.timeouts.close):
                    await self._writer.wait_closed()
            except (TimeoutError, OSError):
                logger.debug("AGI transport of %s closed uncleanly", self.environment.channel)
