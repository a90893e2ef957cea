"""app_queue stand-in: queues, dynamic members, callers, and their AMI field blocks.

Members are the agents' interfaces (``Local/agent1@agents/n``, ``PJSIP/agent1`` …). A
member's ``Status`` is the device-state number of its state interface (1 not in use, 2 in use,
4 invalid …); a Local member that is being rung shows 2, never 6, as in the captures.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum

from pbxsim.channels import Channel, Fields, parse_local


class DeviceState(IntEnum):
    UNKNOWN = 0
    NOT_INUSE = 1
    INUSE = 2
    BUSY = 3
    INVALID = 4
    UNAVAILABLE = 5
    RINGING = 6
    ONHOLD = 8

    @classmethod
    def parse(cls, text: str) -> DeviceState:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            return cls.UNKNOWN


def agent_name(interface: str) -> str:
    """``Local/agent1@agents/n`` or ``PJSIP/agent1`` -> ``agent1``."""
    local = parse_local(interface)
    if local is not None:
        return local[0]
    return interface.rsplit("/", 1)[-1]


def device_of(interface: str) -> str:
    """The device whose state a member follows: ``Local/agent1@agents/n`` -> without ``/n``."""
    return interface.removesuffix("/n")


@dataclass(frozen=True)
class PenaltyRange:
    """The members a caller may ring: app_queue reads ``QUEUE_MIN_PENALTY`` and
    ``QUEUE_MAX_PENALTY`` from the caller's channel as it enters Queue(); a missing or
    non-numeric value leaves that end open."""

    low: int | None = None
    high: int | None = None

    @classmethod
    def of_caller(cls, variables: Mapping[str, str]) -> PenaltyRange:
        low, high = variables.get("QUEUE_MIN_PENALTY"), variables.get("QUEUE_MAX_PENALTY")
        return cls(_penalty(low), _penalty(high))

    def admits(self, member: Member) -> bool:
        return (self.low is None or member.penalty >= self.low) and (
            self.high is None or member.penalty <= self.high
        )


def _penalty(text: str | None) -> int | None:
    if text is None or not text.strip().lstrip("-").isdigit():
        return None
    return int(text)


EVERY_MEMBER = PenaltyRange()


@dataclass
class Member:
    interface: str
    name: str
    state_interface: str
    penalty: int = 0
    paused: bool = False
    paused_reason: str = ""
    login_time: int = 0
    last_pause: int = 0
    last_call: int = 0
    calls_taken: int = 0
    in_call: bool = False
    ringinuse: bool = False
    status: DeviceState = DeviceState.NOT_INUSE
    ringing: bool = False

    def _state_fields(self) -> Fields:
        """The member's state, in the order both QueueMember* events and the list item use."""
        return [
            ("Membership", "dynamic"),
            ("Penalty", str(self.penalty)),
            ("CallsTaken", str(self.calls_taken)),
            ("LastCall", str(self.last_call)),
            ("LastPause", str(self.last_pause)),
            ("LoginTime", str(self.login_time)),
            ("InCall", "1" if self.in_call else "0"),
            ("Status", str(int(self.status))),
            ("Paused", "1" if self.paused else "0"),
            ("PausedReason", self.paused_reason),
        ]

    def event_fields(self, queue: str) -> Fields:
        """QueueMemberAdded/Status/Pause/Penalty/Removed/Ringinuse body."""
        return [
            ("Privilege", "agent,all"),
            ("Queue", queue),
            ("MemberName", self.name),
            ("Interface", self.interface),
            ("StateInterface", self.state_interface),
            *self._state_fields(),
            ("Ringinuse", "1" if self.ringinuse else "0"),
            ("Wrapuptime", "0"),
        ]

    def list_fields(self, queue: str, action_id: str | None) -> Fields:
        """The QueueMember list item (``Name``/``Location``, ActionID last)."""
        fields: Fields = [
            ("Queue", queue),
            ("Name", self.name),
            ("Location", self.interface),
            ("StateInterface", self.state_interface),
            *self._state_fields(),
            ("Wrapuptime", "0"),
        ]
        return with_action_id(fields, action_id)

    @property
    def available(self) -> bool:
        """Can be rung now (ringinuse=no: not while in use or ringing)."""
        if self.paused or self.status in (DeviceState.INVALID, DeviceState.UNAVAILABLE):
            return False
        if self.ringinuse:
            return not self.ringing
        return self.status == DeviceState.NOT_INUSE and not self.ringing and not self.in_call


@dataclass
class QueueCaller:
    channel: Channel
    joined_mono: float
    original_position: int


