"""The in-process bus: every part of one ``recoup serve`` process meets here.

Publishing never blocks and never fails: each subscriber has a bounded queue, and a subscriber
that stops reading loses its oldest events (counted in ``dropped``) rather than stalling the
dialer. Subscriptions filter by MQTT topic filters (``recoup/v1/calls/+/answered``, ``#``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator

from recoup.bus.event import Event, topic_of


def topic_matches(topic_filter: str, topic: str) -> bool:
    """MQTT filter matching: ``+`` is one level, a final ``#`` is any number of levels."""
    f_parts = topic_filter.split("/")
    t_parts = topic.split("/")
    for i, part in enumerate(f_parts):
        if part == "#":
            return i == len(f_parts) - 1
        if i >= len(t_parts):
            return False
        if part not in ("+", t_parts[i]):
            return False
    return len(f_parts) == len(t_parts)


class Subscription:
    """Events for one subscriber, oldest first; iterate with ``async for``."""

    def __init__(self, bus: InProcessBus, topic_filter: str, maxsize: int) -> None:
        self._bus = bus
        self.topic_filter = topic_filter
        self._queue: asyncio.Queue[tuple[str, Event]] = asyncio.Queue(maxsize)
        self.dropped = 0

    def offer(self, topic: str, event: Event) -> None:
        if not topic_matches(self.topic_filter, topic):
            return
        if self._queue.full():
            self._queue.get_nowait()
            self.dropped += 1
        self._queue.put_nowait((topic, event))

    def __len__(self) -> int:
        """Events waiting to be read."""
        return self._queue.qsize()

    async def get(self) -> tuple[str, Event]:
        return await self._queue.get()

    def close(self) -> None:
        self._bus.unsubscribe(self)

    def __aiter__(self) -> AsyncIterator[tuple[str, Event]]:
        return self

    async def __anext__(self) -> tuple[str, Event]:
        return await self._queue.get()


class InProcessBus:
    """Typed events in, matching subscribers out."""

    def __init__(self) -> None:
        self._subscriptions: list[Subscription] = []
        self.published = 0

    def publish(self, event: Event) -> None:
        topic = topic_of(event)
        self.published += 1
        for subscription in tuple(self._subscriptions):
            subscription.offer(topic, event)

    def subscribe(self, topic_filter: str = "#", *, maxsize: int = 10_000) -> Subscription:
        subscription = Subscription(self, topic_filter, maxsize)
        self._subscriptions.append(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        with contextlib.suppress(ValueError):
            self._subscriptions.remove(subscription)

    @contextlib.contextmanager
    def subscribed(
        self, topic_filter: str = "#", *, maxsize: int = 10_000
    ) -> Iterator[Subscription]:
        subscription = self.subscribe(topic_filter, maxsize=maxsize)
        try:
            yield subscription
        finally:
            subscription.close()
