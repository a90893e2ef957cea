"""The dialer's way to its database: one writer at a time, patient through outages.

* :meth:`DialerStore.run` runs one unit of work in a transaction and returns its result (a
  lead claim, the gate's verdict with the attempt written, a disposition).
* :meth:`DialerStore.later` queues a write whose result nobody waits for (an answer time, an
  attempt closed, an agent's state change). Queued writes go in order, many per transaction,
  so the event path never waits for the disk: a call reaches its agent while its answer time is
  still being written.
* Units share one lock, taken in turn: on SQLite there is one writer anyway, and taking
  turns fairly beats the busy-timeout's sleeps.
* While the database cannot be reached, work waits and is retried (``available`` is False, and
  the dialer places no call); errors that are not an outage are raised (``run``) or logged with
  the write that caused them (``later``), never retried forever.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)

T = TypeVar("T")
Work = Callable[[AsyncConnection], Awaitable[object]]

#: what a database outage looks like from SQLAlchemy and the drivers (not a bad query)
DATABASE_DOWN: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    OSError,
    TimeoutError,
)
_BATCH = 200


def is_outage(error: BaseException) -> bool:
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, DATABASE_DOWN)


class DialerStore:
    def __init__(
        self,
        engine: AsyncEngine,
        *,
        retry_s: float = 0.5,
        on_availability: Callable[[bool], None] | None = None,
    ) -> None:
        self.engine = engine
        self.retry_s = retry_s
        self.available = True
        self._on_availability = on_availability or (lambda _up: None)
        self._lock = asyncio.Lock()
        self._queue: deque[tuple[str, Work]] = deque()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self.failed_writes = 0

    @property
    def backlog(self) -> int:
        return len(self._queue)

    async def run(self, what: str, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        """``work`` in one transaction, retried while the database is unreachable."""
        delay = self.retry_s
        while True:
            try:
                async with self._lock, self.engine.begin() as conn:
                    result = await work(conn)
            except Exception as error:
                if not is_outage(error):
                    raise
                self._set_available(False, f"{what}: {error}")
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                continue
            self._set_available(True, what)
            return result

    def later(self, what: str, work: Work) -> None:
        """Queue a write; it runs after every write queued before it."""
        self._queue.append((what, work))
        self._idle.clear()
        self._wake.set()

    async def flush(self) -> None:
        """Until every queued write is done (or given up as failing)."""
        await self._idle.wait()

    async def writer(self) -> None:
        """The task that drains :meth:`later`'s queue; runs until cancelled."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue:
                batch = [self._queue.popleft() for _ in range(min(_BATCH, len(self._queue)))]
                try:
                    await self.run("queued writes", functools.partial(_all, batch=batch))
                except Exception:
                    # One bad write must not take the others with it: one by one, then.
                    for what, work in batch:
                        try:
                            await self.run(what, work)
                        except Exception:
                            self.failed_writes += 1
                            log.exception("write %r failed and is dropped", what)
            self._idle.set()

    def _set_available(self, up: bool, why: str) -> None:
        if up == self.available:
            return
        self.available = up
        if up:
            log.warning("database reachable again (%s); dialing resumes", why)
        else:
            log.warning("database unreachable (%s); dialing paused", why)
        self._on_availability(up)


async def _all(conn: AsyncConnection, batch: list[tuple[str, Work]]) -> None:
    for _what, work in batch:
        await work(conn)
