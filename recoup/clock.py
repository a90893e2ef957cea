"""The one injectable clock.

Every part of Recoup that needs "now" or needs to wait takes a :class:`Clock`. Production uses
:class:`SystemClock`; pbxsim, the demo and time-scaled tests use :class:`ScaledClock`, so that
a simulated hour can pass in a minute; pure-rule tests use :class:`ManualClock`.

Clocks hand out timezone-aware UTC datetimes only.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Where time comes from."""

    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back, in this clock's time scale."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of this clock's time."""
        ...


class SystemClock:
    """Wall-clock time."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class ScaledClock:
    """Time that runs ``scale`` times faster than the wall clock, from ``start``.

    With ``scale=60`` a simulated hour passes in a real minute. Sleeping ``s`` simulated
    seconds waits ``s / scale`` real seconds.
    """

    def __init__(self, scale: float = 1.0, start: datetime | None = None) -> None:
        if scale <= 0:
            msg = f"time scale must be positive, not {scale}"
            raise ValueError(msg)
        if start is not None and start.tzinfo is None:
            msg = "the start of a scaled clock must be timezone-aware"
            raise ValueError(msg)
        self.scale = scale
        self._start = start or datetime.now(UTC)
        self._real0 = time.monotonic()

    def now(self) -> datetime:
        return self._start + timedelta(seconds=self.monotonic())

    def monotonic(self) -> float:
        return (time.monotonic() - self._real0) * self.scale

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds) / self.scale)


class ManualClock:
    """A clock that moves only when told to: for tests of rules and state machines."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            msg = "a manual clock's start must be timezone-aware"
            raise ValueError(msg)
        self._now = start.astimezone(UTC)
        self._mono = 0.0

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            msg = "time does not go back"
            raise ValueError(msg)
        self._now += timedelta(seconds=seconds)
        self._mono += seconds

    async def sleep(self, seconds: float) -> None:
        self.advance(max(0.0, seconds))
        await asyncio.sleep(0)
