"""A session that ends takes its live feed with it: no debtor's screen pop reaches a browser
that logged out, nor one whose session expired, nor one whose account was disabled."""

from __future__ import annotations

import asyncio
import shutil

import aiohttp
from aiohttp import WSMsgType
from aiohttp.test_utils import TestClient
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from recoup.clock import ManualClock
from recoup.storage import tables as t
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


async def disable(people: AsyncEngine, username: str) -> None:
    async with people.begin() as connection:
        await connection.execute(
            update(t.app_user).where(t.app_user.c.username == username).values(active=False)
        )


async def test_an_agent_disabled_mid_shift_loses_the_open_session_within_a_minute(
    client: TestClient, sign_in: SignIn, people: AsyncEngine, clock: ManualClock
) -> None:
    bob = await sign_in("bob")
    assert (await client.get("/api/v1/agent", headers=bob)).status == 200
    await disable(people, "bob")
    clock.advance(61)
    response = await client.get("/api/v1/agent", headers=bob)
    assert response.status == 401
    assert "disabled" in (await response.json())["error"]
    assert (await client.get("/api/v1/agent", headers=bob)).status == 401


async def test_a_disabled_agents_live_feed_closes_instead_of_showing_the_next_debtor(
    client: TestClient, sign_in: SignIn, people: AsyncEngine, clock: ManualClock, desk: FakeDesk
) -> None:
    bob = await sign_in("bob")
    await logged_in(client, bob)
    async with client.ws_connect("/api/v1/agent/events", headers=bob) as ws:
        assert (await next_message(ws))["type"] == "snapshot"
        await disable(people, "bob")
        clock.advance(61)
        desk.connect_call("bob", debt_id="AFTER-DISABLED")
        message = await asyncio.wait_for(ws.receive(), TIMEOUT)
        assert message.type is WSMsgType.CLOSE, message
        assert message.data == aiohttp.WSCloseCode.POLICY_VIOLATION


async def test_a_supervisor_role_taken_away_is_taken_from_the_open_session(
    client: TestClient, sign_in: SignIn, people: AsyncEngine, clock: ManualClock
) -> None:
    sue = await sign_in("sue")
    assert (await client.get("/api/v1/agent?agent=ana", headers=sue)).status == 200
    async with people.begin() as connection:
        await connection.execute(
            update(t.app_user).where(t.app_user.c.username == "sue").values(roles="qa")
        )
    clock.advance(61)
    assert (await client.get("/api/v1/agent?agent=ana", headers=sue)).status == 403


async def test_a_database_away_for_a_moment_does_not_log_anyone_out(
    client: TestClient, sign_in: SignIn, people: AsyncEngine, clock: ManualClock
) -> None:
    ana = await sign_in("ana")
    await people.dispose()
    away = people.url.database
    assert away is not None
    shutil.move(away, f"{away}.away")
    try:
        clock.advance(61)
        assert (await client.get("/api/v1/agent", headers=ana)).status == 200
    finally:
        shutil.move(f"{away}.away", away)


async def test_a_supervisor_demoted_mid_shift_stops_watching_an_agents_calls(
    client: TestClient, sign_in: SignIn, people: AsyncEngine, clock: ManualClock, desk: FakeDesk
) -> None:
    sue, ana = await sign_in("sue"), await sign_in("ana")
    await logged_in(client, ana)
    async with client.ws_connect(
        "/api/v1/agent/events", params={"agent": "ana"}, headers=sue
    ) as ws:
        assert (await next_message(ws))["type"] == "snapshot"
        async with people.begin() as connection:
            await connection.execute(
                update(t.app_user).where(t.app_user.c.username == "sue").values(roles="qa")
            )
        clock.advance(61)
        desk.connect_call("ana", debt_id="AFTER-DEMOTION")
        message = await asyncio.wait_for(ws.receive(), TIMEOUT)
        assert message.type is WSMsgType.CLOSE, message
        assert message.data == aiohttp.WSCloseCode.POLICY_VIOLATION
