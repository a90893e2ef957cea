"""The bus mirrored to a real Mosquitto (RECOUP_TEST_MQTT_URL)."""

import asyncio
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar

import pytest

from recoup.bus.local import InProcessBus
from recoup.bus.mqtt import BrokerAddress, Command, mqtt_link
from tests.conftest import MQTT_ENV, service_url


@dataclass(frozen=True, slots=True)
class AgentPaused:
    agent: str
    reason: str
    at: datetime
    topic: ClassVar[str] = "recoup/v1/agents/{agent}/paused"


@pytest.fixture
def mqtt_url() -> str:
    return service_url(MQTT_ENV, "MQTT broker")


async def test_events_reach_a_subscriber_on_the_real_broker(mqtt_url: str) -> None:
    bus = InProcessBus()
    agent = f"a-{uuid.uuid4().hex[:8]}"
    async with BrokerAddress.parse(mqtt_url).client() as watcher:
        await watcher.subscribe(f"recoup/v1/agents/{agent}/#", qos=1)
        async with mqtt_link(bus, mqtt_url) as link:
            await asyncio.wait_for(link.connected.wait(), 5)
            bus.publish(AgentPaused(agent, "lunch", datetime(2026, 11, 20, 12, tzinfo=UTC)))
            message = await asyncio.wait_for(anext(aiter(watcher.messages)), 5)
    assert str(message.topic) == f"recoup/v1/agents/{agent}/paused"
    assert isinstance(message.payload, bytes)
    assert json.loads(message.payload) == {
        "type": "agent_paused",
        "agent": agent,
        "reason": "lunch",
        "at": "2026-11-20T12:00:00+00:00",
    }


async def test_commands_from_the_broker_reach_the_handler_and_garbage_is_refused(
    mqtt_url: str,
) -> None:
    bus = InProcessBus()
    received: asyncio.Queue[Command] = asyncio.Queue()

    async def on_command(command: Command) -> None:
        await received.put(command)

    agent = f"a-{uuid.uuid4().hex[:8]}"
    async with mqtt_link(bus, mqtt_url, on_command) as link:
        await asyncio.wait_for(link.connected.wait(), 5)
        await asyncio.sleep(0.2)  # the link's subscription is in place
        async with BrokerAddress.parse(mqtt_url).client() as sender:
            await sender.publish(f"recoup/v1/cmd/agents/{agent}/pause", b"not json", qos=1)
            await sender.publish(
                f"recoup/v1/cmd/agents/{agent}/pause", b'{"reason":"coaching"}', qos=1
            )
        command = await asyncio.wait_for(received.get(), 5)
        assert command == Command(f"agents/{agent}/pause", {"reason": "coaching"})
        assert link.rejected_commands == 1


async def test_an_unreachable_broker_does_not_stop_the_bus() -> None:
    bus = InProcessBus()
    async with mqtt_link(bus, "mqtt://127.0.0.1:9") as link:
        bus.publish(AgentPaused("a1", "x", datetime(2026, 11, 20, tzinfo=UTC)))
        await asyncio.sleep(0.3)
        assert not link.connected.is_set()
    assert bus.published == 1
