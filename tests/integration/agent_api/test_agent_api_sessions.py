"""Logging in to the agent API, and being turned away."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import update

from agent_console.api.app import PUBLIC, ROUTES, make_agent_api
from recoup.bus.local import InProcessBus
from recoup.clock import ManualClock
from recoup.storage import tables as t
from tests.conftest import DatabaseUnderTest
from tests.integration.agent_api.conftest import PASSWORD, SignIn, add_people
from tests.integration.agent_api.fake_desk import FakeDesk


async def test_an_agent_logs_in_on_either_database_and_gets_a_token_and_a_cookie(
    database: DatabaseUnderTest, clock: ManualClock
) -> None:
    await add_people(database.engine)
    bus = InProcessBus()
    app = make_agent_api(desk=FakeDesk(bus, clock), bus=bus, engine=database.engine, clock=clock)
    async with TestClient(TestServer(app)) as client:
        response = await client.post(
            "/api/v1/session", json={"username": "ana", "password": PASSWORD}
        )
        assert response.status == 201
        body = await response.json()
        assert body["user"]["username"] == "ana"
        assert body["user"]["roles"] == ["agent"]
        assert len(body["token"]) >= 40
        cookie = response.cookies["recoup_session"]
        assert cookie.value == body["token"]
        assert cookie["httponly"]
        assert cookie["samesite"] == "Strict"

        # the cookie alone is enough for the browser
        me = await client.get("/api/v1/session")
        assert me.status == 200
        assert (await me.json())["user"]["username"] == "ana"


async def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(
    client: TestClient,
) -> None:
    wrong = await client.post("/api/v1/session", json={"username": "ana", "password": "nope"})
    nobody = await client.post("/api/v1/session", json={"username": "nobody", "password": PASSWORD})
    assert wrong.status == nobody.status == 401
    assert await wrong.json() == await nobody.json() == {"error": "wrong username or password"}
    assert "recoup_session" not in wrong.cookies


async def test_a_disabled_user_cannot_log_in(client: TestClient, people) -> None:
    async with people.begin() as connection:
        await connection.execute(
            update(t.app_user).where(t.app_user.c.username == "bob").values(active=False)
        )
    response = await client.post("/api/v1/session", json={"username": "bob", "password": PASSWORD})
    assert response.status == 401


async def test_logging_out_closes_the_session(client: TestClient, sign_in: SignIn) -> None:
    headers = await sign_in("ana")
    assert (await client.get("/api/v1/agent", headers=headers)).status == 200
    response = await client.delete("/api/v1/session", headers=headers)
    assert response.status == 204
    again = await client.get("/api/v1/agent", headers=headers)
    assert again.status == 401
    assert "log in again" in (await again.json())["error"]


async def test_a_session_expires_by_the_injected_clock(
    client: TestClient, sign_in: SignIn, clock: ManualClock
) -> None:
    headers = await sign_in("ana")
    clock.advance(11 * 3600)
    assert (await client.get("/api/v1/agent", headers=headers)).status == 200
    clock.advance(2 * 3600)
    response = await client.get("/api/v1/agent", headers=headers)
    assert response.status == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    ("method", "path"),
    [(m, p.replace("{attempt_id}", "7")) for m, p, _ in ROUTES if (m, p) not in PUBLIC],
)
async def test_every_private_endpoint_refuses_a_caller_without_a_session(
    client: TestClient, method: str, path: str
) -> None:
    response = await client.request(method, path, json={})
    assert response.status == 401
    assert "log in" in (await response.json())["error"]


@pytest.mark.parametrize(
    "authorization", ["Bearer not-a-token", "Basic YW5hOnB3", "Bearer ", "token"]
)
async def test_a_bad_authorization_header_is_401(client: TestClient, authorization: str) -> None:
    response = await client.get("/api/v1/agent", headers={"Authorization": authorization})
    assert response.status == 401
    assert (await response.json())["error"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "ana"}, "password"),
        ({"password": PASSWORD}, "username"),
        ({"username": 5, "password": PASSWORD}, "username"),
        ({"username": "ana", "password": PASSWORD, "remember": True}, "remember"),
    ],
)
async def test_a_login_body_that_does_not_fit_names_the_field(
    client: TestClient, body: dict[str, object], field: str
) -> None:
    response = await client.post("/api/v1/session", json=body)
    assert response.status == 422
    assert field in [e["field"] for e in (await response.json())["errors"]]


@pytest.mark.parametrize(
    "proxy_says", [{"X-Forwarded-Proto": "https"}, {"Forwarded": "for=10.0.0.7;proto=https"}]
)
async def test_behind_a_tls_proxy_the_session_cookie_is_secure_without_being_told(
    client: TestClient, proxy_says: dict[str, str]
) -> None:
    response = await client.post(
        "/api/v1/session", json={"username": "ana", "password": PASSWORD}, headers=proxy_says
    )
    assert response.status == 201
    assert response.cookies["recoup_session"]["secure"]


async def test_over_plain_http_the_session_cookie_is_not_marked_secure(client: TestClient) -> None:
    response = await client.post("/api/v1/session", json={"username": "ana", "password": PASSWORD})
    assert response.status == 201
    assert not response.cookies["recoup_session"]["secure"]
