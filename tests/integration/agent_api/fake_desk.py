"""An in-memory AgentDesk for the agent API's tests: real agent states (the pure state machine
of dialer/agents/state.py), events on a real in-process bus, and knobs to drive calls."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from dialer.agents.state import (
    AgentPolicy,
    AgentState,
    AgentStatus,
    Connect,
    Hangup,
    IllegalTransitionError,
    Login,
    Logout,
    Pause,
    Ready,
    WrapUpDone,
    apply,
)
from dialer.engine.desk import CallLeftAgent, DeskError, DispositionSaved, ScreenPopped
from recoup.bus.local import InProcessBus
from recoup.clock import Clock
from recoup.dispositions.record import DispositionRecord

CAMPAIGNS = {"east": "collections-east", "preview": "collections-preview"}


@dataclass(frozen=True)
class Disposed:
    username: str
    attempt_id: int
    record: DispositionRecord
    now: datetime


class FakeDesk:
    def __init__(self, bus: InProcessBus, clock: Clock) -> None:
        self.bus = bus
        self.clock = clock
        self.policy = AgentPolicy(wrap_up_s=None)
        self.states: dict[str, AgentState] = {}
        self.pops: dict[str, ScreenPopped] = {}
        self.calls: dict[int, str] = {}  # attempt id -> the agent who took it
        self.disposed: list[Disposed] = []
        self.preview_leads: list[str] = ["D-1", "D-2"]
        self.broken = False  # every call raises a bug, not a DeskError
        self.pbx_refuses = False  # Asterisk will not unpause an agent for a preview dial
        self._next_attempt = 100

    # the protocol ---------------------------------------------------------------------------

    def campaigns(self) -> list[dict[str, Any]]:
        self._maybe_break()
        return [
            {
                "id": c,
                "name": c.title(),
                "dial_mode": "predictive",
                "queue": q,
                "since": self.clock.now(),
                "dial_level": Decimal("1.50"),
            }
            for c, q in CAMPAIGNS.items()
        ]

    def agent(self, username: str) -> AgentState | None:
        return self.states.get(username)

    def current_pop(self, username: str) -> ScreenPopped | None:
        return self.pops.get(username)

    async def login(self, username: str, *, extension: str, campaign_id: str) -> AgentState:
        if campaign_id not in CAMPAIGNS:
            raise DeskError(f"no campaign {campaign_id} runs here", status=404)
        return self._apply(username, Login(campaign_id, CAMPAIGNS[campaign_id], extension))

    async def ready(self, username: str) -> AgentState:
        self._maybe_break()
        return self._apply(username, Ready())

    async def pause(self, username: str, reason: str) -> AgentState:
        return self._apply(username, Pause(reason))

    async def logout(self, username: str) -> AgentState:
        return self._apply(username, Logout())

    async def dispose(
        self, username: str, attempt_id: int, record: DispositionRecord, *, now: datetime
    ) -> DispositionSaved:
        if self.calls.get(attempt_id) != username:
            raise DeskError(f"call {attempt_id} is not yours to dispose of", status=404)
        state = self._apply(username, WrapUpDone())
        self.disposed.append(Disposed(username, attempt_id, record, now))
        del self.calls[attempt_id]
        self.pops.pop(username, None)
        return DispositionSaved(attempt_id, record.code.value, ("disposition_recorded",), state)

    async def preview_next(self, username: str) -> ScreenPopped | None:
        state = self.states.get(username)
        if state is None or state.campaign_id != "preview":
            raise DeskError("preview needs a preview campaign", status=409)
        if not self.preview_leads:
            return None
        return self._pop(username, None, self.preview_leads.pop(0), preview=True)

    async def preview_dial(self, username: str) -> ScreenPopped:
        pop = self.pops.get(username)
        if pop is None or not pop.preview:
            raise DeskError("no lead in preview: ask for the next one first", status=409)
        if self.pbx_refuses:
            raise DeskError("Asterisk did not unpause the agent: nothing was dialed", status=503)
        return self.connect_call(username, debt_id=pop.debt_id)

    async def preview_skip(self, username: str) -> None:
        pop = self.pops.get(username)
        if pop is None or not pop.preview:
            raise DeskError("no lead in preview", status=409)
        del self.pops[username]
        self.preview_leads.append(pop.debt_id)

    # driving it from a test -----------------------------------------------------------------

    def connect_call(self, username: str, *, debt_id: str = "D-9") -> ScreenPopped:
        """A debtor's call reaches the agent: on call, with the screen pop published."""
        self._next_attempt += 1
        attempt_id = self._next_attempt
        self._apply(username, Connect(f"call-{attempt_id}"))
        self.calls[attempt_id] = username
        return self._pop(username, attempt_id, debt_id, preview=False)

    def hang_up(self, username: str) -> CallLeftAgent:
        state = self.states[username]
        assert state.call_id is not None
        attempt_id = int(state.call_id.removeprefix("call-"))
        self._apply(username, Hangup(state.call_id))
        event = CallLeftAgent(username, state.campaign_id, attempt_id, self.clock.now())
        self.bus.publish(event)
        return event

    def _pop(
        self, username: str, attempt_id: int | None, debt_id: str, *, preview: bool
    ) -> ScreenPopped:
        pop = ScreenPopped(
            username=username,
            campaign_id=self.states[username].campaign_id,
            attempt_id=attempt_id,
            debt_id=debt_id,
            debtor_id="C-1",
            phone="+12125550100",
            preview=preview,
            at=self.clock.now(),
            pop={"debtor": {"name": "Dana Debtor"}, "script": {"text": "This is an attempt..."}},
        )
        self.pops[username] = pop
        self.bus.publish(pop)
        return pop

    def _apply(self, username: str, command: Any) -> AgentState:
        state = self.states.get(username, AgentState(username))
        try:
            transition = apply(state, command, self.clock.now(), self.policy)
        except IllegalTransitionError as error:
            raise DeskError(str(error), status=409) from None
        self.states[username] = transition.state
        if transition.event is not None:
            self.bus.publish(transition.event)
        return transition.state

    def _maybe_break(self) -> None:
        if self.broken:
            raise RuntimeError("the desk has a bug")

    def status(self, username: str) -> AgentStatus:
        return self.states.get(username, AgentState(username)).status
