"""An agent's working state, as a pure state machine mirrored into Asterisk queue membership.

States: logged out, ready, reserved (a call is being connected to the agent), on call, wrap-up
(after the call, recording its outcome), paused (with a reason). :func:`apply` takes a state, a
command and the time, and returns the new state, the queue actions that make Asterisk agree
with it, and the event to publish. Nothing here does I/O or reads a clock; the wrap-up timer is
the caller's: the new state carries its ``wrap_up_deadline`` and the caller sends
:class:`WrapUpTimeout` with that deadline when it passes.

Mirroring rule: the agent is a member of the campaign's queue iff logged in, and paused in
Asterisk iff not ready (the pause reason says why: ``reserved``, ``on call``, ``wrap-up`` or the
agent's own). So the queue never offers a call to an agent who is busy, wrapping up or away.

Decisions:

- Login lands in *paused* (reason ``login``): no call reaches an agent before they say ready.
- A call reaches an agent either reserved by the dialer (ready -> reserved -> on call) or
  straight from the queue (ready -> on call). Connecting an agent who holds a call is refused,
  so an agent is never on two calls.
- Pause and logout asked while reserved, on a call or in wrap-up are *deferred*, not refused:
  the call is never cut, and when its wrap-up ends the agent goes to paused (with the reason)
  or logged out instead of ready. Unpause cancels a deferred pause.
- A wrap-up timer that fires for another wrap-up than the current one (the agent ended it and
  took another call) is refused as stale.
- ``wrap_up_s=None``: wrap-up lasts until the agent ends it.

Every other command in the wrong state raises :class:`IllegalTransitionError`, saying what the
agent is doing and what would be needed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import ClassVar

from dialer.agents.membership import (
    MemberInterface,
    QueueAction,
    QueueAddMember,
    QueuePauseMember,
    QueueRemoveMember,
)

MAX_REASON = 120  # agent_state_change.reason


class AgentStatus(StrEnum):
    LOGGED_OUT = "logged_out"
    READY = "ready"
    RESERVED = "reserved"
    ON_CALL = "on_call"
    WRAP_UP = "wrap_up"
    PAUSED = "paused"


_BUSY = frozenset({AgentStatus.RESERVED, AgentStatus.ON_CALL, AgentStatus.WRAP_UP})
_ASTERISK_REASON = {
    AgentStatus.RESERVED: "reserved",
    AgentStatus.ON_CALL: "on call",
    AgentStatus.WRAP_UP: "wrap-up",
}


@dataclass(frozen=True, slots=True)
class AgentState:
    username: str
    status: AgentStatus = AgentStatus.LOGGED_OUT
    since: datetime | None = None  # when the agent entered this status
    campaign_id: str = ""
    queue: str = ""
    extension: str = ""
    interface: str = ""
    state_interface: str = ""
    call_id: str | None = None  # reserved for or on this call (and in its wrap-up)
    pause_reason: str = ""
    wrap_up_deadline: datetime | None = None
    pending_pause: str = ""  # pause asked during a call, applied when its wrap-up ends
    pending_logout: bool = False

    @property
    def pending(self) -> str:
        """A deferred request, in words: ``logout``, ``pause: lunch`` or empty."""
        if self.pending_logout:
            return "logout"
        return f"pause: {self.pending_pause}" if self.pending_pause else ""


# Commands -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Login:
    campaign_id: str
    queue: str
    extension: str


@dataclass(frozen=True, slots=True)
class Ready:
    pass


@dataclass(frozen=True, slots=True)
class Reserve:
    call_id: str


@dataclass(frozen=True, slots=True)
class Connect:
    call_id: str


@dataclass(frozen=True, slots=True)
class Hangup:
    call_id: str


@dataclass(frozen=True, slots=True)
class WrapUpDone:
    pass


@dataclass(frozen=True, slots=True)
class WrapUpTimeout:
    deadline: datetime  # the state's wrap_up_deadline when the timer was set


@dataclass(frozen=True, slots=True)
class Pause:
    reason: str


@dataclass(frozen=True, slots=True)
class Unpause:
    pass


@dataclass(frozen=True, slots=True)
class Logout:
    pass


AgentCommand = (
    Login | Ready | Reserve | Connect | Hangup | WrapUpDone | WrapUpTimeout | Pause | Unpause
    | Logout
)  # fmt: skip


# Results ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AgentStateChanged:
    """An agent changed state (or asked for a deferred pause or logout)."""

    username: str
    campaign_id: str
    state: AgentStatus
    previous: AgentStatus
    reason: str  # the pause reason when paused
    at: datetime
    call_id: str | None = None
    wrap_up_deadline: datetime | None = None
    pending: str = ""
    topic: ClassVar[str] = "recoup/v1/agents/{username}/state"


@dataclass(frozen=True, slots=True)
class Transition:
    state: AgentState
    actions: tuple[QueueAction, ...]  # to send to Asterisk, in order
    event: AgentStateChanged | None  # None when nothing visible changed


_LAB_MEMBERS = MemberInterface()


@dataclass(frozen=True, slots=True)
class AgentPolicy:
    members: MemberInterface = _LAB_MEMBERS
    wrap_up_s: int | None = 30


class IllegalTransitionError(ValueError):
    """The command makes no sense in the agent's state; nothing changed."""

    def __init__(self, state: AgentState, command: AgentCommand, why: str) -> None:
        self.state = state
        self.command = command
        name = type(command).__name__
        super().__init__(f"agent {state.username} is {state.status.value}: cannot {name}: {why}")