@dataclass
class Queue:
    """One queue with the lab's ``queues.conf`` settings by default."""

    name: str
    strategy: str = "rrmemory"
    member_timeout: float = 15.0
    retry: float = 2.0
    joinempty: frozenset[str] = frozenset({"paused", "unavailable", "invalid"})
    leavewhenempty: frozenset[str] = frozenset({"paused", "unavailable", "invalid"})
    members: dict[str, Member] = field(default_factory=dict)
    callers: list[QueueCaller] = field(default_factory=list)
    completed: int = 0
    abandoned: int = 0
    talk_time_total: float = 0.0
    hold_time_total: float = 0.0
    answered_within_sl: int = 0
    service_level: int = 20
    _rr_next: int = 0

    def position_of(self, channel: Channel) -> int:
        for i, caller in enumerate(self.callers, start=1):
            if caller.channel is channel:
                return i
        return 0

    def refuses_join(self, reach: PenaltyRange = EVERY_MEMBER) -> bool:
        """joinempty: every member is excluded by a listed reason (or there are none)."""
        return _empty_by(self.members.values(), self.joinempty, reach)

    def next_member(self, reach: PenaltyRange = EVERY_MEMBER) -> Member | None:
        """rrmemory: round robin, remembering where the last search stopped; only members
        whose penalty is in the caller's range, the lowest penalty first."""
        members = list(self.members.values())
        if not members:
            return None
        candidates = sorted({m.penalty for m in members if m.available and reach.admits(m)})
        if not candidates:
            return None
        best_penalty = candidates[0]
        count = len(members)
        for step in range(count):
            index = (self._rr_next + step) % count
            member = members[index]
            if member.available and member.penalty == best_penalty:  # in range, as best is
                self._rr_next = index + 1
                return member
        return None

    def params_fields(self, action_id: str | None) -> Fields:
        perf = (
            f"{100.0 * self.answered_within_sl / self.completed:.1f}" if self.completed else "0.0"
        )
        fields: Fields = [
            ("Queue", self.name),
            ("Max", "0"),
            ("Strategy", self.strategy),
            ("Calls", str(len(self.callers))),
            ("Holdtime", str(self.average_hold())),
            ("TalkTime", str(self.average_talk())),
            ("Completed", str(self.completed)),
            ("Abandoned", str(self.abandoned)),
            ("ServiceLevel", str(self.service_level)),
            ("ServicelevelPerf", perf),
            ("ServicelevelPerf2", perf),
            ("Weight", "0"),
        ]
        return with_action_id(fields, action_id)

    def summary_fields(self, action_id: str | None, now_mono: float) -> Fields:
        members = self.members.values()
        logged_in = sum(1 for m in members if m.status != DeviceState.INVALID)
        available = sum(1 for m in members if not m.paused and m.status == DeviceState.NOT_INUSE)
        longest = max((int(now_mono - c.joined_mono) for c in self.callers), default=0)
        fields: Fields = [
            ("Queue", self.name),
            ("LoggedIn", str(logged_in)),
            ("Available", str(available)),
            ("Callers", str(len(self.callers))),
            ("HoldTime", str(self.average_hold())),
            ("TalkTime", str(self.average_talk())),
            ("LongestHoldTime", str(longest)),
        ]
        return with_action_id(fields, action_id)

    def entry_fields(self, caller: QueueCaller, action_id: str | None, now_mono: float) -> Fields:
        ch = caller.channel
        fields: Fields = [
            ("Queue", self.name),
            ("Position", str(self.position_of(ch))),
            ("Channel", ch.name),
            ("Uniqueid", ch.uniqueid),
            ("CallerIDNum", ch.caller_num),
            ("CallerIDName", ch.caller_name),
            ("ConnectedLineNum", ch.connected_num),
            ("ConnectedLineName", ch.connected_name),
            ("Wait", str(int(now_mono - caller.joined_mono))),
            ("Priority", "0"),
        ]
        return with_action_id(fields, action_id)

    def average_hold(self) -> int:
        return round(self.hold_time_total / self.completed) if self.completed else 0

    def average_talk(self) -> int:
        return round(self.talk_time_total / self.completed) if self.completed else 0


def _empty_by(members: Iterable[Member], reasons: frozenset[str], reach: PenaltyRange) -> bool:
    listed = list(members)
    if not listed:
        return True
    for member in listed:
        excluded = (
            ("penalty" in reasons and not reach.admits(member))
            or ("paused" in reasons and member.paused)
            or ("invalid" in reasons and member.status == DeviceState.INVALID)
            or ("unavailable" in reasons and member.status == DeviceState.UNAVAILABLE)
        )
        if not excluded:
            return False
    return True


def with_action_id(fields: Fields, action_id: str | None) -> Fields:
    if action_id is not None:
        fields.append(("ActionID", action_id))
    return fields
