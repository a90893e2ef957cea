"""A session that ends takes its live feed with it: no debtor's screen pop reaches a browser
that logged out, nor one whose session expired."""

from __future__ import annotations

import asyncio

import aiohttp
from aiohttp import WSMsgType
from aiohttp.test_utils import TestClient

from recoup.clock import ManualClock
from tests.integration.agent_api.conftest import SignIn
from tests.integration.agent_api.fake_desk import FakeDesk
from tests.integration.agent_api.test_agent_api_events import TIMEOUT, logged_in, next_message


async def test_logging_out_of_the_api_closes_the_sessions_live_feed(
    client: TestClient, sign_in: SignIn, desk: FakeDesk
) -> None:
    ana = await sign_in("ana")
    await logged_in(client, ana)
    async with client.ws_connect("/api/v1/agent/events", headers=ana) as ws:
        assert (await next_message(ws))["type"] == "snapshot"
        assert (await client.delete("/api/v1/session", headers=ana)).status == 204
        desk.connect_call("ana", debt_id="AFTER-LOGOUT")
        message = await asyncio.wait_for(ws.receive(), TIMEOUT)
        assert message.type is WSMsgType.CLOSE, message
        assert message.data == aiohttp.WSCloseCode.POLICY_VIOLATION


async def test_logging_out_closes_only_that_sessions_feed(
    client: TestClient, sign_in: SignIn, desk: FakeDesk
) -> None:
    first_tab, second_tab = await sign_in("ana"), await sign_in("ana")
    await logged_in(client, first_tab)
    async with (
        client.ws_connect("/api/v1/agent/events", headers=first_tab) as first,
        client.ws_connect("/api/v1/agent/events", headers=second_tab) as second,
    ):
        await next_message(first)
        await next_message(second)
        assert (await client.delete("/api/v1/session", headers=first_tab)).status == 204
        desk.connect_call("ana", debt_id="D-7")
        assert (await asyncio.wait_for(first.receive(), TIMEOUT)).type is WSMsgType.CLOSE
        assert (await next_message(second))["type"] == "agent_state_changed"
        assert (await next_message(second))["payload"]["debt_id"] == "D-7"


async def test_an_expired_session_gets_no_more_screen_pops(
    client: TestClient, sign_in: SignIn, desk: FakeDesk, clock: ManualClock
) -> None:
    sue = await sign_in("sue")
    ana = await sign_in("ana")
    await logged_in(client, ana)
    async with client.ws_connect(
        "/api/v1/agent/events", params={"agent": "ana"}, headers=sue
    ) as ws:
        assert (await next_message(ws))["type"] == "snapshot"
        clock.advance(13 * 3600)  # past the 12 h session lifetime
        desk.connect_call("ana", debt_id="AFTER-EXPIRY")
        message = await asyncio.wait_for(ws.receive(), TIMEOUT)
        assert message.type is WSMsgType.CLOSE, message
        assert message.data == aiohttp.WSCloseCode.POLICY_VIOLATION
