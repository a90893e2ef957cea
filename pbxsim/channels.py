"""Channels as Asterisk 22 shows them on AMI: names, uniqueids, states and field blocks.

Every channel event in the captures carries the same 14-field block (``Channel`` …
``Linkedid``), sometimes prefixed (``Dest``, ``LocalOne``, ``Spyer`` …). :func:`channel_fields`
builds that block in the captures' order so no event writes it by hand.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum
from typing import Final

from recoup.clock import Clock

Fields = list[tuple[str, str]]

UNKNOWN: Final = "<unknown>"


class ChannelState(IntEnum):
    """AST_STATE_* as printed in ``ChannelState``."""

    DOWN = 0
    RING = 4
    RINGING = 5
    UP = 6
    BUSY = 7

    @property
    def desc(self) -> str:
        return {4: "Ring", 5: "Ringing", 6: "Up", 7: "Busy"}.get(self.value, "Down")


CAUSE_TEXT: Final[dict[int, str]] = {
    0: "Unknown",
    16: "Normal Clearing",
    17: "User busy",
    19: "User alerting, no answer",
    21: "Call Rejected",
    34: "Circuit/channel congestion",
}


def cause_text(cause: int) -> str:
    return CAUSE_TEXT.get(cause, "Unknown")


@dataclass(eq=False)
class Channel:
    """One Asterisk channel (one half of a Local pair, usually)."""

    name: str
    uniqueid: str
    linkedid: str
    context: str
    exten: str
    priority: int = 1
    state: ChannelState = ChannelState.DOWN
    caller_num: str = UNKNOWN
    caller_name: str = UNKNOWN
    connected_num: str = UNKNOWN
    connected_name: str = UNKNOWN
    account: str = ""
    language: str = "en"
    application: str = ""
    app_data: str = ""
    bridge_id: str = ""
    variables: dict[str, str] = field(default_factory=dict)
    created_mono: float = 0.0
    created_at: datetime | None = None
    answered_at: datetime | None = None
    hung_up: bool = False
    peer: Channel | None = None
    dnid: str = ""
    #: set when something outside the running dialplan (AMI Hangup, Redirect, the far end
    #: hanging up) must interrupt it; the dialplan task reads :attr:`signal`.
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    signals: list[object] = field(default_factory=list)
    #: the channel whose dialplan task must hear about this one (itself, or the customer
    #: channel for an agent leg)
    controller: Channel | None = None
    #: hangup handlers (``CHANNEL(hangup_handler_push)``): run when the channel hangs up,
    #: before its Hangup event, with the hangup cause
    hangup_handlers: list[Callable[[Channel, int], None]] = field(default_factory=list)

    @property
    def device(self) -> str:
        """The device name (``Local/answer@customers``) used by DeviceStateChange."""
        return self.name.rsplit("-", 1)[0]

    def interrupt(self, signal: object) -> None:
        target = self.controller or self
        target.signals.append(signal)
        target.wake.set()

    def take_signal(self) -> object | None:
        if not self.signals:
            self.wake.clear()
            return None
        signal = self.signals.pop(0)
        if not self.signals:
            self.wake.clear()
        return signal


def channel_fields(channel: Channel, prefix: str = "") -> Fields:
    """The 14-field channel block, optionally prefixed (``Dest``, ``LocalOne`` …)."""
    p = prefix
    return [
        (f"{p}Channel", channel.name),
        (f"{p}ChannelState", str(int(channel.state))),
        (f"{p}ChannelStateDesc", channel.state.desc),
        (f"{p}CallerIDNum", channel.caller_num),
        (f"{p}CallerIDName", channel.caller_name),
        (f"{p}ConnectedLineNum", channel.connected_num),
        (f"{p}ConnectedLineName", channel.connected_name),
        (f"{p}Language", channel.language),
        (f"{p}AccountCode", channel.account),
        (f"{p}Context", channel.context),
        (f"{p}Exten", channel.exten),
        (f"{p}Priority", str(channel.priority)),
        (f"{p}Uniqueid", channel.uniqueid),
        (f"{p}Linkedid", channel.linkedid),
    ]


def parse_local(dial_string: str) -> tuple[str, str, bool] | None:
    """``Local/<exten>@<context>[/n]`` -> (exten, context, no-optimise), else None."""
    if not dial_string.startswith("Local/"):
        return None
    rest = dial_string[len("Local/") :]
    no_optimise = False
    if rest.endswith("/n"):
        rest, no_optimise = rest[:-2], True
    exten, _, context = rest.partition("@")
    if not exten or not context:
        return None
    return exten, context, no_optimise


class ChannelRegistry:
    """Live channels, plus the uniqueid and ``-XXXXXXXX`` sequences Asterisk hands out."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._uniq = itertools.count(1)
        self._local_seq = itertools.count(0)
        self.live: dict[str, Channel] = {}
        self._epoch = int(clock.now().timestamp())

    def next_uniqueid(self) -> str:
        return f"{self._epoch}.{next(self._uniq)}"

    def local_pair(
        self, exten: str, context: str, *, channel_id: str = "", linkedid: str = ""
    ) -> tuple[Channel, Channel]:
        """A new Local pair ``;1``/``;2``; ``channel_id`` (AMI ChannelId) names ``;1``."""
        seq = next(self._local_seq)
        base = f"Local/{exten}@{context}-{seq:08x}"
        if channel_id:
            one_id, two_id = channel_id, f"{channel_id};2"
        else:
            one_id, two_id = self.next_uniqueid(), self.next_uniqueid()
        link = linkedid or one_id
        now, mono = self._clock.now(), self._clock.monotonic()
        one = Channel(
            name=f"{base};1",
            uniqueid=one_id,
            linkedid=link,
            context=context,
            exten=exten,
            created_mono=mono,
            created_at=now,
        )
        two = Channel(
            name=f"{base};2",
            uniqueid=two_id,
            linkedid=link,
            context=context,
            exten=exten,
            state=ChannelState.RING,
            created_mono=mono,
            created_at=now,
        )
        one.peer, two.peer = two, one
        self.live[one.name] = one
        self.live[two.name] = two
        return one, two

    def find(self, name: str) -> Channel | None:
        channel = self.live.get(name)
        if channel is None:
            for live in self.live.values():
                if live.uniqueid == name:
                    return live
        return channel

    def find_prefix(self, prefix: str) -> Channel | None:
        """ChanSpy's target rule: the first live channel whose name starts with ``prefix``."""
        for channel in self.live.values():
            if channel.name.startswith(prefix):
                return channel
        return None

    def remove(self, channel: Channel) -> None:
        self.live.pop(channel.name, None)

    def by_linkedid(self, linkedid: str) -> list[Channel]:
        return [c for c in self.live.values() if c.linkedid == linkedid]
