"""The MQTT link when the broker goes away mid-stream (a real Mosquitto behind a TCP relay the
test can silence and cut, as a broker restart does)."""

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar

import pytest

from recoup.bus.local import InProcessBus
from recoup.bus.mqtt import BrokerAddress, MqttLink, mqtt_link
from tests.conftest import MQTT_ENV, service_url

AT = datetime(2026, 11, 20, 12, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class DispositionRecorded:
    debt_id: str
    disposition: str
    at: datetime
    topic: ClassVar[str] = "recoup/v1/debts/{debt_id}/disposition_recorded"


class BrokerRelay:
    """A TCP relay to the broker: ``silence()`` swallows what the client sends (the broker
    is dying), ``cut()`` drops every connection (it is gone); new connections relay again."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.silent = False
        self._writers: list[asyncio.StreamWriter] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = 0

    async def _pipe(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, upstream: bool
    ) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while data := await reader.read(65536):
                if upstream and self.silent:
                    continue
                writer.write(data)
                await writer.drain()
        writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        broker_reader, broker_writer = await asyncio.open_connection(*self.target)
        self._writers += [writer, broker_writer]
        for task in (
            asyncio.create_task(self._pipe(reader, broker_writer, upstream=True)),
            asyncio.create_task(self._pipe(broker_reader, writer, upstream=False)),
        ):
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def silence(self) -> None:
        self.silent = True

    def cut(self) -> None:
        for writer in self._writers:
            writer.transport.abort()
        self._writers.clear()
        self.silent = False

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator["BrokerRelay"]:
        server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        try:
            yield self
        finally:
            server.close()
            self.cut()
            for task in tuple(self._tasks):
                task.cancel()


@pytest.fixture
def mqtt_url() -> str:
    return service_url(MQTT_ENV, "MQTT broker")


async def test_a_disposition_sent_as_the_broker_goes_down_arrives_after_it_is_back(
    mqtt_url: str,
) -> None:
    broker = BrokerAddress.parse(mqtt_url)
    debt = f"INV-{uuid.uuid4().hex[:8]}"
    bus = InProcessBus()
    async with (
        BrokerRelay(broker.host, broker.port).running() as relay,
        broker.client() as reporting,
    ):
        await reporting.subscribe(f"recoup/v1/debts/{debt}/#", qos=1)
        async with mqtt_link(bus, f"mqtt://127.0.0.1:{relay.port}") as link:
            await asyncio.wait_for(link.connected.wait(), 5)
            relay.silence()
            bus.publish(DispositionRecorded(debt, "promise_to_pay", AT))
            await asyncio.sleep(0.5)
            relay.cut()
            message = await asyncio.wait_for(anext(aiter(reporting.messages)), 10)
    assert isinstance(message.payload, bytes)
    assert json.loads(message.payload)["disposition"] == "promise_to_pay"


async def test_events_the_backlog_could_not_keep_while_the_broker_was_away_are_reported(
    mqtt_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    bus = InProcessBus()
    link = MqttLink(bus, mqtt_url, backlog=3)
    debt = f"INV-{uuid.uuid4().hex[:8]}"
    for n in range(10):  # the broker is not reached yet: only the newest 3 can wait
        bus.publish(DispositionRecorded(debt, f"d{n}", AT))
    task = asyncio.create_task(link.run())
    try:
        await asyncio.wait_for(link.connected.wait(), 5)
        await asyncio.sleep(0.2)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        link.close()
    assert link.lost == 7
    assert "7 events were lost" in caplog.text
