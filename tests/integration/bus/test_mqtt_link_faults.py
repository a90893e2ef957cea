"""The MQTT link on a real Mosquitto (RECOUP_TEST_MQTT_URL) when things go wrong: a command
that fails, an event that cannot be written as UTF-8."""

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

AT = datetime(2026, 11, 20, 12, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class AgentPaused:
    agent: str
    reason: str
    at: datetime
    topic: ClassVar[str] = "recoup/v1/agents/{agent}/paused"


@pytest.fixture
def mqtt_url() -> str:
    return service_url(MQTT_ENV, "MQTT broker")


async def test_a_command_that_fails_does_not_end_the_link(mqtt_url: str) -> None:
    handled: asyncio.Queue[Command] = asyncio.Queue()

    async def on_command(command: Command) -> None:
        if command.body.get("reason") == "boom":
            msg = "the desk fell over"
            raise RuntimeError(msg)
        await handled.put(command)

    bus = InProcessBus()
    agent = f"a-{uuid.uuid4().hex[:8]}"
    async with BrokerAddress.parse(mqtt_url).client() as supervisor:
        await supervisor.subscribe(f"recoup/v1/agents/{agent}/#", qos=1)
        async with mqtt_link(bus, mqtt_url, on_command) as link:
            await asyncio.wait_for(link.connected.wait(), 5)
            await asyncio.sleep(0.2)  # the link's subscription is in place
            pause = f"recoup/v1/cmd/agents/{agent}/pause"
            await supervisor.publish(pause, b'{"reason":"boom"}', qos=1)
            await supervisor.publish(pause, b'{"reason":"coaching"}', qos=1)
            command = await asyncio.wait_for(handled.get(), 5)
            assert command.body == {"reason": "coaching"}
            assert link.failed_commands == 1
            bus.publish(AgentPaused(agent, "coaching", AT))
            message = await asyncio.wait_for(anext(aiter(supervisor.messages)), 5)
    assert isinstance(message.payload, bytes)
    assert json.loads(message.payload)["reason"] == "coaching"


@dataclass(frozen=True, slots=True)
class NoteAdded:
    agent: str
    note: object  # what JSON cannot hold
    at: datetime
    topic: ClassVar[str] = "recoup/v1/agents/{agent}/note"


async def test_a_pause_reason_with_a_lone_surrogate_reaches_mqtt_and_the_link_goes_on(
    mqtt_url: str,
) -> None:
    # JSON bodies may carry "\ud800" (valid JSON, no UTF-8): such text reaches events.
    bus = InProcessBus()
    agent = f"a-{uuid.uuid4().hex[:8]}"
    async with BrokerAddress.parse(mqtt_url).client() as supervisor:
        await supervisor.subscribe(f"recoup/v1/agents/{agent}/#", qos=1)
        async with mqtt_link(bus, mqtt_url) as link:
            await asyncio.wait_for(link.connected.wait(), 5)
            bus.publish(AgentPaused(agent, "caf\ud800", AT))
            bus.publish(NoteAdded(agent, object(), AT))
            bus.publish(AgentPaused(agent, "lunch", AT))
            messages = supervisor.messages
            first = await asyncio.wait_for(anext(aiter(messages)), 5)
            second = await asyncio.wait_for(anext(aiter(messages)), 5)
            assert link.unpublishable == 1
    assert isinstance(first.payload, bytes)
    assert isinstance(second.payload, bytes)
    assert json.loads(first.payload)["reason"] == "caf\ud800"
    assert json.loads(second.payload)["reason"] == "lunch"


@dataclass(frozen=True, slots=True)
class PromiseRecorded:
    debt_id: str
    amount_minor: int
    at: datetime
    topic: ClassVar[str] = "recoup/v1/debts/{debt_id}/promise_recorded"


async def test_promises_recorded_just_before_shutdown_still_reach_the_broker(
    mqtt_url: str,
) -> None:
    bus = InProcessBus()
    debt = f"INV-{uuid.uuid4().hex[:8]}"
    async with BrokerAddress.parse(mqtt_url).client() as reporting:
        await reporting.subscribe(f"recoup/v1/debts/{debt}/#", qos=1)
        async with mqtt_link(bus, mqtt_url) as link:
            await asyncio.wait_for(link.connected.wait(), 5)
            for amount in range(1, 51):
                bus.publish(PromiseRecorded(debt, amount, AT))
        received = [
            json.loads(bytes(m.payload))["amount_minor"]  # type: ignore[arg-type]
            for m in [
                await asyncio.wait_for(anext(aiter(reporting.messages)), 5) for _ in range(50)
            ]
        ]
    assert received == list(range(1, 51))


async def test_a_command_nested_too_deep_for_json_is_refused_and_the_next_one_handled(
    mqtt_url: str,
) -> None:
    handled: asyncio.Queue[Command] = asyncio.Queue()

    async def on_command(command: Command) -> None:
        await handled.put(command)

    agent = f"a-{uuid.uuid4().hex[:8]}"
    async with mqtt_link(InProcessBus(), mqtt_url, on_command) as link:
        await asyncio.wait_for(link.connected.wait(), 5)
        async with BrokerAddress.parse(mqtt_url).client() as supervisor:
            pause = f"recoup/v1/cmd/agents/{agent}/pause"
            await supervisor.publish(pause, b'{"reason":' + b"[" * 100_000, qos=1)
            await supervisor.publish(pause, b'{"reason":"coaching"}', qos=1)
        command = await asyncio.wait_for(handled.get(), 5)
        assert command.body == {"reason": "coaching"}
        assert link.rejected_commands == 1


async def test_a_retained_stop_command_is_not_obeyed_again_at_every_reconnect(
    mqtt_url: str,
) -> None:
    # A retained message is handed to every new subscriber: a "stop" kept by the broker would
    # stop the campaign again each time the link reconnects, long after someone started it.
    handled: asyncio.Queue[Command] = asyncio.Queue()

    async def on_command(command: Command) -> None:
        await handled.put(command)

    campaign = f"c-{uuid.uuid4().hex[:8]}"
    stop = f"recoup/v1/cmd/campaigns/{campaign}/stop"
    async with BrokerAddress.parse(mqtt_url).client() as supervisor:
        await supervisor.publish(stop, b"{}", qos=1, retain=True)
        try:
            async with mqtt_link(InProcessBus(), mqtt_url, on_command) as link:
                await asyncio.wait_for(link.connected.wait(), 5)
                start = f"recoup/v1/cmd/campaigns/{campaign}/start"
                await supervisor.publish(start, b"{}", qos=1)
                command = await asyncio.wait_for(handled.get(), 5)
                assert command.path == f"campaigns/{campaign}/start"
                assert link.rejected_commands == 1
        finally:
            await supervisor.publish(stop, b"", qos=1, retain=True)  # clears the retained one
