"""The API's contract: its OpenAPI document matches its routes, it serves metrics and health,
and no input, however bad, gets anything but a clear 4xx."""

from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestClient, TestServer

from agent_console.api.app import PUBLIC, make_agent_api
from recoup.bus.local import InProcessBus
from recoup.clock import ManualClock
from tests.integration.agent_api.conftest import SignIn
from tests.integration.agent_api.fake_desk import FakeDesk


def app_operations(client: TestClient) -> set[tuple[str, str]]:
    return {
        (route.method.lower(), route.resource.canonical)
        for route in client.app.router.routes()
        if route.resource is not None
    }


async def test_the_openapi_document_lists_every_route_and_only_routes(
    client: TestClient,
) -> None:
    response = await client.get("/api/v1/openapi.json")
    assert response.status == 200
    document = await response.json()
    assert document["openapi"] == "3.1.0"
    documented = {(method, path) for path, item in document["paths"].items() for method in item}
    assert documented == app_operations(client)


async def test_the_openapi_document_marks_exactly_the_public_routes(client: TestClient) -> None:
    document = await (await client.get("/api/v1/openapi.json")).json()
    open_ = {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if operation.get("security") == []
    }
    assert open_ == PUBLIC


async def test_every_schema_the_document_refers_to_is_in_it(client: TestClient) -> None:
    document = await (await client.get("/api/v1/openapi.json")).json()
    text = str(document)
    schemas = document["components"]["schemas"]
    refs = set(re.findall(r"#/components/schemas/([A-Za-z0-9_]+)", text))
    assert refs
    assert refs <= set(schemas)
    disposition = schemas["DispositionBody"]
    assert disposition["discriminator"]["propertyName"] == "code"


async def test_metrics_are_served_without_a_session(
    client: TestClient, metrics_text: bytes
) -> None:
    response = await client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    assert await response.read() == metrics_text


async def test_no_metrics_callable_means_404(
    people, desk: FakeDesk, bus: InProcessBus, clock: ManualClock
) -> None:
    app = make_agent_api(desk=desk, bus=bus, engine=people, clock=clock)
    async with TestClient(TestServer(app)) as client:
        response = await client.get("/metrics")
        assert response.status == 404
        assert await response.json() == {"error": "this process serves no metrics"}


async def test_healthz_answers_without_a_session(client: TestClient) -> None:
    response = await client.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"status": "ok"}


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        (b"{not json", 400, "not valid JSON"),
        (b"", 400, "JSON object is required"),
        (b"\xff\xfe", 400, "not valid JSON"),
        (b"[1, 2]", 422, "body"),
        (b'"lunch"', 422, "body"),
        (b"null", 422, "body"),
        (b'{"reason": 5}', 422, "reason"),
        (b'{"reason": "' + b"x" * 200 + b'"}', 422, "reason"),
        (b'{"reason": "lunch", "reason2": 1}', 422, "reason2"),
    ],
)
async def test_bad_bodies_get_a_clear_4xx(
    client: TestClient, sign_in: SignIn, body: bytes, status: int, says: str
) -> None:
    headers = await sign_in("ana") | {"Content-Type": "application/json"}
    response = await client.post("/api/v1/agent/pause", data=body, headers=headers)
    assert response.status == status
    answer = await response.json()
    assert says in answer["error"]


async def test_a_body_nested_deeper_than_json_can_read_is_400(
    client: TestClient, sign_in: SignIn
) -> None:
    headers = await sign_in("ana") | {"Content-Type": "application/json"}
    nested = b"[" * 5000 + b"]" * 5000
    response = await client.post("/api/v1/agent/pause", data=nested, headers=headers)
    assert response.status == 400
    assert "nested too deeply" in (await response.json())["error"]
    assert (await client.get("/healthz")).status == 200


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", ""]
)
async def test_a_body_sent_as_anything_but_json_is_415_and_the_agent_stays_as_they_were(
    client: TestClient, sign_in: SignIn, desk: FakeDesk, content_type: str
) -> None:
    headers = await sign_in("ana")
    await client.post("/api/v1/agent/login", json={"extension": "1001", "campaign_id": "east"},
                      headers=headers)  # fmt: skip
    await client.post("/api/v1/agent/ready", headers=headers)
    response = await client.post(
        "/api/v1/agent/pause", data=b'{"reason": "lunch"}',
        headers=headers | {"Content-Type": content_type},
    )  # fmt: skip
    assert response.status == 415
    assert "application/json" in (await response.json())["error"]
    assert desk.status("ana").value == "ready"
    as_json = await client.post(
        "/api/v1/agent/pause", data=b'{"reason": "lunch"}',
        headers=headers | {"Content-Type": "application/json; charset=utf-8"},
    )  # fmt: skip
    assert as_json.status == 200
    assert desk.status("ana").value == "paused"


async def test_a_huge_body_is_413_and_the_app_keeps_serving(
    client: TestClient, sign_in: SignIn
) -> None:
    headers = await sign_in("ana")
    huge = {"code": "refused", "note": "x" * 100_000}
    response = await client.post("/api/v1/agent/calls/1/disposition", json=huge, headers=headers)
    assert response.status == 413
    assert "exceeded" in (await response.json())["error"]
    assert (await client.get("/healthz")).status == 200


async def test_an_unknown_endpoint_or_method_answers_json(client: TestClient) -> None:
    missing = await client.get("/api/v1/nothing")
    assert missing.status == 404
    assert await missing.json() == {"error": "no such endpoint: GET /api/v1/nothing"}
    wrong = await client.put("/api/v1/agent/ready")
    assert wrong.status == 405
    assert "PUT" in (await wrong.json())["error"]
    assert "POST" in wrong.headers["Allow"]


async def test_a_plain_get_on_the_websocket_endpoint_is_400(
    client: TestClient, sign_in: SignIn
) -> None:
    response = await client.get("/api/v1/agent/events", headers=await sign_in("ana"))
    assert response.status == 400
    assert (await response.json())["error"]
