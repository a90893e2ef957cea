"""A bare AMI client for pbxsim's own tests: send an action, await its response, keep events."""

from __future__ import annotations

import asyncio
import itertools

from dialer.ami.protocol import AmiMessage, AmiParser, encode


class BareAmi:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.parser = AmiParser(expect_banner=True)
        self.messages: list[AmiMessage] = []
        self.events: list[AmiMessage] = []
        self.closed = asyncio.Event()
        self._ids = itertools.count(1)
        self._changed = asyncio.Event()
        self._task = asyncio.create_task(self._read())

    @classmethod
    async def connect(cls, host: str, port: int, *, login: bool = True) -> BareAmi:
        reader, writer = await asyncio.open_connection(host, port)
        client = cls(reader, writer)
        if login:
            reply = await client.action("Login", Username="dialer", Secret="dialerpass")
            assert reply.get("Response") == "Success", reply
        return client

    async def _read(self) -> None:
        try:
            while data := await self.reader.read(65536):
                for message in self.parser.feed(data):
                    self.messages.append(message)
                    if message.event:
                        self.events.append(message)
                    self._changed.set()
        except ConnectionError:
            pass
        self.closed.set()
        self._changed.set()

    def send(self, action: str, *extra: tuple[str, str], **fields: str) -> str:
        action_id = f"t-{next(self._ids)}"
        headers = [("Action", action), ("ActionID", action_id), *fields.items(), *extra]
        self.writer.write(encode(headers))
        return action_id

    async def action(self, action: str, *extra: tuple[str, str], **fields: str) -> AmiMessage:
        action_id = self.send(action, *extra, **fields)
        return await self.wait_for(
            lambda m: m.action_id == action_id and m.response is not None, within=5.0
        )

    async def wait_for(self, match: object, within: float = 5.0) -> AmiMessage:
        """The first message (seen or to come) for which ``match(message)`` is true."""
        assert callable(match)

        async def look() -> AmiMessage:
            seen = 0
            while True:
                for message in self.messages[seen:]:
                    if match(message):
                        return message
                seen = len(self.messages)
                if self.closed.is_set():
                    msg = "connection closed"
                    raise ConnectionError(msg)
                self._changed.clear()
                await self._changed.wait()

        return await asyncio.wait_for(look(), within)

    async def wait_event(self, name: str, within: float = 5.0, **fields: str) -> AmiMessage:
        return await self.wait_for(
            lambda m: m.event == name and all(m.get(k) == v for k, v in fields.items()),
            within,
        )

    def named(self, name: str) -> list[AmiMessage]:
        return [e for e in self.events if e.event == name]

    async def close(self) -> None:
        self.writer.close()
        self._task.cancel()
