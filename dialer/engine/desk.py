"""What an agent's desk can ask of the dialer: the seam between the agent API and the engine.

The agent API (``agent_console.api``) speaks HTTP and websockets and knows nothing of AMI,
queues or pacing; the dialer (``dialer.engine.runner``) knows nothing of HTTP. They meet here:
the API calls an :class:`AgentDesk`, and learns what happens to an agent from events on the
bus (topics under ``recoup/v1/agents/<username>/``):
:class:`~dialer.agents.state.AgentStateChanged`, :class:`ScreenPopped` when a call reaches
the agent (or a preview lead is shown) and :class:`CallLeftAgent` when the debtor's side of the
call ends.

Every method raises :class:`DeskError` (with a message an agent can read) when the request does
not hold: an unknown campaign, a transition the agent's state forbids, a disposition for a call
the agent did not take. Nothing is written when it raises.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Protocol

from dialer.agents.state import AgentState
from recoup.dispositions.record import DispositionRecord


class DeskError(ValueError):
    """A request from an agent's desk that cannot be carried out, and why."""

    def __init__(self, message: str, *, status: int = 409) -> None:
        super().__init__(message)
        self.message = message
        #: the HTTP status that fits: 404 unknown thing, 409 wrong state, 422 bad data
        self.status = status


@dataclass(frozen=True, slots=True)
class ScreenPopped:
    """A debtor's file reached an agent: at connect, or shown for a preview dial."""

    username: str
    campaign_id: str
    attempt_id: int | None  # None for a preview not dialled yet
    debt_id: str
    debtor_id: str
    phone: str
    preview: bool
    at: datetime
    #: :meth:`recoup.scripts.screen_pop.ScreenPop.as_json`: debtor, debts, payments, promises,
    #: open issues, profile and the rendered script
    pop: dict[str, Any] = field(default_factory=dict)
    topic: ClassVar[str] = "recoup/v1/agents/{username}/screen_pop"


@dataclass(frozen=True, slots=True)
class CallLeftAgent:
    """The debtor's side of the agent's call ended; the agent is in wrap-up."""

    username: str
    campaign_id: str
    attempt_id: int
    at: datetime
    topic: ClassVar[str] = "recoup/v1/agents/{username}/call_ended"


@dataclass(frozen=True, slots=True)
class DispositionSaved:
    """What :meth:`AgentDesk.dispose` wrote: the events' types, for the agent's screen."""

    attempt_id: int
    code: str
    events: tuple[str, ...]
    state: AgentState


class AgentDesk(Protocol):
    """The dialer, as one agent's desk sees it. ``username`` is an authenticated user."""

    def campaigns(self) -> list[dict[str, Any]]:
        """The campaigns running in this dialer: id, name, dial mode, queue, live figures."""
        ...

    def agent(self, username: str) -> AgentState | None:
        """The agent's current state, or None when they never logged in here."""
        ...

    def current_pop(self, username: str) -> ScreenPopped | None:
        """The screen pop of the call (or preview) the agent holds now, if any."""
        ...

    async def login(self, username: str, *, extension: str, campaign_id: str) -> AgentState:
        """Log in at a phone extension to a campaign: the agent lands paused ("login")."""
        ...

    async def ready(self, username: str) -> AgentState:
        """Ready for calls (also ends a pause, or a wrap-up the agent is done with)."""
        ...

    async def pause(self, username: str, reason: str) -> AgentState:
        """Pause with a reason; deferred until wrap-up ends when the agent holds a call."""
        ...

    async def logout(self, username: str) -> AgentState:
        """Log out; deferred until wrap-up ends when the agent holds a call."""
        ...

    async def dispose(
        self, username: str, attempt_id: int, record: DispositionRecord, *, now: datetime
    ) -> DispositionSaved:
        """Record the outcome of the agent's call and its next steps; ends the wrap-up."""
        ...

    async def preview_next(self, username: str) -> ScreenPopped | None:
        """Preview campaigns: claim the next lead for this agent and show it (None: list done)."""
        ...

    async def preview_dial(self, username: str) -> ScreenPopped:
        """Dial the lead the agent previews; the call is connected to this agent only."""
        ...

    async def preview_skip(self, username: str) -> None:
        """Give the previewed lead back to the list without dialing it."""
        ...
