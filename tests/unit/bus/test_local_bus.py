from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar

import pytest

from recoup.bus.event import event_payload, topic_of
from recoup.bus.local import InProcessBus, topic_matches
from recoup.bus.mqtt import BrokerAddress, parse_command


@dataclass(frozen=True, slots=True)
class PromiseRecorded:
    debt_id: str
    amount_minor: int
    at: datetime
    topic: ClassVar[str] = "recoup/v1/debts/{debt_id}/promise_recorded"


AT = datetime(2026, 11, 20, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    ("topic_filter", "topic", "matches"),
    [
        ("#", "recoup/v1/calls/1/answered", True),
        ("recoup/v1/calls/+/answered", "recoup/v1/calls/1/answered", True),
        ("recoup/v1/calls/+/answered", "recoup/v1/calls/1/failed", False),
        ("recoup/v1/calls/#", "recoup/v1/calls/1/answered", True),
        ("recoup/v1/calls/+", "recoup/v1/calls/1/answered", False),
        ("recoup/v1/agents/#", "recoup/v1/calls/1/answered", False),
    ],
)
def test_topic_filters_match_like_mqtt(topic_filter: str, topic: str, matches: bool) -> None:
    assert topic_matches(topic_filter, topic) is matches


def test_an_event_knows_its_topic_and_payload() -> None:
    event = PromiseRecorded("INV/7", 15000, AT)
    assert topic_of(event) == "recoup/v1/debts/INV%2F7/promise_recorded"
    assert event_payload(event) == {
        "type": "promise_recorded",
        "debt_id": "INV/7",
        "amount_minor": 15000,
        "at": "2026-11-20T15:00:00+00:00",
    }


async def test_subscribers_get_only_the_events_they_asked_for() -> None:
    bus = InProcessBus()
    with bus.subscribed("recoup/v1/debts/D1/#") as mine, bus.subscribed("#") as everything:
        bus.publish(PromiseRecorded("D1", 100, AT))
        bus.publish(PromiseRecorded("D2", 200, AT))
        assert (await mine.get())[1] == PromiseRecorded("D1", 100, AT)
        assert mine._queue.empty()
        assert [(await everything.get())[1].debt_id for _ in range(2)] == ["D1", "D2"]


async def test_a_subscriber_that_stops_reading_loses_its_oldest_events_not_the_bus() -> None:
    bus = InProcessBus()
    slow = bus.subscribe("#", maxsize=3)
    for i in range(10):
        bus.publish(PromiseRecorded(f"D{i}", i, AT))
    assert slow.dropped == 7
    assert [(await slow.get())[1].debt_id for _ in range(3)] == ["D7", "D8", "D9"]
    slow.close()
    bus.publish(PromiseRecorded("D10", 10, AT))
    assert slow._queue.empty()


def test_commands_must_be_json_objects_under_the_command_topic() -> None:
    command = parse_command("recoup/v1/cmd/agents/a1/pause", b'{"reason": "break"}')
    assert (command.path, command.body) == ("agents/a1/pause", {"reason": "break"})
    with pytest.raises(ValueError, match="not JSON"):
        parse_command("recoup/v1/cmd/agents/a1/pause", b"{nope")
    with pytest.raises(ValueError, match="JSON object"):
        parse_command("recoup/v1/cmd/agents/a1/pause", b"[1]")
    with pytest.raises(ValueError, match="not a command topic"):
        parse_command("recoup/v1/calls/1", b"{}")


def test_broker_urls_are_validated() -> None:
    assert BrokerAddress.parse("mqtt://127.0.0.1:1883") == BrokerAddress(
        "127.0.0.1", 1883, None, None, False
    )
    assert BrokerAddress.parse("mqtts://u:p@broker").port == 8883
    with pytest.raises(ValueError, match="must look like"):
        BrokerAddress.parse("http://broker")


def test_a_command_nested_too_deep_is_refused_with_a_reason() -> None:
    with pytest.raises(ValueError, match="too deeply nested"):
        parse_command("recoup/v1/cmd/agents/a1/pause", b'{"reason":' + b"[" * 100_000)


def test_a_broker_password_with_reserved_characters_is_read_percent_decoded() -> None:
    # A password holding "@" or ":" must be percent-encoded in a URL; the broker wants it plain.
    address = BrokerAddress.parse("mqtts://dialer%2B1:p%40ss%3Aw%2Frd@broker.example:8883")
    assert (address.username, address.password) == ("dialer+1", "p@ss:w/rd")
