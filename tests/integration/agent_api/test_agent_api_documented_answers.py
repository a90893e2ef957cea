"""Every answer the desk can give reaches a client that reads the OpenAPI document: the status a
handler really answers is one the document lists for that operation."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.integration.agent_api.conftest import SignIn
from tests.integration.agent_api.fake_desk import FakeDesk


async def documented(client: TestClient, method: str, path: str) -> set[int]:
    document: dict[str, Any] = await (await client.get("/api/v1/openapi.json")).json()
    return {int(status) for status in document["paths"][path][method]["responses"]}


async def test_logging_in_to_a_campaign_that_does_not_run_here_is_a_documented_404(
    client: TestClient, sign_in: SignIn
) -> None:
    ana = await sign_in("ana")
    response = await client.post(
        "/api/v1/agent/login", json={"extension": "1001", "campaign_id": "west"}, headers=ana
    )
    assert response.status == 404
    assert 404 in await documented(client, "post", "/api/v1/agent/login")


async def test_a_preview_dial_asterisk_would_not_take_is_a_documented_503(
    client: TestClient, sign_in: SignIn, desk: FakeDesk
) -> None:
    ana = await sign_in("ana")
    login = {"extension": "1001", "campaign_id": "preview"}
    assert (await client.post("/api/v1/agent/login", json=login, headers=ana)).status == 200
    assert (await client.post("/api/v1/agent/ready", headers=ana)).status == 200
    assert (await client.post("/api/v1/agent/preview/next", headers=ana)).status == 200
    desk.pbx_refuses = True
    response = await client.post("/api/v1/agent/preview/dial", headers=ana)
    assert response.status == 503
    assert 503 in await documented(client, "post", "/api/v1/agent/preview/dial")
