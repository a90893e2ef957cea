"""Mirroring the bus to an MQTT broker, and taking commands from it (aiomqtt).

With ``RECOUP_MQTT_URL`` set, every event on the in-process bus is published under its topic
(``recoup/v1/<kind>/<id>/<event>``) as JSON, and messages under ``recoup/v1/cmd/#`` are handed
to a command handler. The link reconnects with backoff (and subscribes again); events published
while the broker is away are kept in a bounded queue and the oldest are dropped first.

Events other systems must not miss (:data:`RELIABLE_TOPICS`: dispositions and their follow-ups,
abandons, dials, refusals and closed calls) go at QoS 1: the link waits for the broker's
acknowledgement, and an event not acknowledged when the connection drops is sent again first
after the reconnect (at least once). Live figures and call progress go at QoS 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import aiomqtt

from recoup.bus.event import TOPIC_ROOT, Event, event_bytes
from recoup.bus.local import InProcessBus, topic_matches

log = logging.getLogger(__name__)
COMMAND_FILTER = f"{TOPIC_ROOT}/cmd/#"
RELIABLE_TOPICS: tuple[str, ...] = (
    f"{TOPIC_ROOT}/debts/#",
    f"{TOPIC_ROOT}/debtors/#",
    f"{TOPIC_ROOT}/issues/#",
    f"{TOPIC_ROOT}/calls/+/queue_abandoned",
    f"{TOPIC_ROOT}/campaigns/+/dial_placed",
    f"{TOPIC_ROOT}/campaigns/+/dial_refused",
    f"{TOPIC_ROOT}/campaigns/+/call_closed",
)
#: An event sent this many times without an acknowledgement is given up (logged), so that one
#: the broker refuses by dropping the connection cannot hold back every event after it.
MAX_SENDS = 5
DRAIN_S = 2.0  # how long a clean stop waits for the events still queued to be sent


def qos_for(topic: str) -> int:
    """1 for an event other systems must not miss, else 0."""
    return 1 if any(topic_matches(f, topic) for f in RELIABLE_TOPICS) else 0


@dataclass(frozen=True, slots=True)
class BrokerAddress:
    host: str
    port: int
    username: str | None
    password: str | None
    tls: bool

    @classmethod
    def parse(cls, url: str) -> BrokerAddress:
        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
            msg = f"MQTT URL {url!r} must look like mqtt://host:1883"
            raise ValueError(msg)
        tls = parts.scheme == "mqtts"
        # Credentials in a URL are percent-encoded ("p%40ss" for "p@ss"); the broker wants them
        # as they are.
        username = unquote(parts.username) if parts.username is not None else None
        password = unquote(parts.password) if parts.password is not None else None
        return cls(parts.hostname, parts.port or (8883 if tls else 1883), username, password, tls)

    def client(self, identifier: str | None = None) -> aiomqtt.Client:
        kwargs: dict[str, Any] = {"identifier": identifier}
        if self.tls:
            kwargs["tls_params"] = aiomqtt.TLSParameters()
        return aiomqtt.Client(
            self.host, self.port, username=self.username, password=self.password, **kwargs
        )


@dataclass(frozen=True, slots=True)
class Command:
    """A command taken from MQTT: its topic below ``recoup/v1/cmd/`` and its JSON body."""

    path: str
    body: dict[str, Any]


CommandHandler = Callable[[Command], Awaitable[None]]


def parse_command(topic: str, payload: bytes) -> Command:
    """``recoup/v1/cmd/agents/a1/pause`` + ``{"reason": "break"}`` -> Command; ValueError if bad."""
    prefix = f"{TOPIC_ROOT}/cmd/"
    if not topic.startswith(prefix):
        msg = f"{topic} is not a command topic"
        raise ValueError(msg)
    try:
        body = json.loads(payload.decode("utf-8")) if payload.strip() else {}
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        msg = f"command on {topic} is not JSON: {exc}"
        raise ValueError(msg) from exc
    except RecursionError as exc:  # "[[[[..." from anyone who may publish to the broker
        msg = f"command on {topic} is too deeply nested"
        raise ValueError(msg) from exc
    if not isinstance(body, dict):
        msg = f"command on {topic} must be a JSON object"
        raise ValueError(msg)
    return Command(topic[len(prefix) :], body)


class MqttLink:
    """Publishes the bus to a broker and feeds its commands to ``on_command``."""

    def __init__(
        self,
        bus: InProcessBus,
        url: str,
        on_command: CommandHandler | None = None,
        *,
        backlog: int = 10_000,
    ) -> None:
        self.address = BrokerAddress.parse(url)
        self._bus = bus
        self._on_command = on_command
        self._subscription = bus.subscribe("#", maxsize=backlog)
        self._backlog = backlog
        self._lost_reported = 0
        self.connected = asyncio.Event()
        self.published = 0
        self.rejected_commands = 0
        self.unpublishable = 0  # events JSON cannot hold: logged and skipped
        self.failed_commands = 0  # handled, but the handler raised: logged, the link goes on
        self.undeliverable = 0  # sent MAX_SENDS times without an acknowledgement: given up
        self._unsent: tuple[str, Event] | None = None  # taken from the bus, not yet delivered
        self._sends = 0  # times the unsent event was handed to a broker
        self._progress = asyncio.Event()  # set when an event is done with, or the link drops

    async def run(self) -> None:
        """Keep the link up until cancelled."""
        delay = 0.5
        while True:
            try:
                async with self.address.client() as client:
                    await client.subscribe(COMMAND_FILTER, qos=1)
                    self.connected.set()  # and taking commands
                    self._report_losses()
                    delay = 0.5
                    async with asyncio.TaskGroup() as group:
                        group.create_task(self._publish_loop(client))
                        group.create_task(self._command_loop(client))
            except* aiomqtt.MqttError as errors:
                self.connected.clear()
                self._progress.set()
                log.warning("MQTT link down (%s); retrying in %.1f s", errors.exceptions[0], delay)
            await asyncio.sleep(delay * (0.8 + 0.4 * random.random()))
            delay = min(delay * 2, 30.0)

    async def _publish_loop(self, client: aiomqtt.Client) -> None:
        while True:
            if self._unsent is None:
                self._unsent, self._sends = await self._subscription.get(), 0
            topic, event = self._unsent
            try:
                payload = event_bytes(event)
            except (TypeError, ValueError):
                # One event that cannot be written must not end the link for every other one.
                self.unpublishable += 1
                self._unsent = None
                self._progress.set()
                log.exception("event on %s cannot be written as JSON; not published", topic)
                continue
            if self._sends >= MAX_SENDS:
                self.undeliverable += 1
                self._unsent = None
                self._progress.set()
                log.error("event on %s not acknowledged after %d sends; given up", topic, MAX_SENDS)
                continue
            self._sends += 1
            # A drop before the acknowledgement leaves the event in _unsent for the next link.
            await client.publish(topic, payload, qos=qos_for(topic))
            self._unsent = None
            self.published += 1
            self._progress.set()

    async def _command_loop(self, client: aiomqtt.Client) -> None:
        async for message in client.messages:
            if message.retain:
                # Kept by the broker from some time ago and handed to every new subscription:
                # obeying it would repeat an old "stop" or "pause" at every reconnect.
                self.rejected_commands += 1
                log.warning("ignored a retained MQTT command on %s", message.topic)
                continue
            payload = message.payload if isinstance(message.payload, bytes) else b""
            try:
                command = parse_command(str(message.topic), payload)
            except ValueError as exc:
                self.rejected_commands += 1
                log.warning("rejected MQTT command: %s", exc)
                continue
            if self._on_command is None:
                continue
            try:
                await self._on_command(command)
            except Exception:
                # One command that breaks its handler must not take the link down for good
                # (the TaskGroup would end run(), and nothing would reach MQTT again).
                self.failed_commands += 1
                log.exception("MQTT command %s failed", command.path)

    @property
    def lost(self) -> int:
        """Events the backlog could not keep (the oldest go first) while the broker was away."""
        return self._subscription.dropped

    def _report_losses(self) -> None:
        if self.lost > self._lost_reported:
            log.error(
                "%d events were lost while the MQTT broker was away (backlog %d full)",
                self.lost - self._lost_reported, self._backlog,
            )  # fmt: skip
            self._lost_reported = self.lost

    @property
    def backlog(self) -> int:
        """Events taken from the bus and not yet sent."""
        return len(self._subscription) + (self._unsent is not None)

    async def drain(self) -> None:
        """Wait until every event taken from the bus is sent (bound it with asyncio.timeout);
        return at once while the broker is away: there is nobody to send to."""
        while self.backlog and self.connected.is_set():
            self._progress.clear()
            await self._progress.wait()

    def close(self) -> None:
        self._subscription.close()


@contextlib.asynccontextmanager
async def mqtt_link(
    bus: InProcessBus, url: str, on_command: CommandHandler | None = None
) -> AsyncIterator[MqttLink]:
    """Run an :class:`MqttLink` for the length of a ``with`` block."""
    link = MqttLink(bus, url, on_command)
    task = asyncio.create_task(link.run(), name="mqtt-link")
    try:
        yield link
        # A clean stop sends what the last moments published (the last dispositions) first.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(DRAIN_S):
                await link.drain()
        if link.backlog:
            log.warning("MQTT link stopped with %d events unsent", link.backlog)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        link.close()
