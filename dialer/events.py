"""What the dialer learns from the PBX, as typed domain events.

:mod:`dialer.ami.translate` makes these from AMI events; the bus carries them; nothing past
``dialer/ami`` sees AMI text. Every call event carries the ``uniqueid`` of the channel it is
about and the ``linkedid`` of the call (the Uniqueid of the channel that started it: for an
Originate with ``ChannelId``, that id), the time ``at`` it was seen, and the campaign and lead
variables (``DIALER_CAMPAIGN``/``DIALER_LEAD``) when the call carries them.

Topics are ``recoup/v1/calls/{linkedid}/<what>`` for call events, ``recoup/v1/pbx/{pbx}/...``
for connection events and snapshots.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar


class FailReason(enum.StrEnum):
    """Why an originated call was never answered (from OriginateResponse ``Reason``)."""

    BUSY = "busy"  # Reason 5, hangup cause 17
    NO_ANSWER = "no_answer"  # Reason 3 (ring timeout), cause 19
    CONGESTION = "congestion"  # Reason 8, cause 34
    UNREACHABLE = "unreachable"  # Reason 0: the channel could not be created or called


class AmdStatus(enum.StrEnum):
    """Answering-machine detection verdict (``AMDSTATUS``)."""

    HUMAN = "human"
    MACHINE = "machine"
    NOTSURE = "notsure"
    HANGUP = "hangup"


@dataclass(frozen=True, slots=True, kw_only=True)
class CallEvent:
    """What every call event carries."""

    uniqueid: str
    linkedid: str
    at: datetime
    channel: str = ""
    campaign: str | None = None
    lead: str | None = None
    topic: ClassVar[str] = "recoup/v1/calls/{linkedid}/event"


@dataclass(frozen=True, slots=True, kw_only=True)
class CallOriginated(CallEvent):
    """Asterisk created the customer channel of an Originate and is dialling it."""

    action_id: str | None = None
    dial_string: str = ""
    topic: ClassVar[str] = "recoup/v1/calls/{linkedid}/originated"


@dataclass(frozen=True, slots=True, kw_only=True)
class CallRinging(CallEvent):
    """The customer's phone is ringing."""

    topic: ClassVar[str] = "recoup/v1/calls/{linkedid}/ringing"


@dataclass(frozen=True, slots=True, kw_only=True)
class CallAnswered(CallEvent):
    """The customer answered (OriginateResponse Reason 4, or the dial's ANSWER)."""

    action_id: str | None = None
    topic: ClassVar[str] = "recoup/v1/calls/{linkedid}/answered"


@dataclass(frozen=True, slots=True, kw_only=True)
class CallFailed(CallEvent):
    """The Originate ended without an answer."""

    reason: FailReason
    reason_code: int
    action_id: str | None = None
    dial_string: str = ""
    topic: ClassVar[str] = "recoup/v1/calls/{linkedid}/failed"


@dataclass(frozen=True, slots=True, kw_only=True)
class AmdResult(CallEvent):
    """Answering-machine detection finished (``AMDSTATUS``/``AMDCAUSE``).

    ``silence_after_greeting_ms``: the silence AMD heard after the person's greeting before it
    said HUMAN (``AMDCAUSE`` ``HUMAN-<silence>-<after_greeting_silence>``), so the greeting
    ended that long before this verdict; None when the cause does not say.
    """

    status: AmdStatus
    cause: str = ""
    silence_after_greeting_ms: int | None = None
    topic: ClassVar[str] = "recoup/v1/calls/{linkedid}/amd"


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueJoined(CallEvent):
    """The answered customer is waiting in a queue for an agent."""

    queue: str
    position: int
    count: int
    topic: ClassVar[str] = "recoup/v1/calls/{linkedid}/queue_joined"


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueAbandoned(CallEvent):
    """The customer left the queue before an agent took the call.

    ``by_dialer`` is true when the dialer itself redirected the channel out of the queue
    (the "no agent within 2 s" path); Asterisk reports both the same way.
    """

    queue: str
    position: int
    original_position: int
    hold_time_s: int
    by_dialer: bool = False
    topic: ClassVar[str] = "recoup/v1/calls/{linkedid}/queue_abandoned"


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentCalled(CallEvent):
    """The queue rings an agent for this call."""

    queue: str
    member: str
    interface: str
    agent_channel: str = ""
    agent_uniqueid: str = ""
    topic: ClassVar[str] = "recoup/v1/calls/{linkedid}/agent_called"


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentConnected(CallEvent):
    """An agent took the call."""

    queue: str
    member: str
    interface: str
    agent_channel: str = ""
    agent_uniqueid: str = ""
    hold_time_s: int = 0
    ring_time_s: int = 0
    topic: ClassVar[str] = "recoup/v1/calls/{linkedid}/agent_connected"


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentCompleted(CallEvent):
    """The agent's conversation ended; ``ended_by`` is ``caller``, ``agent`` or ``transfer``."""

    queue: str
    member: str
    interface: str
    agent_channel: str = ""
    hold_time_s: int = 0
    talk_time_s: int = 0
    ended_by: str = ""
    topic: ClassVar[str] = "recoup/v1/calls/{linkedid}/agent_completed"


