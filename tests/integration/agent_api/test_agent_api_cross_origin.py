"""Another site's page cannot ride on an agent's session cookie: not to ready the agent or dial a
previewed debtor (commands without a body, which the JSON-only rule does not cover), and not to
open the agent's live feed of screen pops."""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from dialer.agents.state import AgentStatus
from tests.integration.agent_api.conftest import PASSWORD
from tests.integration.agent_api.fake_desk import FakeDesk

EVIL = {"Origin": "https://payments-help.example.net"}


async def cookie_session(client: TestClient, username: str) -> None:
    response = await client.post(
        "/api/v1/session", json={"username": username, "password": PASSWORD}
    )
    assert response.status == 201
    assert client.session.cookie_jar.filter_cookies(client.make_url("/"))["recoup_session"]


def own_origin(client: TestClient) -> dict[str, str]:
    return {"Origin": f"http://{client.host}:{client.port}"}


async def test_another_sites_form_cannot_ready_an_agent_with_the_cookie(
    client: TestClient, desk: FakeDesk
) -> None:
    await cookie_session(client, "ana")
    login = {"extension": "1001", "campaign_id": "east"}
    assert (await client.post("/api/v1/agent/login", json=login)).status == 200

    forged = await client.post("/api/v1/agent/ready", headers=EVIL)
    assert forged.status == 403
    assert "another site" in (await forged.json())["error"]
    assert desk.status("ana") is AgentStatus.PAUSED

    own = await client.post("/api/v1/agent/ready", headers=own_origin(client))
    assert own.status == 200
    assert desk.status("ana") is AgentStatus.READY


async def test_another_sites_page_cannot_dial_the_previewed_debtor(
    client: TestClient, desk: FakeDesk
) -> None:
    await cookie_session(client, "ana")
    login = {"extension": "1001", "campaign_id": "preview"}
    assert (await client.post("/api/v1/agent/login", json=login)).status == 200
    assert (await client.post("/api/v1/agent/ready")).status == 200
    assert (await client.post("/api/v1/agent/preview/next")).status == 200

    forged = await client.post("/api/v1/agent/preview/dial", headers=EVIL)
    assert forged.status == 403
    assert desk.status("ana") is AgentStatus.READY

    own = await client.post("/api/v1/agent/preview/dial", headers=own_origin(client))
    assert own.status == 200
    assert desk.status("ana") is AgentStatus.ON_CALL


@pytest.mark.parametrize("origin", [EVIL["Origin"], "null"])
async def test_another_sites_page_cannot_open_the_agents_live_feed(
    client: TestClient, origin: str
) -> None:
    await cookie_session(client, "ana")
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await client.ws_connect("/api/v1/agent/events", headers={"Origin": origin})
    assert refused.value.status == 403

    async with client.ws_connect("/api/v1/agent/events", headers=own_origin(client)) as ws:
        assert (await ws.receive_json(timeout=5.0))["type"] == "snapshot"


async def test_a_bearer_token_is_not_a_cookie_and_works_from_any_origin(
    client: TestClient,
) -> None:
    response = await client.post("/api/v1/session", json={"username": "ana", "password": PASSWORD})
    token = (await response.json())["token"]
    client.session.cookie_jar.clear()
    headers = {"Authorization": f"Bearer {token}"} | EVIL
    assert (await client.get("/api/v1/agent", headers=headers)).status == 200


async def test_the_console_behind_a_proxy_keeps_working_from_its_public_origin(
    client: TestClient,
) -> None:
    await cookie_session(client, "ana")
    behind_proxy = {
        "Origin": "https://console.collections.example",
        "X-Forwarded-Host": "console.collections.example",
    }
    assert (await client.get("/api/v1/agent", headers=behind_proxy)).status == 200


async def test_a_sibling_subdomain_the_browser_flags_as_same_site_is_refused(
    client: TestClient,
) -> None:
    await cookie_session(client, "ana")
    sibling = {"Sec-Fetch-Site": "same-site", "Origin": "https://wiki.collections.example"}
    assert (await client.post("/api/v1/agent/ready", headers=sibling)).status == 403


async def test_behind_a_proxy_that_rewrites_the_host_the_browsers_same_origin_word_counts(
    client: TestClient,
) -> None:
    await cookie_session(client, "ana")
    rewritten = {"Sec-Fetch-Site": "same-origin", "Origin": "https://console.collections.example"}
    assert (await client.get("/api/v1/agent", headers=rewritten)).status == 200


@pytest.mark.parametrize("origin", ["http://[", "http://[::1", "https://", "ftp:"])
async def test_a_malformed_origin_is_refused_not_a_crash(client: TestClient, origin: str) -> None:
    await cookie_session(client, "ana")
    response = await client.get("/api/v1/agent", headers={"Origin": origin})
    assert response.status == 403
