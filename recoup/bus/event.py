"""What every domain event is: a frozen dataclass that knows its MQTT topic.

```python
@dataclass(frozen=True, slots=True)
class CallAnswered:
    uniqueid: str
    at: datetime
    topic: ClassVar[str] = "recoup/v1/calls/{uniqueid}/answered"
```

``topic`` is a format string over the event's own fields. :func:`topic_of` fills it in and
:func:`event_payload` gives the JSON-ready fields (datetimes as ISO 8601, enums by value,
decimals as strings), which is what MQTT subscribers and the console's websockets receive.
"""

from __future__ import annotations

import dataclasses
import enum
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar, Protocol, runtime_checkable

TOPIC_ROOT = "recoup/v1"


@runtime_checkable
class Event(Protocol):
    """A domain event: a dataclass instance with a ``topic`` template."""

    topic: ClassVar[str]
    __dataclass_fields__: ClassVar[dict[str, Any]]


def event_type(event: Event) -> str:
    """The event's type name in snake_case (``CallAnswered`` -> ``call_answered``)."""
    name = type(event).__name__
    out: list[str] = []
    for i, ch in enumerate(name):
        if ch.isupper() and i and not name[i - 1].isupper():
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


def topic_of(event: Event) -> str:
    """The concrete MQTT topic of ``event``; ``/`` and MQTT wildcards in ids are escaped."""
    fields = {f.name: _topic_safe(getattr(event, f.name)) for f in dataclasses.fields(event)}
    return type(event).topic.format(**fields)


def _topic_safe(value: object) -> str:
    """``value`` as one topic level: ``%``, ``/``, the wildcards and every character an MQTT
    broker refuses in a topic (Mosquitto drops the connection on a control character, a
    noncharacter or a surrogate) are percent-escaped as UTF-8, so that two ids never share
    a topic."""
    text = str(value.value if isinstance(value, enum.Enum) else value)
    return "".join(_escaped(ch) if _needs_escape(ch) else ch for ch in text)


def _needs_escape(ch: str) -> bool:
    code = ord(ch)
    return (
        ch in "%/+#"
        or code < 0x20
        or 0x7F <= code <= 0x9F
        or 0xD800 <= code <= 0xDFFF
        or 0xFDD0 <= code <= 0xFDEF
        or (code & 0xFFFE) == 0xFFFE
    )


def _escaped(ch: str) -> str:
    return "".join(f"%{byte:02X}" for byte in ch.encode("utf-8", "surrogatepass"))


def jsonable(value: Any) -> Any:
    """``value`` with dates, enums, decimals, sets and dataclasses made JSON-ready."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple | list | frozenset | set):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


def event_payload(event: Event) -> dict[str, Any]:
    """The event as a JSON-ready dict, with its ``type``."""
    payload: dict[str, Any] = {"type": event_type(event)}
    for f in dataclasses.fields(event):
        payload[f.name] = jsonable(getattr(event, f.name))
    return payload


def utf8_json(value: Any) -> str:
    """``value`` as compact JSON that is always valid UTF-8.

    Text may hold lone surrogates (JSON's ``"\\ud800"`` is valid input, and decodes to one):
    they have no UTF-8, so such a value is written with ``\\u`` escapes instead, which every
    JSON reader turns back into the same text. ``TypeError`` for a field JSON cannot hold.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, ensure_ascii=True, separators=(",", ":"))
    return text


def event_json(event: Event) -> str:
    """The event as compact JSON that is always valid UTF-8 (see :func:`utf8_json`)."""
    return utf8_json(event_payload(event))


def event_bytes(event: Event) -> bytes:
    """:func:`event_json` as UTF-8 bytes: an MQTT payload."""
    return event_json(event).encode("utf-8")
