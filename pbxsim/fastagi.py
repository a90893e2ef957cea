"""A FastAGI client: pbxsim places an inbound call into a FastAGI server (the IVR) the way
Asterisk 22 does (captures f1–f4, l).

It writes the exact ``agi_*`` environment block of capture f1, then answers each command line
with Asterisk's reply text, while a scripted caller presses digits and hangs up at given
(simulated) moments. When the caller hangs up, a running command ends with ``result=-1`` and
the unsolicited ``HANGUP`` line follows; later commands that need the channel get ``511``.
Every exchange is kept in :attr:`FastAgiCall.log` for assertions.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ivr.agi.arguments import split_command_line
from ivr.agi.environment import environment_block
from pbxsim.agi_commands import AgiCommands, DeadChannel
from recoup.clock import Clock, SystemClock

_sequence = itertools.count(10)
#: res_agi reads a command into a 2048-byte buffer: a longer line is cut after 2047 bytes and
#: the rest is read as the next command (each part gets its own reply)
AGI_BUF_LEN = 2048


@dataclass
class CallerScript:
    """What the caller does, in seconds of simulated time since the call reached the IVR.

    ``digits`` are ``(moment, keys)``: ``(2.5, "120#")`` presses 1, 2, 0, # a quarter of a
    second apart from 2.5 s. A key pressed while no command listens is lost, as on Asterisk,
    unless ``type_ahead``.
    """

    digits: list[tuple[float, str]] = field(default_factory=list)
    hangup_at: float | None = None
    caller_num: str = "5551234"
    caller_name: str = "Customer"
    talks: bool = True  # voice frames while recording (False: silence, so s= ends RECORD)
    #: keep digits pressed while no command listens (Asterisk drops them)
    type_ahead: bool = False


@dataclass
class AgiExchange:
    at: float
    command: str
    reply: str


@dataclass
class FastAgiCall:
    """One inbound call into a FastAGI server."""

    host: str
    port: int
    script: CallerScript = field(default_factory=CallerScript)
    clock: Clock = field(default_factory=SystemClock)
    network_script: str = "ivr"
    context: str = "inbound"
    log: list[AgiExchange] = field(default_factory=list)
    lines_sent: list[str] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)
    status: str = ""  # AGISTATUS once the session is over: SUCCESS or HANGUP
    #: where RECORD FILE keeps the caller's messages (by base name); None: not written
    record_dir: Path | None = None
    #: EXEC Queue: the QUEUESTATUS it leaves (e.g. a lambda returning "CONTINUE")
    queue_handler: Callable[[str], str] | None = None
    #: told of each command as it starts (reply None) and ends (pbxsim's AGIExec* events)
    observer: Callable[[str, str | None], None] | None = None
    channel: str = ""
    uniqueid: str = ""

    def __post_init__(self) -> None:
        seq = next(_sequence)
        epoch = int(self.clock.now().timestamp())
        self.channel = self.channel or f"Local/s@{self.context}-{seq:08x};2"
        self.uniqueid = self.uniqueid or f"{epoch}.{seq * 2 + 1}"
        self._commands: AgiCommands | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._early_hangup = False
        self._pending = bytearray()  # bytes read from the server, not yet a command

    def environment(self) -> list[tuple[str, str]]:
        """Capture f1's ``agi_*`` block, field for field and in order."""
        return [
            ("agi_network", "yes"),
            ("agi_network_script", self.network_script),
            ("agi_request", f"agi://{self.host}:{self.port}/{self.network_script}"),
            ("agi_channel", self.channel),
            ("agi_language", "en"),
            ("agi_type", "Local"),
            ("agi_uniqueid", self.uniqueid),
            ("agi_version", "22.10.1"),
            ("agi_callerid", self.script.caller_num),
            ("agi_calleridname", self.script.caller_name),
            ("agi_callingpres", "0"),
            ("agi_callingani2", "0"),
            ("agi_callington", "0"),
            ("agi_callingtns", "0"),
            ("agi_dnid", "unknown"),
            ("agi_rdnis", "unknown"),
            ("agi_context", self.context),
            ("agi_extension", "s"),
            ("agi_priority", "2"),
            ("agi_enhanced", "0.0"),
            ("agi_accountcode", ""),
            ("agi_threadid", str(140314140567232 + next(_sequence))),
        ]

    async def run(self) -> str:
        """Connect, run the session to its end, return AGISTATUS."""
        reader, writer = await asyncio.open_connection(self.host, self.port)
        started = self.clock.monotonic()
        commands = AgiCommands(self, started)
        self._commands, self._writer = commands, writer
        if self._early_hangup:
            commands.dead = True
        hangup_task = asyncio.ensure_future(self._caller_hangs_up(commands, writer))
        try:
            block = environment_block({k.removeprefix("agi_"): v for k, v in self.environment()})
            self._write(writer, block.decode("utf-8", "surrogateescape"))
            while True:
                raw = await self._read_command(reader)
                if not raw:  # the script half-closed or closed
                    break
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                if not line:
                    continue
                if self.observer:
                    self.observer(line, None)
                reply = await commands.run(line)
                if self.observer:
                    self.observer(line, reply)
                self.log.append(AgiExchange(self.clock.monotonic() - started, line, reply))
                self._write(writer, reply + "\n")
                if commands.hangup_pending:
                    commands.hangup_pending = False
                    await self.clock.sleep(0.04)
                    self._announce_hangup(commands, writer)
            # Asterisk answers a half-close with HANGUP (again, if it already said it)
            self._write(writer, "HANGUP\n")
            self.status = "HANGUP" if commands.dead else "SUCCESS"
        except ConnectionError:
            self.status = "HANGUP" if commands.dead else "SUCCESS"
        finally:
            hangup_task.cancel()
            with contextlib.suppress(ConnectionError, asyncio.CancelledError):
                await hangup_task
            with contextlib.suppress(ConnectionError):
                writer.close()
        return self.status

    async def _read_command(self, reader: asyncio.StreamReader) -> bytes:
        """One line as res_agi reads it (at most AGI_BUF_LEN - 1 bytes); b"" at the end."""
        pending = self._pending
        while True:
            end = pending.find(b"\n")
            if 0 <= end < AGI_BUF_LEN - 1:
                line = bytes(pending[: end + 1])
                del pending[: end + 1]
                return line
            if len(pending) >= AGI_BUF_LEN - 1:
                line = bytes(pending[: AGI_BUF_LEN - 1])
                del pending[: AGI_BUF_LEN - 1]
                return line
            data = await reader.read(65536)
            if not data:
                line = bytes(pending)
                pending.clear()
                return line
            pending += data

    def _write(self, writer: asyncio.StreamWriter, text: str) -> None:
        if writer.is_closing():
            return
        self.lines_sent.extend(text.splitlines() or [""])
        writer.write(text.encode())

    def _announce_hangup(self, commands: AgiCommands, writer: asyncio.StreamWriter) -> None:
        if not commands.hangup_announced:
            commands.hangup_announced = True
            self._write(writer, "HANGUP\n")

    async def _caller_hangs_up(self, commands: AgiCommands, writer: asyncio.StreamWriter) -> None:
        """At ``hangup_at``: a running command ends with -1 (then HANGUP 40 ms later); an
        idle session gets HANGUP at once."""
        if self.script.hangup_at is None:
            return
        await self.clock.sleep(self.script.hangup_at)
        self._hangup_now(commands, writer, at=self.script.hangup_at)

    def press(self, keys: str) -> None:
        """The caller presses keys now (AMI PlayDTMF on the caller's channel)."""
        if self._commands is not None:
            self._commands.press(keys)

    def hang_up(self) -> None:
        """The caller hangs up now."""
        if self._commands is not None and self._writer is not None:
            self._hangup_now(self._commands, self._writer)
        else:
            self._early_hangup = True

    def _hangup_now(
        self, commands: AgiCommands, writer: asyncio.StreamWriter, at: float | None = None
    ) -> None:
        if commands.dead:
            return
        commands.dead = True
        commands.dead_at = commands.now() if at is None else at
        if commands.busy:
            commands.hangup_pending = True  # announced 40 ms after the command's reply
            commands.interrupt()
            return
        self._announce_hangup(commands, writer)


def split_command(line: str) -> list[str]:
    """The words res_agi makes of a command line (quotes, backslash escapes)."""
    return split_command_line(line)


def expand(text: str, variables: dict[str, str], caller: CallerScript, up: bool) -> str:
    """``${VAR}``, ``${CALLERID(num)}``, ``${CHANNEL(state)}`` as GET FULL VARIABLE does."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "CALLERID(num)":
            return caller.caller_num
        if name == "CALLERID(name)":
            return caller.caller_name
        if name == "CHANNEL(state)":
            return "Up" if up else "Ring"
        return variables.get(name, "")

    return re.sub(r"\$\{([^}]+)\}", one, text)


__all__ = ["AgiExchange", "CallerScript", "DeadChannel", "FastAgiCall", "split_command"]
