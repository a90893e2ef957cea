"""How the agent API writes the desk's values as JSON (the same conventions as the bus:
datetimes in ISO 8601, enums by value)."""

from __future__ import annotations

import json
from typing import Any

from dialer.agents.state import AgentState
from dialer.engine.desk import DispositionSaved, ScreenPopped
from recoup.bus.event import event_payload, jsonable


def agent_json(state: AgentState) -> dict[str, Any]:
    def iso(value: object) -> object:
        return value.isoformat() if value is not None and hasattr(value, "isoformat") else value

    return {
        "username": state.username,
        "status": state.status.value,
        "since": iso(state.since),
        "campaign_id": state.campaign_id,
        "queue": state.queue,
        "extension": state.extension,
        "call_id": state.call_id,
        "pause_reason": state.pause_reason,
        "wrap_up_deadline": iso(state.wrap_up_deadline),
        "pending": state.pending,
    }


def pop_json(pop: ScreenPopped | None) -> dict[str, Any] | None:
    return None if pop is None else event_payload(pop)


def saved_json(saved: DispositionSaved) -> dict[str, Any]:
    return {
        "attempt_id": saved.attempt_id,
        "code": saved.code,
        "events": list(saved.events),
        "agent": agent_json(saved.state),
    }


def dumps(value: object) -> str:
    """JSON of what the desk hands out (``campaigns()`` figures may hold datetimes, decimals)."""
    return json.dumps(jsonable(value), ensure_ascii=False)