@dataclass(frozen=True, slots=True, kw_only=True)
class HungUp(CallEvent):
    """The call's first channel (both halves, for a Local pair) hung up.

    ``cause`` is the Q.850 cause; of a Local pair, the far half's cause when the near half
    says 0 (busy shows as 17 on ``;2`` and 0 on ``;1``).
    """

    cause: int
    cause_text: str = ""
    topic: ClassVar[str] = "recoup/v1/calls/{linkedid}/hung_up"


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordingStarted(CallEvent):
    """MixMonitor started; ``file`` from ``MIXMONITOR_FILENAME``, id from ``i(VAR)``."""

    file: str | None = None
    mixmonitor_id: str | None = None
    topic: ClassVar[str] = "recoup/v1/calls/{linkedid}/recording_started"


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordingStopped(CallEvent):
    """MixMonitor stopped (StopMixMonitor, or the channel hung up)."""

    file: str | None = None
    mixmonitor_id: str | None = None
    topic: ClassVar[str] = "recoup/v1/calls/{linkedid}/recording_stopped"


@dataclass(frozen=True, slots=True, kw_only=True)
class SpyStarted(CallEvent):
    """A supervisor started listening; ``uniqueid``/``linkedid`` are the spied call's."""

    spyer_channel: str
    spyer_uniqueid: str
    spyer_linkedid: str
    topic: ClassVar[str] = "recoup/v1/calls/{linkedid}/spy_started"


@dataclass(frozen=True, slots=True, kw_only=True)
class SpyStopped(CallEvent):
    """The listening ended."""

    spyer_channel: str
    spyer_uniqueid: str
    spyer_linkedid: str
    topic: ClassVar[str] = "recoup/v1/calls/{linkedid}/spy_stopped"


# --- state after a (re)connect ------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelInfo:
    """One live channel, from CoreShowChannels or Status."""

    channel: str
    uniqueid: str
    linkedid: str
    state: int
    state_desc: str = ""
    caller_id_num: str = ""
    caller_id_name: str = ""
    account_code: str = ""
    context: str = ""
    exten: str = ""
    priority: str = ""
    application: str = ""
    application_data: str = ""
    duration: str = ""
    bridge_id: str = ""
    variables: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueMemberState:
    """One member of a queue, from QueueStatus (``Name``/``Location`` there)."""

    queue: str
    name: str
    interface: str
    state_interface: str = ""
    status: int = 0  # device state: 1 not in use, 2 in use, 4 invalid, 5 unavailable ...
    paused: bool = False
    paused_reason: str = ""
    in_call: bool = False
    calls_taken: int = 0
    penalty: int = 0
    last_call: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueCallerState:
    """A caller waiting in a queue (QueueEntry)."""

    queue: str
    position: int
    channel: str
    uniqueid: str
    caller_id_num: str = ""
    wait_s: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueState:
    """One queue: its counters (QueueParams), members and waiting callers."""

    name: str
    strategy: str = ""
    calls: int = 0
    hold_time_s: int = 0
    talk_time_s: int = 0
    completed: int = 0
    abandoned: int = 0
    members: tuple[QueueMemberState, ...] = ()
    callers: tuple[QueueCallerState, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelsSnapshot:
    """Every live channel, sent after each (re)connect so the dialer rebuilds its calls."""

    pbx: str
    at: datetime
    channels: tuple[ChannelInfo, ...]
    topic: ClassVar[str] = "recoup/v1/pbx/{pbx}/channels_snapshot"


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueSnapshot:
    """Every queue, its members and callers, sent after each (re)connect."""

    pbx: str
    at: datetime
    queues: tuple[QueueState, ...]
    topic: ClassVar[str] = "recoup/v1/pbx/{pbx}/queue_snapshot"


@dataclass(frozen=True, slots=True, kw_only=True)
class PbxConnected:
    """Logged in to Asterisk (first time or after a reconnect)."""

    pbx: str
    at: datetime
    banner: str = ""
    reconnect: bool = False
    topic: ClassVar[str] = "recoup/v1/pbx/{pbx}/connected"


@dataclass(frozen=True, slots=True, kw_only=True)
class PbxDisconnected:
    """The AMI connection was lost; events may have been missed until the next snapshot."""

    pbx: str
    at: datetime
    reason: str
    topic: ClassVar[str] = "recoup/v1/pbx/{pbx}/disconnected"


CallEvents = (
    CallOriginated
    | CallRinging
    | CallAnswered
    | CallFailed
    | AmdResult
    | QueueJoined
    | QueueAbandoned
    | AgentCalled
    | AgentConnected
    | AgentCompleted
    | HungUp
    | RecordingStarted
    | RecordingStopped
    | SpyStarted
    | SpyStopped
)
PbxEvent = CallEvents | ChannelsSnapshot | QueueSnapshot | PbxConnected | PbxDisconnected
