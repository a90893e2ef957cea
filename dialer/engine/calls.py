"""The dialer's book of its own outbound calls, kept from typed PBX events. Pure: no I/O.

Every call is known by the ``ChannelId`` the dialer gave its Originate, which Asterisk uses as
the Uniqueid of the ``;1`` half and as the Linkedid of every channel of the call; events are
matched on that, never on arrival order. The book says what changed (a :class:`CallChange`) and
the runner acts on it: write the attempt, count the abandon meter, redirect a caller no agent
took within the connect limit.

The 2-second rule (47 CFR 64.1200(a)(7)): a call is abandoned when no agent takes it within two
seconds of the person's completed greeting. With AMD off the clock starts at the answer. With
AMD on it starts when the greeting ended: AMD says HUMAN only after hearing
``after_greeting_silence`` of silence, so its verdict comes that long after the greeting, and
the silence it heard (``AMDCAUSE`` ``HUMAN-<silence>-<threshold>``, else the configured
``after_greeting_silence``) is taken off; a NOTSURE verdict says nothing of a greeting and
starts the clock when it comes.

An abandon is counted on the campaign's meter as soon as the limit passes with no agent
(``abandoned``), but the call's outcome is ``abandoned`` only when no agent ever had it: a
caller whose Redirect to the identification message failed, and whom an agent then took, is
the agent's call (a conversation, a disposition), though it was still an abandon for the cap.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from dialer.events import (
    AgentCompleted,
    AgentConnected,
    AmdResult,
    AmdStatus,
    CallAnswered,
    CallFailed,
    CallRinging,
    FailReason,
    HungUp,
    PbxEvent,
    QueueAbandoned,
    QueueJoined,
)
from recoup.domain.model import Disposition

#: amd.conf's after_greeting_silence (Asterisk's default, asterisk_conf/amd.conf), in seconds:
#: how long after the greeting a HUMAN verdict comes when its cause does not say
AFTER_GREETING_SILENCE_S = 0.8


class CallPhase(StrEnum):
    DIALING = "dialing"
    RINGING = "ringing"
    ANSWERED = "answered"  # answered, AMD (if on) still listening
    WAITING = "waiting"  # a person is on the line, no agent yet
    CONNECTED = "connected"  # bridged to an agent
    MACHINE = "machine"  # AMD said machine: hung up or a message is being left
    ABANDONED = "abandoned"  # no agent in time: the identification message plays
    ENDED = "ended"


class ChangeKind(StrEnum):
    ANSWERED = "answered"
    LIVE = "live"  # a person is known to be on the line: the connect clock starts
    MACHINE = "machine"
    CONNECTED = "connected"
    AGENT_DONE = "agent_done"
    FAILED = "failed"
    ENDED = "ended"


_FAILURES = {
    FailReason.BUSY: Disposition.BUSY,
    FailReason.NO_ANSWER: Disposition.NO_ANSWER,
    FailReason.CONGESTION: Disposition.FAILED,
    FailReason.UNREACHABLE: Disposition.FAILED,
}


@dataclass
class OutboundCall:
    channel_id: str
    attempt_id: int
    campaign_id: str
    debt_id: str
    debtor_id: str
    phone: str
    amd: bool
    placed_at: float  # seconds on the dialer's monotonic clock
    phase: CallPhase = CallPhase.DIALING
    answered_at: float | None = None
    live_since: float | None = None  # when the connect limit started counting
    amd_status: AmdStatus | None = None
    queue_channel: str = ""  # the ;1 half that waits in the queue (what a Redirect moves)
    agent: str = ""
    connected_at: float | None = None
    agent_done_at: float | None = None  # when the agent's part ended (AgentComplete)
    abandoned: bool = False  # counted on the abandon meter: nobody took it within the limit
    redirecting: bool = False  # the Redirect to the identification message was sent
    outcome: Disposition | None = None
    hangup_cause: int | None = None

    @property
    def is_live(self) -> bool:
        return self.live_since is not None

    @property
    def answered_without_verdict(self) -> bool:
        """Answered, then gone before AMD said person or machine (a hang-up during analysis):
        a dial that reached nobody an agent could take, which the live and machine rates must
        still count."""
        return (
            self.answered_at is not None
            and self.live_since is None
            and self.amd_status is not AmdStatus.MACHINE
        )


@dataclass(frozen=True, slots=True)
class CallChange:
    kind: ChangeKind
    call: OutboundCall


class CallBook:
    """The calls this dialer placed and has not yet seen end."""

    def __init__(self) -> None:
        self.calls: dict[str, OutboundCall] = {}

    def place(self, call: OutboundCall) -> None:
        self.calls[call.channel_id] = call

    def __len__(self) -> int:
        return len(self.calls)

    def get(self, channel_id: str) -> OutboundCall | None:
        return self.calls.get(channel_id)

    def apply(self, event: PbxEvent, now: float) -> CallChange | None:
        """Fold one event into the book; say what changed for the dialer, if anything."""
        linkedid = getattr(event, "linkedid", None)
        call = self.calls.get(linkedid) if isinstance(linkedid, str) else None
        if call is None:
            return None
        match event:
            case CallRinging():
                self._ringing(call)
            case CallAnswered():
                return self._answered(call, now)
            case AmdResult(status=status, silence_after_greeting_ms=silence_ms):
                return self._amd(call, status, silence_ms, now)
            case QueueJoined(channel=channel):
                self._queued(call, channel)
            case AgentConnected(member=member):
                return self._connected(call, member, now)
            case AgentCompleted() if call.phase is CallPhase.CONNECTED:
                call.agent_done_at = now
                return CallChange(ChangeKind.AGENT_DONE, call)
            case QueueAbandoned(by_dialer=by_dialer) if by_dialer or call.redirecting:
                call.phase = CallPhase.ABANDONED
            case CallFailed(reason=reason):
                return self._failed(call, reason)
            case HungUp(uniqueid=uniqueid, cause=cause):
                return self._hung_up(call, uniqueid, cause)
        return None

    @staticmethod
    def _ringing(call: OutboundCall) -> None:
        if call.phase is CallPhase.DIALING:
            call.phase = CallPhase.RINGING

    @staticmethod
    def _queued(call: OutboundCall, channel: str) -> None:
        call.queue_channel = channel or call.queue_channel

    @staticmethod
    def _connected(call: OutboundCall, member: str, now: float) -> CallChange | None:
        if call.phase not in (CallPhase.ANSWERED, CallPhase.WAITING):
            return None
        call.phase = CallPhase.CONNECTED
        call.agent = member
        call.connected_at = now
        return CallChange(ChangeKind.CONNECTED, call)

    def _failed(self, call: OutboundCall, reason: FailReason) -> CallChange | None:
        if call.phase not in (CallPhase.DIALING, CallPhase.RINGING):
            return None
        call.outcome = _FAILURES[reason]
        call.phase = CallPhase.ENDED
        del self.calls[call.channel_id]  # a failed Originate may send no Hangup at all
        return CallChange(ChangeKind.FAILED, call)

    def _answered(self, call: OutboundCall, now: float) -> CallChange | None:
        if call.phase not in (CallPhase.DIALING, CallPhase.RINGING):
            return None
        call.answered_at = now
        if call.amd:
            call.phase = CallPhase.ANSWERED
            return CallChange(ChangeKind.ANSWERED, call)
        call.phase = CallPhase.WAITING
        call.live_since = now
        return CallChange(ChangeKind.LIVE, call)

    def _amd(
        self, call: OutboundCall, status: AmdStatus, silence_ms: int | None, now: float
    ) -> CallChange | None:
        if call.amd_status is not None or call.phase is not CallPhase.ANSWERED:
            return None
        call.amd_status = status
        if status is AmdStatus.MACHINE:
            call.phase = CallPhase.MACHINE
            return CallChange(ChangeKind.MACHINE, call)
        if status is AmdStatus.HANGUP:
            return None  # the caller hung up during analysis; the HungUp will close it
        call.phase = CallPhase.WAITING
        call.live_since = now
        if status is AmdStatus.HUMAN:  # the greeting ended before AMD's silence
            silence = AFTER_GREETING_SILENCE_S if silence_ms is None else silence_ms / 1000
            greeting_end = now - silence
            if call.answered_at is not None:  # never before the answer
                greeting_end = max(call.answered_at, greeting_end)
            call.live_since = greeting_end
        return CallChange(ChangeKind.LIVE, call)

    def _hung_up(self, call: OutboundCall, uniqueid: str, cause: int) -> CallChange | None:
        # The ;1 half (Uniqueid == ChannelId) hanging up ends the call for the dialer.
        if uniqueid != call.channel_id:
            return None
        call.hangup_cause = cause
        if call.outcome is None:
            call.outcome = self._outcome(call)
        call.phase = CallPhase.ENDED
        del self.calls[call.channel_id]
        return CallChange(ChangeKind.ENDED, call)

    @staticmethod
    def _outcome(call: OutboundCall) -> Disposition | None:
        """The outcome the dialer itself knows; ``None`` leaves it to the agent's disposition."""
        if call.phase is CallPhase.ABANDONED:  # the identification message took the caller
            return Disposition.ABANDONED
        if call.phase is CallPhase.MACHINE:
            return Disposition.MACHINE
        if call.connected_at is not None:  # an agent had them, even after the limit passed
            return None
        if call.abandoned:  # left waiting past the limit, and gone before any agent
            return Disposition.ABANDONED
        if call.answered_at is None:
            return Disposition.NO_ANSWER if call.hangup_cause in (None, 19) else Disposition.FAILED
        return Disposition.NO_ANSWER  # answered, then gone before an agent: not a dialer abandon

    def overdue(self, now: float, connect_limit_s: float) -> list[OutboundCall]:
        """Live calls that no agent took within the connect limit and are not yet redirected."""
        return [
            c
            for c in self.calls.values()
            if c.phase is CallPhase.WAITING
            and c.live_since is not None
            and now - c.live_since >= connect_limit_s
            and not c.redirecting
        ]

    def ringing_elapsed(self, now: float, campaign_id: str | None = None) -> tuple[float, ...]:
        """Seconds since each line without a known outcome was placed, for pacing.

        Counted from the Originate, not from the first ring: the pacer learns answer delays and
        failure times from the Originate too, and reads a line's age against them. An answered
        call is no longer ringing: see :meth:`screening`.
        """
        return tuple(
            now - c.placed_at
            for c in self.calls.values()
            if c.phase in (CallPhase.DIALING, CallPhase.RINGING)
            and (campaign_id is None or c.campaign_id == campaign_id)
        )

    def screening(self, campaign_id: str | None = None) -> int:
        """Answered calls AMD is still listening to.

        Each may be a person who wants an agent as soon as AMD says so (a ringing line's odds
        of an answer no longer apply); a call AMD took for a machine is not counted (its
        message plays, it will never want an agent).
        """
        return sum(
            1
            for c in self.calls.values()
            if c.phase is CallPhase.ANSWERED
            and (campaign_id is None or c.campaign_id == campaign_id)
        )

    def waiting(self, campaign_id: str | None = None) -> int:
        """People on the line who still want an agent.

        A caller already being sent to the abandon message does not: no agent will take them.
        """
        return sum(
            1
            for c in self.calls.values()
            if c.phase is CallPhase.WAITING
            and not c.redirecting
            and (campaign_id is None or c.campaign_id == campaign_id)
        )

    def for_campaign(self, campaign_id: str) -> list[OutboundCall]:
        return [c for c in self.calls.values() if c.campaign_id == campaign_id]