# The machine --------------------------------------------------------------------------------


def asterisk_pause(state: AgentState) -> tuple[bool, str] | None:
    """How Asterisk should see the agent: (paused, reason), or None when not a queue member."""
    if state.status is AgentStatus.LOGGED_OUT:
        return None
    if state.status is AgentStatus.READY:
        return (False, "")
    if state.status is AgentStatus.PAUSED:
        return (True, state.pause_reason)
    return (True, _ASTERISK_REASON[state.status])


def _mirror(before: AgentState, after: AgentState) -> tuple[QueueAction, ...]:
    was, now = asterisk_pause(before), asterisk_pause(after)
    if was == now:
        return ()
    if now is None:
        return (QueueRemoveMember(before.queue, before.interface),)
    paused, reason = now
    if was is None:
        return (
            QueueAddMember(
                queue=after.queue, interface=after.interface, member_name=after.username,
                paused=paused, state_interface=after.state_interface, reason=reason,
            ),
        )  # fmt: skip
    return (QueuePauseMember(after.queue, after.interface, paused, reason),)


def _move(state: AgentState, status: AgentStatus, now: datetime, **changes: object) -> AgentState:
    since = state.since if status is state.status else now
    return replace(state, status=status, since=since, **changes)  # type: ignore[arg-type]


def _logged_out(state: AgentState, now: datetime) -> AgentState:
    return _move(
        state, AgentStatus.LOGGED_OUT, now, campaign_id="", queue="", extension="", interface="",
        state_interface="", pause_reason="",
    )  # fmt: skip


def _after_work(state: AgentState, now: datetime) -> AgentState:
    """Where an agent goes when a call's work is over: deferred logout, pause, or ready."""
    cleared = replace(
        state, call_id=None, wrap_up_deadline=None, pending_pause="", pending_logout=False
    )
    if state.pending_logout:
        return _logged_out(cleared, now)
    if state.pending_pause:
        return _move(cleared, AgentStatus.PAUSED, now, pause_reason=state.pending_pause)
    return _move(cleared, AgentStatus.READY, now, pause_reason="")


def _check_reason(state: AgentState, command: AgentCommand, reason: str) -> str:
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON:
        why = f"a pause needs a reason of 1 to {MAX_REASON} characters"
        raise IllegalTransitionError(state, command, why)
    return reason


def _login(state: AgentState, command: Login, now: datetime, policy: AgentPolicy) -> AgentState:
    if state.status is not AgentStatus.LOGGED_OUT:
        why = f"already logged in to {state.campaign_id} on {state.extension}"
        raise IllegalTransitionError(state, command, why)
    try:
        interface = policy.members.interface(command.extension)
        state_interface = policy.members.state_interface(command.extension)
    except ValueError as error:
        raise IllegalTransitionError(state, command, str(error)) from error
    return _move(
        state, AgentStatus.PAUSED, now, campaign_id=command.campaign_id, queue=command.queue,
        extension=command.extension, interface=interface, state_interface=state_interface,
        pause_reason="login",
    )  # fmt: skip


