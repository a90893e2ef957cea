"""A campaign's agents: their states, the counts pacing needs, and the stored history.

:class:`Roster` holds one :class:`~dialer.agents.state.AgentState` per agent of a campaign and
applies commands to them (pure: no I/O, times come in). :meth:`Roster.counts` is what the pacer
sees: agents free now, talking and wrapping up with the seconds elapsed, reserved, paused. An
agent who has asked for a break or to log out when the call ends will not take the next call,
so they are counted apart (``talking_then_leaving``, ``wrapping_then_leaving``), not among the
agents the pacer dials for.
:func:`record_state_change` writes an :class:`AgentStateChanged` to ``agent_state_change``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection

from dialer.agents.state import (
    AgentCommand,
    AgentPolicy,
    AgentState,
    AgentStateChanged,
    AgentStatus,
    IllegalTransitionError,
    Login,
    Transition,
    apply,
)
from recoup.storage import tables as t


@dataclass(frozen=True, slots=True)
class AgentCounts:
    """A campaign's agents at one moment; elapsed times in seconds, longest first."""

    free: int
    reserved: int
    talking: tuple[float, ...]  # agents who stay for the next call
    wrapping: tuple[float, ...]  # likewise
    paused: int
    logged_in: int
    talking_then_leaving: int = 0  # on a call, a break or logout asked for when it ends
    wrapping_then_leaving: int = 0  # in wrap-up, likewise


class Roster:
    """The agents of one campaign."""

    def __init__(self, campaign_id: str, policy: AgentPolicy) -> None:
        self.campaign_id = campaign_id
        self.policy = policy
        self._agents: dict[str, AgentState] = {}

    def state(self, username: str) -> AgentState:
        return self._agents.get(username) or AgentState(username)

    def __iter__(self) -> Iterator[AgentState]:
        return iter(sorted(self._agents.values(), key=lambda a: a.username))

    def apply(self, username: str, command: AgentCommand, now: datetime) -> Transition:
        """Apply ``command`` to the agent; nothing changes if it raises."""
        state = self.state(username)
        if isinstance(command, Login) and command.campaign_id != self.campaign_id:
            why = f"this roster is campaign {self.campaign_id}, not {command.campaign_id}"
            raise IllegalTransitionError(state, command, why)
        transition = apply(state, command, now, self.policy)
        if transition.state.status is AgentStatus.LOGGED_OUT:
            self._agents.pop(username, None)
        else:
            self._agents[username] = transition.state
        return transition

    def longest_idle(self) -> AgentState | None:
        """The ready agent who has waited longest: the one to reserve for the next call."""
        ready = [a for a in self._agents.values() if a.status is AgentStatus.READY]
        return min(
            ready, key=lambda a: (a.since.timestamp() if a.since else 0.0, a.username), default=None
        )

    def on_call(self, call_id: str) -> AgentState | None:
        """The agent reserved for, on, or wrapping up ``call_id``."""
        return next((a for a in self._agents.values() if a.call_id == call_id), None)

    def counts(self, now: datetime) -> AgentCounts:
        def elapsed(status: AgentStatus) -> tuple[float, ...]:
            seconds = (
                max(0.0, (now - a.since).total_seconds()) if a.since else 0.0
                for a in self._agents.values()
                if a.status is status and not a.pending
            )
            return tuple(sorted(seconds, reverse=True))

        def number(status: AgentStatus) -> int:
            return sum(a.status is status for a in self._agents.values())

        def leaving(status: AgentStatus) -> int:
            return sum(a.status is status and bool(a.pending) for a in self._agents.values())

        return AgentCounts(
            free=number(AgentStatus.READY),
            reserved=number(AgentStatus.RESERVED),
            talking=elapsed(AgentStatus.ON_CALL),
            wrapping=elapsed(AgentStatus.WRAP_UP),
            paused=number(AgentStatus.PAUSED),
            logged_in=len(self._agents),
            talking_then_leaving=leaving(AgentStatus.ON_CALL),
            wrapping_then_leaving=leaving(AgentStatus.WRAP_UP),
        )


async def record_state_change(connection: AsyncConnection, event: AgentStateChanged) -> None:
    """Store the change in ``agent_state_change`` (reports: time in state, pause reasons)."""
    await connection.execute(
        insert(t.agent_state_change).values(
            username=event.username,
            campaign_id=event.campaign_id,
            state=event.state.value,
            reason=event.reason or event.pending,
            at=event.at,
        )
    )
