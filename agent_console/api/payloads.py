"""How the agent API writes the desk's values as JSON (the same conventions as the bus:
datetimes in ISO 8601, enums by value)."""

from __future__ import annotations

import dataclasses
import enum
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from dialer.agents.state import AgentState
from dialer.engine.desk import DispositionSaved, ScreenPopped
from recoup.bus.event import event_payload


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


def _plain(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    msg = f"{type(value).__name__} is not JSON"
    raise TypeError(msg)


def dumps(value: object) -> str:
    """JSON of what the desk hands out (``campaigns()`` figures may hold datetimes, decimals)."""
    return json.dumps(value, default=_plain, ensure_ascii=False)
