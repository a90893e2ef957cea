"""A small Asterisk that answers AMI actions with the replies recorded from a real one.

``FakeAsterisk`` listens on a real TCP port. For each action a client sends it looks up the
next recorded exchange for that action name (from the captures in ``tests/fixtures/asterisk``)
and sends back exactly the bytes Asterisk sent then, with the capture's ActionID swapped for
the client's. Login checks the secret (plain or MD5 challenge) like Asterisk does; actions
before Login are refused with ``Permission denied``. Tests can override any action, wedge the
server (it reads but never answers) or cut connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import Awaitable, Callable
from pathlib import Path

from dialer.ami.protocol import AmiMessage, AmiParser, encode
from dialer.ami.session import AmiSettings
from dialer.ami.transcript import read_transcript

FIXTURES = Path(__file__).parents[2] / "fixtures" / "asterisk"
BANNER = b"Asterisk Call Manager/11.0.0\r\n"
SECRET = "dialerpass"
CHALLENGE = "209350343"


def recorded_replies(*captures: str) -> dict[str, list[tuple[AmiMessage, bytes]]]:
    """Action name -> [(the recorded action, the bytes Asterisk sent until the next action)]."""
    replies: dict[str, list[tuple[AmiMessage, bytes]]] = {}
    for capture in captures:
        steps = read_transcript((FIXTURES / capture).read_text())
        current: AmiMessage | None = None
        chunks: list[bytes] = []

        def flush(current: AmiMessage | None, chunks: list[bytes]) -> None:
            if current is not None:
                replies.setdefault(current.action or "", []).append((current, b"".join(chunks)))

        for step in steps:
            if step.direction == "client":
                flush(current, chunks)
                chunks = []
                (current,) = AmiParser(expect_banner=False).feed(step.data)
            elif current is not None:
                chunks.append(step.data)
        flush(current, chunks)
    return replies


def _fields(action: AmiMessage) -> list[tuple[str, str]]:
    return [(k.lower(), v) for k, v in action.headers if k.lower() != "actionid"]


Handler = Callable[["ServerSide", AmiMessage], Awaitable[None]]


class ServerSide:
    """One client connection, as the fake Asterisk sees it."""

    def __init__(self, server: FakeAsterisk, writer: asyncio.StreamWriter) -> None:
        self.server = server
        self.writer = writer
        self.logged_in = False
        self.challenge: str | None = None

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def reply(self, action: AmiMessage, fields: list[tuple[str, str]]) -> None:
        await self.send(encode([fields[0], ("ActionID", action.action_id or ""), *fields[1:]]))

    def close(self) -> None:
        self.writer.close()


class FakeAsterisk:
    def __init__(self, *captures: str) -> None:
        self.replies = recorded_replies(
            *captures, "a_login_coresettings_ping.txt", "d_queue_status_pause_channels.txt"
        )
        self._used: dict[str, int] = {}
        self.handlers: dict[str, Handler] = {}
        self.wedged = False
        self.connections = 0
        self.received: list[AmiMessage] = []
        self.sides: list[ServerSide] = []
        self._server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        for side in self.sides:
            side.writer.transport.abort()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def drop_all(self) -> None:
        for side in self.sides:
            side.writer.transport.abort()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        side = ServerSide(self, writer)
        self.sides.append(side)
        parser = AmiParser(expect_banner=False)
        with contextlib.suppress(ConnectionError):
            await side.send(BANNER)
            while data := await reader.read(65536):
                for action in parser.feed(data):
                    self.received.append(action)
                    if not self.wedged:
                        await self._answer(side, action)
        writer.close()

    async def _answer(self, side: ServerSide, action: AmiMessage) -> None:
        name = action.action or ""
        handler = self.handlers.get(name) or getattr(self, f"_on_{name.lower()}", None)
        if handler is not None:
            await handler(side, action)
            return
        if not side.logged_in:
            await side.reply(action, [("Response", "Error"), ("Message", "Permission denied")])
            return
        await self.replay(side, action)

    async def replay(self, side: ServerSide, action: AmiMessage) -> None:
        """Send what Asterisk sent for this action in the captures."""
        name = action.action or ""
        recorded = self.replies.get(name) or self.replies["NoSuchAction"]
        asked = set(_fields(action))
        same = [r for r in recorded if _fields(r[0]) == _fields(action)]
        alike = [r for r in recorded if set(_fields(r[0])) <= asked]
        if same:  # the very action was recorded: its answer
            recorded = same
        elif alike:  # else the most specific recorded action it contains
            most = max(len(_fields(r[0])) for r in alike)
            recorded = [r for r in alike if len(_fields(r[0])) == most]
        index = self._used.get(name, 0)
        self._used[name] = index + 1
        capture_action, data = recorded[min(index, len(recorded) - 1)]
        capture_id = capture_action.action_id or ""
        ours = (action.action_id or "").encode()
        await side.send(
            data.replace(
                b"ActionID: " + capture_id.encode() + b"\r\n", b"ActionID: " + ours + b"\r\n"
            )
        )

    async def _on_challenge(self, side: ServerSide, action: AmiMessage) -> None:
        side.challenge = CHALLENGE
        await side.reply(action, [("Response", "Success"), ("Challenge", CHALLENGE)])

    async def _on_login(self, side: ServerSide, action: AmiMessage) -> None:
        if action.get("AuthType", "").lower() == "md5":
            expected = hashlib.md5(((side.challenge or "") + SECRET).encode()).hexdigest()
            good = action.get("Key") == expected
        else:
            good = action.get("Secret") == SECRET
        if not good:  # g1: an Error, then Asterisk closes the connection
            await side.reply(action, [("Response", "Error"), ("Message", "Authentication failed")])
            side.close()
            return
        side.logged_in = True
        await side.reply(action, [("Response", "Success"), ("Message", "Authentication accepted")])
        await side.send(
            b"Event: FullyBooted\r\nPrivilege: system,all\r\nStatus: Fully Booted\r\n\r\n"
        )

    async def _on_logoff(self, side: ServerSide, action: AmiMessage) -> None:
        await side.reply(action, [("Response", "Goodbye"), ("Message", "Thanks for all the fish.")])
        side.close()

    async def _on_nosuchaction(self, side: ServerSide, action: AmiMessage) -> None:
        await self.replay(side, action)


def fast_settings(port: int, **overrides: object) -> AmiSettings:
    """Settings with test-sized timeouts: the whole suite runs in seconds."""
    values: dict[str, object] = {
        "host": "127.0.0.1",
        "port": port,
        "username": "dialer",
        "secret": SECRET,
        "connect_timeout_s": 1.0,
        "action_timeout_s": 1.0,
        "ping_interval_s": 30.0,
        "ping_timeout_s": 0.1,
        "reconnect_initial_s": 0.02,
        "reconnect_max_s": 0.1,
    }
    values.update(overrides)
    return AmiSettings(**values)  # type: ignore[arg-type]
