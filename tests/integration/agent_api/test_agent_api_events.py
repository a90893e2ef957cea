"""The agent's live feed: a snapshot, then the agent's own events, and nobody else's."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest
from aiohttp import WSMsgType
from aiohttp.test_utils import TestClient

from recoup.bus.local import InProcessBus
from tests.integration.agent_api.conftest import SignIn
from tests.integration.agent_api.fake_desk import FakeDesk

TIMEOUT = 5.0


async def next_message(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    message = await asyncio.wait_for(ws.receive(), TIMEOUT)
    assert message.type is WSMsgType.TEXT, message
    return message.json()


async def logged_in(client: TestClient, headers: dict[str, str]) -> None:
    response = await client.post(
        "/api/v1/agent/login", json={"extension": "1001", "campaign_id": "east"}, headers=headers
    )
    assert response.status == 200
    assert (await client.post("/api/v1/agent/ready", headers=headers)).status == 200


async def test_the_feed_starts_with_the_agents_state_and_screen_pop(
    client: TestClient, sign_in: SignIn, desk: FakeDesk
) -> None:
    ana = await sign_in("ana")
    await logged_in(client, ana)
    desk.connect_call("ana", debt_id="D-7")
    async with client.ws_connect("/api/v1/agent/events", headers=ana) as ws:
        first = await next_message(ws)
    assert first["topic"] == "recoup/v1/agents/ana/snapshot"
    assert first["type"] == "snapshot"
    assert first["payload"]["agent"]["status"] == "on_call"
    assert first["payload"]["screen_pop"]["debt_id"] == "D-7"


async def test_a_screen_pop_reaches_its_agent_and_not_another(
    client: TestClient, sign_in: SignIn, desk: FakeDesk
) -> None:
    ana, bob = await sign_in("ana"), await sign_in("bob")
    await logged_in(client, ana)
    await logged_in(client, bob)
    async with (
        client.ws_connect("/api/v1/agent/events", headers=ana) as ana_ws,
        client.ws_connect("/api/v1/agent/events", headers=bob) as bob_ws,
    ):
        assert (await next_message(ana_ws))["type"] == "snapshot"
        assert (await next_message(bob_ws))["type"] == "snapshot"

        desk.connect_call("bob", debt_id="BOBS-DEBT")
        desk.connect_call("ana", debt_id="ANAS-DEBT")

        state = await next_message(ana_ws)
        assert state["topic"] == "recoup/v1/agents/ana/state"
        assert state["type"] == "agent_state_changed"
        assert state["payload"]["state"] == "on_call"
        pop = await next_message(ana_ws)
        assert pop["topic"] == "recoup/v1/agents/ana/screen_pop"
        assert pop["type"] == "screen_popped"
        assert pop["payload"]["debt_id"] == "ANAS-DEBT"
        assert pop["payload"]["pop"]["debtor"]["name"] == "Dana Debtor"

        desk.hang_up("ana")
        await next_message(ana_ws)  # wrap-up
        ended = await next_message(ana_ws)
        assert ended["type"] == "call_left_agent"
        assert ended["topic"] == "recoup/v1/agents/ana/call_ended"

        # bob's feed carried bob's call only
        bobs = [await next_message(bob_ws), await next_message(bob_ws)]
        assert [m["topic"].split("/")[3] for m in bobs] == ["bob", "bob"]
        assert bobs[1]["payload"]["debt_id"] == "BOBS-DEBT"
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(bob_ws.receive(), 0.2)


async def test_a_supervisor_watches_an_agent_an_agent_cannot_watch_another(
    client: TestClient, sign_in: SignIn, desk: FakeDesk
) -> None:
    ana, bob, sue = await sign_in("ana"), await sign_in("bob"), await sign_in("sue")
    await logged_in(client, ana)
    async with client.ws_connect(
        "/api/v1/agent/events", params={"agent": "ana"}, headers=sue
    ) as ws:
        snapshot = await next_message(ws)
        assert snapshot["payload"]["agent"]["username"] == "ana"
        desk.connect_call("ana")
        assert (await next_message(ws))["topic"] == "recoup/v1/agents/ana/state"

    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await client.ws_connect("/api/v1/agent/events", params={"agent": "ana"}, headers=bob)
    assert refused.value.status == 403


async def test_the_feed_needs_a_session(client: TestClient) -> None:
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await client.ws_connect("/api/v1/agent/events")
    assert refused.value.status == 401


async def test_closing_the_feed_unsubscribes_from_the_bus(
    client: TestClient, sign_in: SignIn, bus: InProcessBus
) -> None:
    ana = await sign_in("ana")
    before = len(bus._subscriptions)
    async with client.ws_connect("/api/v1/agent/events", headers=ana) as ws:
        await next_message(ws)
        assert len(bus._subscriptions) == before + 1
    for _ in range(50):
        if len(bus._subscriptions) == before:
            break
        await asyncio.sleep(0.02)
    assert len(bus._subscriptions) == before


async def test_a_client_that_falls_behind_is_closed_to_reconnect(
    client: TestClient, sign_in: SignIn, desk: FakeDesk
) -> None:
    ana = await sign_in("ana")
    await logged_in(client, ana)
    async with client.ws_connect("/api/v1/agent/events", headers=ana) as ws:
        await next_message(ws)
        for _ in range(300):  # published faster than any socket drains: the backlog overflows
            desk.connect_call("ana")
            desk.hang_up("ana")
            await desk.ready("ana")
        while True:
            message = await asyncio.wait_for(ws.receive(), TIMEOUT)
            if message.type is not WSMsgType.TEXT:
                break
        assert message.type is WSMsgType.CLOSE
        assert message.data == aiohttp.WSCloseCode.TRY_AGAIN_LATER


async def test_server_shutdown_closes_open_feeds(client: TestClient, sign_in: SignIn) -> None:
    ana = await sign_in("ana")
    ws = await client.ws_connect("/api/v1/agent/events", headers=ana)
    await next_message(ws)
    closing = asyncio.create_task(client.server.close())
    message = await asyncio.wait_for(ws.receive(), TIMEOUT)
    assert message.type is WSMsgType.CLOSE
    assert message.data == aiohttp.WSCloseCode.GOING_AWAY
    await ws.close()
    await asyncio.wait_for(closing, TIMEOUT)


async def test_a_pause_reason_with_half_a_character_reaches_the_feed_escaped(
    client: TestClient, sign_in: SignIn, desk: FakeDesk
) -> None:
    # An MQTT command's JSON may hold "\ud800" (a lone surrogate): the feed has no UTF-8 for
    # it, so it goes as a JSON escape, and the feed stays open for what follows.
    ana = await sign_in("ana")
    await logged_in(client, ana)
    async with client.ws_connect("/api/v1/agent/events", headers=ana) as ws:
        assert (await next_message(ws))["type"] == "snapshot"
        await desk.pause("ana", "lunch\ud800")
        paused = await next_message(ws)
        assert paused["payload"]["state"] == "paused"
        assert "lunch\ud800" in paused["payload"].values()
        await desk.ready("ana")
        assert (await next_message(ws))["payload"]["state"] == "ready"
