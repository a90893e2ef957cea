"""Timing the dialer under load: where its work on each event starts and ends.

See ``bench/dialer_load.py`` for how the figures are defined."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from load_pbx import SENT_HEADER  # bench/ is the script's folder, on sys.path
from sqlalchemy.ext.asyncio import AsyncConnection

from dialer.agents.membership import QueueAction
from dialer.agents.state import AgentStateChanged, AgentStatus
from dialer.ami.protocol import AmiMessage
from dialer.engine.calls import CallChange, ChangeKind
from dialer.engine.desk import ScreenPopped
from dialer.engine.runner import Dialer
from dialer.events import PbxEvent
from recoup.bus.event import Event

log = logging.getLogger("bench.dialer_load")


T = TypeVar("T")


@dataclass(slots=True)
class Stamp:
    sent: float  # pbxsim wrote the bytes
    parsed: float  # the dialer had parsed the message (on_message)


@dataclass
class Probe:
    """Timestamps of one run (all ``time.monotonic()``), and what they add up to."""

    since: float = float("inf")  # samples stamped before this (the warm-up) are not counted
    current: Stamp | None = None
    stamps: dict[int, Stamp] = field(default_factory=dict)  # id(event) until it is folded
    messages: int = 0
    fold_ms: list[float] = field(default_factory=list)  # every event: sent -> in the book
    act_ms: list[float] = field(default_factory=list)  # every event: sent -> acted on
    live: dict[str, tuple[Stamp, float]] = field(default_factory=dict)  # channel -> folded at
    live_ms: dict[str, float] = field(default_factory=dict)  # channel -> sent -> acted on
    live_parsed_ms: dict[str, float] = field(default_factory=dict)
    connect: dict[int, tuple[str, Stamp]] = field(default_factory=dict)  # attempt -> call
    connect_by_channel: dict[str, Stamp] = field(default_factory=dict)
    state_ms: list[float] = field(default_factory=list)  # AgentConnected -> on call published
    pop_ms: list[float] = field(default_factory=list)  # AgentConnected -> screen pop published
    pop_parsed_ms: list[float] = field(default_factory=list)
    bridge_ms: list[float] = field(default_factory=list)  # live + connect, per call
    bridge_parsed_ms: list[float] = field(default_factory=list)
    live_counted_ms: list[float] = field(default_factory=list)  # the live part of each bridge
    unmatched_pops: int = 0
    database_ms: dict[str, list[float]] = field(default_factory=dict)  # Dialer.database, by what
    act_by_type: dict[str, list[float]] = field(default_factory=dict)  # Dialer._act, by event
    queue_action_ms: list[float] = field(default_factory=list)  # AMI queue actions, awaited

    def on_message(self, message: AmiMessage) -> None:
        self.messages += 1
        sent = message.get(SENT_HEADER)
        self.current = Stamp(float(sent), time.monotonic()) if sent else None

    def forward(self, put: Any) -> Any:
        def on_event(event: PbxEvent) -> None:
            if self.current is not None:
                self.stamps[id(event)] = self.current
            put(event)

        return on_event

    def counted(self, stamp: Stamp) -> bool:
        return stamp.sent >= self.since


class TimedDialer(Dialer):
    """The dialer, unchanged, with timestamps where its work on an event starts and ends."""

    def __init__(self, probe: Probe, **parts: Any) -> None:
        super().__init__(**parts)
        self.probe = probe
        self._timing: dict[int, Stamp] = {}  # id(event) between _fold and _act
        run = self.store.run

        async def timed(what: str, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
            began = time.monotonic()
            try:
                return await run(what, work)
            finally:
                if began >= probe.since:
                    probe.database_ms.setdefault(what, []).append(1000 * (time.monotonic() - began))

        self.store.run = timed  # type: ignore[method-assign]
        send = self.floor.queue_action

        async def timed_action(action: QueueAction) -> None:
            began = time.monotonic()
            await send(action)
            if began >= probe.since:
                probe.queue_action_ms.append(1000 * (time.monotonic() - began))

        self.floor.queue_action = timed_action  # type: ignore[method-assign]

    def _fold(self, event: PbxEvent) -> tuple[PbxEvent, CallChange | None]:
        stamp = self.probe.stamps.pop(id(event), None)
        folded = super()._fold(event)
        if stamp is None:
            return folded
        now = time.monotonic()
        p = self.probe
        if p.counted(stamp):
            p.fold_ms.append(1000 * (now - stamp.sent))
        change = folded[1]
        if change is not None and change.kind is ChangeKind.LIVE:
            p.live[change.call.channel_id] = (stamp, now)
        elif change is not None and change.kind is ChangeKind.CONNECTED:
            p.connect[change.call.attempt_id] = (change.call.channel_id, stamp)
            p.connect_by_channel[change.call.channel_id] = stamp
        self._timing[id(event)] = stamp
        return folded

    async def _act(self, event: PbxEvent, change: CallChange | None) -> None:
        stamp = self._timing.pop(id(event), None)
        began = time.monotonic()
        await super()._act(event, change)
        now = time.monotonic()
        p = self.probe
        if began >= p.since:
            p.act_by_type.setdefault(type(event).__name__, []).append(1000 * (now - began))
        if stamp is None:
            return
        if p.counted(stamp):
            p.act_ms.append(1000 * (now - stamp.sent))
        if change is not None and change.kind is ChangeKind.LIVE:
            channel = change.call.channel_id
            p.live_ms[channel] = 1000 * (now - stamp.sent)
            p.live_parsed_ms[channel] = 1000 * (now - stamp.parsed)

    def publish(self, event: Event) -> None:
        super().publish(event)
        p = self.probe
        if (
            isinstance(event, AgentStateChanged)
            and event.state is AgentStatus.ON_CALL
            and event.call_id is not None
        ):
            stamp = p.connect_by_channel.get(event.call_id)
            if stamp is not None and p.counted(stamp):
                p.state_ms.append(1000 * (time.monotonic() - stamp.sent))
        elif isinstance(event, ScreenPopped) and not event.preview and event.attempt_id:
            held = p.connect.pop(event.attempt_id, None)
            if held is None:
                p.unmatched_pops += 1
                return
            channel, stamp = held
            p.connect_by_channel.pop(channel, None)
            p.live.pop(channel, None)
            live = p.live_ms.pop(channel, None)
            live_parsed = p.live_parsed_ms.pop(channel, None)
            if not p.counted(stamp):
                return
            now = time.monotonic()
            pop, pop_parsed = 1000 * (now - stamp.sent), 1000 * (now - stamp.parsed)
            p.pop_ms.append(pop)
            p.pop_parsed_ms.append(pop_parsed)
            if live is not None and live_parsed is not None:
                p.bridge_ms.append(live + pop)
                p.bridge_parsed_ms.append(live_parsed + pop_parsed)
                p.live_counted_ms.append(live)


def percentiles(values: list[float]) -> dict[str, float | int | None]:
    if not values:
        return {"n": 0, "p50": None, "p99": None, "max": None}
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)

    return {"n": len(ordered), "p50": at(0.50), "p90": at(0.90), "p99": at(0.99),
            "max": round(ordered[-1], 2)}  # fmt: skip
