"""The AMI TCP server: banner, Login (plain and Challenge/MD5), dispatch, events, faults.

Framing is :mod:`dialer.ami.protocol`'s: the server reads actions with
``AmiParser(expect_banner=False)`` and writes every block with ``encode``, headers in the
captures' order.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import random
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from dialer.ami.protocol import AmiMessage, AmiParser, AmiProtocolError, encode
from pbxsim.channels import Fields
from pbxsim.config import SimConfig
from recoup.clock import Clock

BANNER = b"Asterisk Call Manager/11.0.0\r\n"

ActionHandler = Callable[["AmiSession", AmiMessage], Awaitable[None]]


def event_tv(moment: datetime) -> str:
    """``2026-11-23T18:41:00.835+0000``"""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


class AmiSession:
    """One client connection."""

    _ids = itertools.count(0x7F9D780011A0, 0x1000)

    def __init__(
        self,
        server: AmiServer,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        self.server = server
        self.reader = reader
        self.writer = writer
        self.authenticated = False
        self.events_on = True
        self.challenge: str | None = None
        self.session_id = f"0x{next(self._ids):x}"
        self.session_tv = event_tv(server.clock.now())
        peer = writer.get_extra_info("peername") or ("127.0.0.1", 0)
        sock = writer.get_extra_info("sockname") or ("127.0.0.1", 0)
        self.remote = f"IPV4/TCP/{peer[0]}/{peer[1]}"
        self.local = f"IPV4/TCP/{sock[0]}/{sock[1]}"
        self.closed = False

    def is_open(self) -> bool:
        return not self.closed

    # --- output ----------------------------------------------------------------------------
    def send(self, fields: Fields) -> None:
        if self.closed:
            return
        self.writer.write(encode(fields))

    def send_raw(self, data: bytes) -> None:
        if not self.closed:
            self.writer.write(data)

    def event(self, fields: Fields) -> None:
        if self.authenticated and self.events_on:
            self.send(fields)

    def respond(
        self, msg: AmiMessage, response: str, fields: Sequence[tuple[str, str]] = ()
    ) -> None:
        out: Fields = [("Response", response)]
        if msg.action_id is not None:
            out.append(("ActionID", msg.action_id))
        out.extend(fields)
        self.send(out)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.writer.close()

    # --- input -----------------------------------------------------------------------------
    async def run(self) -> None:
        parser = AmiParser(expect_banner=False)
        self.writer.write(BANNER)
        try:
            while not self.closed:
                data = await self.reader.read(65536)
                if not data:
                    break
                for message in parser.feed(data):
                    if not self.is_open():
                        break
                    await self.dispatch(message)
                await self.writer.drain()
        except (ConnectionError, AmiProtocolError, asyncio.CancelledError):
            pass
        finally:
            self.close()
            self.server.sessions.discard(self)

    async def dispatch(self, msg: AmiMessage) -> None:
        action = msg.action
        if action is None:
            self.respond(msg, "Error", [("Message", "Missing action in request")])
            self.security_event("RequestBadFormat", "Error", [("RequestType", "Action: NONE")])
            return
        name = action.lower()
        if name == "login":
            await self.login(msg)
            return
        if name == "challenge":
            self.challenge = self.server.fixed_challenge or str(
                random.randint(100_000_000, 999_999_999)
            )
            self.respond(msg, "Success", [("Challenge", self.challenge)])
            return
        if name == "logoff":
            self.respond(msg, "Goodbye", [("Message", "Thanks for all the fish.")])
            await self.writer.drain()
            self.close()
            return
        if not self.authenticated:
            self.respond(msg, "Error", [("Message", "Permission denied")])
            return
        bad = self.server.pending_bad_format.pop(self, None)
        if bad is not None:  # Asterisk reports an unknown action as the next request arrives
            self.security_event("RequestBadFormat", "Error", [("RequestType", f"Action: {bad}")])
        handler = self.server.handlers.get(name)
        if handler is None:
            self.respond(
                msg,
                "Error",
                [
                    (
                        "Message",
                        f"Invalid/unknown command: {action}. "
                        "Use Action: ListCommands to show available commands.",
                    )
                ],
            )
            self.server.pending_bad_format[self] = action
            return
        try:
            await handler(self, msg)
        except (ConnectionError, AmiProtocolError):
            raise
        except Exception as error:  # pbxsim's own fault: record it, answer, keep the link
            self.server.errors.append(error)
            failed = f"pbxsim failed on {action}: {type(error).__name__}"
            self.respond(msg, "Error", [("Message", failed)])

    def security_event(self, name: str, severity: str, extra: Fields) -> None:
        self.event(
            [
                ("Event", name),
                ("Privilege", "security,all"),
                ("EventTV", event_tv(self.server.clock.now())),
                ("Severity", severity),
                ("Service", "AMI"),
                ("EventVersion", "1"),
                ("SessionID", self.session_id),
                ("LocalAddress", self.local),
                ("RemoteAddress", self.remote),
                *extra,
                ("SessionTV", self.session_tv),
                ("AccountID", self.server.config.username),
            ]
        )

    async def login(self, msg: AmiMessage) -> None:
        if self.authenticated:  # manager.c: a logged-in session is not checked again
            self.respond(msg, "Success", [("Message", "Already authenticated")])
            return
        cfg = self.server.config
        ok = msg.get("Username") == cfg.username
        if ok and (msg.get("AuthType") or "").lower() == "md5":
            expected = hashlib.md5(  # noqa: S324 - AMI's challenge protocol is MD5
                f"{self.challenge}{cfg.secret}".encode()
            ).hexdigest()
            ok = self.challenge is not None and (msg.get("Key") or "").lower() == expected
        elif ok:
            ok = msg.get("Secret") == cfg.secret
        if not ok:
            await self.server.clock.sleep(cfg.auth_failure_delay)
            self.respond(msg, "Error", [("Message", "Authentication failed")])
            await self.writer.drain()
            self.close()
            return
        self.authenticated = True
        self.events_on = (msg.get("Events") or "on").lower() not in ("off", "no", "false")
        self.respond(msg, "Success", [("Message", "Authentication accepted")])
        uptime = str(int(self.server.uptime()))
        self.event(
            [
                ("Event", "FullyBooted"),
                ("Privilege", "system,all"),
                ("Uptime", uptime),
                ("LastReload", uptime),
                ("Status", "Fully Booted"),
            ]
        )
        now = event_tv(self.server.clock.now())
        self.event(
            [
                ("Event", "SuccessfulAuth"),
                ("Privilege", "security,all"),
                ("EventTV", now),
                ("Severity", "Informational"),
                ("Service", "AMI"),
                ("EventVersion", "1"),
                ("AccountID", cfg.username),
                ("SessionID", self.session_id),
                ("LocalAddress", self.local),
                ("RemoteAddress", self.remote),
                ("UsingPassword", "0"),
                ("SessionTV", now),
            ]
        )


class AmiServer:
    """Listens for AMI clients and fans the PBX's events out to them."""

    def __init__(self, config: SimConfig, clock: Clock, handlers: dict[str, ActionHandler]) -> None:
        self.config = config
        self.clock = clock
        self.handlers = handlers
        self.sessions: set[AmiSession] = set()
        self.pending_bad_format: dict[AmiSession, str] = {}
        #: faults inside action handlers (PbxSim shares the PBX's list, which tests check)
        self.errors: list[BaseException] = []
        #: a Challenge to hand out instead of a random one (to replay a recorded MD5 login)
        self.fixed_challenge: str | None = None
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = config.port
        self._started_mono = clock.monotonic()

    def uptime(self) -> float:
        return self.clock.monotonic() - self._started_mono + 5

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._accept, self.config.host, self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        session = AmiSession(self, reader, writer)
        self.sessions.add(session)
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            await session.run()
        finally:
            if task is not None:
                self._tasks.discard(task)

    def broadcast(self, fields: Fields) -> None:
        data: bytes | None = None
        for session in list(self.sessions):
            if session.authenticated and session.events_on and not session.closed:
                data = data or encode(fields)
                session.send_raw(data)

    # --- faults ------------------------------------------------------------------------------
    def cut_all(self) -> None:
        """Drop every AMI connection at once (as when Asterisk restarts or a link fails)."""
        for session in list(self.sessions):
            transport = session.writer.transport
            session.closed = True
            transport.abort()
        self.sessions.clear()

    async def stop(self) -> None:
        """Stop listening and drop every connection; :meth:`start` again reuses the port."""
        if self._server is not None:
            self._server.close()
            self._server = None
        self.cut_all()
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=1.0)

    def inject(self, data: bytes) -> None:
        """Write raw bytes (garbage, a half block …) to every logged-in session."""
        for session in list(self.sessions):
            if session.authenticated:
                session.send_raw(data)

    def send_oversized_event(self, size: int = 1024 * 1024) -> None:
        value = "x" * size
        self.inject(
            encode(
                [
                    ("Event", "UserEvent"),
                    ("Privilege", "user,all"),
                    ("UserEvent", "Oversized"),
                    ("Payload", value),
                ]
            )
        )

    async def half_block_and_close(self) -> None:
        self.inject(b"Event: Newchannel\r\nPrivilege: call,all\r\nChannel: Local/cut")
        for session in list(self.sessions):
            with contextlib.suppress(ConnectionError):
                await session.writer.drain()
            session.close()