def _call(
    state: AgentState, command: Reserve | Connect | Hangup, now: datetime, policy: AgentPolicy
) -> AgentState:
    s, st = state.status, AgentStatus
    if isinstance(command, Reserve):
        if s is not st.READY:
            why = "only a ready agent can be reserved for a call"
            raise IllegalTransitionError(state, command, why)
        return _move(state, st.RESERVED, now, call_id=command.call_id)
    if isinstance(command, Connect):
        if s is st.RESERVED and state.call_id != command.call_id:
            why = f"reserved for call {state.call_id}, not {command.call_id}"
            raise IllegalTransitionError(state, command, why)
        if s not in (st.READY, st.RESERVED):
            why = f"holds call {state.call_id}: an agent takes one call at a time"
            raise IllegalTransitionError(state, command, why)
        return _move(state, st.ON_CALL, now, call_id=command.call_id)
    if s not in (st.RESERVED, st.ON_CALL) or state.call_id != command.call_id:
        raise IllegalTransitionError(state, command, f"not on call {command.call_id}")
    if s is st.RESERVED:  # the call ended before it reached the agent: no wrap-up
        return _after_work(state, now)
    wrap = policy.wrap_up_s
    deadline = None if wrap is None else now + timedelta(seconds=wrap)
    return _move(state, st.WRAP_UP, now, wrap_up_deadline=deadline)


def _end_wrap_up(
    state: AgentState, command: Ready | WrapUpDone | WrapUpTimeout, now: datetime
) -> AgentState:
    s = state.status
    if isinstance(command, Ready) and s is AgentStatus.PAUSED:
        return _move(state, AgentStatus.READY, now, pause_reason="")
    if s is not AgentStatus.WRAP_UP:
        ready = isinstance(command, Ready)
        why = "only a paused agent or one in wrap-up can become ready" if ready else "no wrap-up"
        raise IllegalTransitionError(state, command, why)
    if isinstance(command, WrapUpTimeout) and state.wrap_up_deadline != command.deadline:
        why = "a stale wrap-up timer: that wrap-up is over"
        raise IllegalTransitionError(state, command, why)
    return _after_work(state, now)


def _pause(state: AgentState, command: Pause | Unpause | Logout, now: datetime) -> AgentState:
    s, st = state.status, AgentStatus
    if isinstance(command, Pause):
        reason = _check_reason(state, command, command.reason)
        if s in _BUSY:
            return replace(state, pending_pause=reason)
        return _move(state, st.PAUSED, now, pause_reason=reason)
    if isinstance(command, Unpause):
        if s is st.PAUSED:
            return _move(state, st.READY, now, pause_reason="")
        if s in _BUSY and state.pending_pause:
            return replace(state, pending_pause="")
        raise IllegalTransitionError(state, command, "not paused, and no pause is waiting")
    if s in _BUSY:
        return replace(state, pending_logout=True)
    return _logged_out(state, now)


def _next(
    state: AgentState, command: AgentCommand, now: datetime, policy: AgentPolicy
) -> AgentState:
    if isinstance(command, Login):
        return _login(state, command, now, policy)
    if state.status is AgentStatus.LOGGED_OUT:
        raise IllegalTransitionError(state, command, "log in first")
    if isinstance(command, Reserve | Connect | Hangup):
        return _call(state, command, now, policy)
    if isinstance(command, Ready | WrapUpDone | WrapUpTimeout):
        return _end_wrap_up(state, command, now)
    return _pause(state, command, now)


def _event(before: AgentState, after: AgentState, now: datetime) -> AgentStateChanged | None:
    def seen(s: AgentState) -> tuple[object, ...]:
        return (s.status, s.pause_reason, s.pending, s.call_id)

    if seen(before) == seen(after):
        return None
    return AgentStateChanged(
        username=after.username, campaign_id=after.campaign_id or before.campaign_id,
        state=after.status, previous=before.status, reason=after.pause_reason, at=now,
        call_id=after.call_id, wrap_up_deadline=after.wrap_up_deadline, pending=after.pending,
    )  # fmt: skip


def apply(
    state: AgentState, command: AgentCommand, now: datetime, policy: AgentPolicy
) -> Transition:
    """The agent's next state, the queue actions mirroring it, and the event to publish."""
    after = _next(state, command, now, policy)
    return Transition(after, _mirror(state, after), _event(state, after, now))
