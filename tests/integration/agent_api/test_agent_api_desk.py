"""An agent's day through the API: log in to a campaign, ready, pause, calls, log out; and who
may do what."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from tests.integration.agent_api.conftest import SignIn
from tests.integration.agent_api.fake_desk import FakeDesk


async def test_an_agent_logs_in_lands_paused_then_gets_ready_pauses_and_logs_out(
    client: TestClient, sign_in: SignIn, desk: FakeDesk
) -> None:
    ana = await sign_in("ana")
    login = await client.post(
        "/api/v1/agent/login", json={"extension": "1001", "campaign_id": "east"}, headers=ana
    )
    assert login.status == 200
    agent = (await login.json())["agent"]
    assert agent["status"] == "paused"
    assert agent["pause_reason"] == "login"
    assert agent["queue"] == "collections-east"
    assert agent["since"] == "2026-11-20T15:00:00+00:00"

    ready = await client.post("/api/v1/agent/ready", headers=ana)
    assert (await ready.json())["agent"]["status"] == "ready"

    pause = await client.post("/api/v1/agent/pause", json={"reason": "lunch"}, headers=ana)
    paused = (await pause.json())["agent"]
    assert (paused["status"], paused["pause_reason"]) == ("paused", "lunch")

    out = await client.post("/api/v1/agent/logout", headers=ana)
    assert (await out.json())["agent"]["status"] == "logged_out"
    assert desk.status("ana").value == "logged_out"


async def test_the_agent_sees_state_and_the_screen_pop_of_the_call_they_hold(
    client: TestClient, sign_in: SignIn, desk: FakeDesk
) -> None:
    ana = await sign_in("ana")
    before = await (await client.get("/api/v1/agent", headers=ana)).json()
    assert before == {"agent": before["agent"], "screen_pop": None}
    assert before["agent"]["status"] == "logged_out"

    await client.post("/api/v1/agent/login", json={"extension": "1001", "campaign_id": "east"},
                      headers=ana)  # fmt: skip
    await client.post("/api/v1/agent/ready", headers=ana)
    desk.connect_call("ana", debt_id="D-42")

    now = await (await client.get("/api/v1/agent", headers=ana)).json()
    assert now["agent"]["status"] == "on_call"
    assert now["screen_pop"]["debt_id"] == "D-42"
    assert now["screen_pop"]["type"] == "screen_popped"
    assert now["screen_pop"]["pop"]["debtor"]["name"] == "Dana Debtor"


async def test_campaigns_are_listed_for_agents_and_supervisors_only(
    client: TestClient, sign_in: SignIn
) -> None:
    for who in ("ana", "sue"):
        response = await client.get("/api/v1/campaigns", headers=await sign_in(who))
        assert response.status == 200
        campaigns = (await response.json())["campaigns"]
        assert [c["id"] for c in campaigns] == ["east", "preview"]
        assert campaigns[0]["dial_level"] == "1.50"
        assert campaigns[0]["since"] == "2026-11-20T15:00:00+00:00"
    qa = await client.get("/api/v1/campaigns", headers=await sign_in("quinn"))
    assert qa.status == 403


async def test_a_supervisor_reads_any_agent_but_an_agent_reads_only_themselves(
    client: TestClient, sign_in: SignIn
) -> None:
    ana, bob, sue = await sign_in("ana"), await sign_in("bob"), await sign_in("sue")
    await client.post("/api/v1/agent/login", json={"extension": "1001", "campaign_id": "east"},
                      headers=ana)  # fmt: skip

    seen = await client.get("/api/v1/agent", params={"agent": "ana"}, headers=sue)
    assert seen.status == 200
    assert (await seen.json())["agent"]["status"] == "paused"

    peek = await client.get("/api/v1/agent", params={"agent": "ana"}, headers=bob)
    assert peek.status == 403
    assert "supervisor" in (await peek.json())["error"]

    own = await client.get("/api/v1/agent", params={"agent": "ana"}, headers=ana)
    assert own.status == 200


async def test_a_supervisor_cannot_take_calls_unless_also_an_agent(
    client: TestClient, sign_in: SignIn, desk: FakeDesk
) -> None:
    body = {"extension": "1002", "campaign_id": "east"}
    sue = await client.post("/api/v1/agent/login", json=body, headers=await sign_in("sue"))
    assert sue.status == 403
    assert "sue" not in desk.states
    max_ = await client.post("/api/v1/agent/login", json=body, headers=await sign_in("max"))
    assert max_.status == 200


async def test_a_wildcard_for_an_agent_name_is_refused(client: TestClient, sign_in: SignIn) -> None:
    response = await client.get(
        "/api/v1/agent", params={"agent": "#"}, headers=await sign_in("sue")
    )
    assert response.status == 400
    assert "username" in (await response.json())["error"]


async def test_desk_errors_answer_their_status_and_message(
    client: TestClient, sign_in: SignIn
) -> None:
    ana = await sign_in("ana")
    unknown = await client.post(
        "/api/v1/agent/login", json={"extension": "1001", "campaign_id": "west"}, headers=ana
    )
    assert unknown.status == 404
    assert await unknown.json() == {"error": "no campaign west runs here"}

    not_in = await client.post("/api/v1/agent/ready", headers=ana)
    assert not_in.status == 409
    assert "log in first" in (await not_in.json())["error"]


async def test_login_and_pause_bodies_are_checked_before_the_desk(
    client: TestClient, sign_in: SignIn, desk: FakeDesk
) -> None:
    ana = await sign_in("ana")
    bad = await client.post(
        "/api/v1/agent/login", json={"extension": "1001@evil", "campaign_id": 7}, headers=ana
    )
    assert bad.status == 422
    problems = {e["field"]: e["message"] for e in (await bad.json())["errors"]}
    assert set(problems) == {"extension", "campaign_id"}
    assert "letters, digits" in problems["extension"]
    assert "ana" not in desk.states

    no_reason = await client.post("/api/v1/agent/pause", json={"reason": "  "}, headers=ana)
    assert no_reason.status == 422
    assert [e["field"] for e in (await no_reason.json())["errors"]] == ["reason"]


@pytest.mark.parametrize(
    "reason", ["lunch\r\nAction: Hangup", "lunch\nbreak", "lunch\u0000", "\u0007lunch"]
)
async def test_a_pause_reason_with_control_characters_never_reaches_asterisk(
    client: TestClient, sign_in: SignIn, desk: FakeDesk, reason: str
) -> None:
    ana = await sign_in("ana")
    await client.post("/api/v1/agent/login", json={"extension": "1001", "campaign_id": "east"},
                      headers=ana)  # fmt: skip
    await client.post("/api/v1/agent/ready", headers=ana)
    response = await client.post("/api/v1/agent/pause", json={"reason": reason}, headers=ana)
    assert response.status == 422
    [problem] = (await response.json())["errors"]
    assert problem["field"] == "reason"
    assert "control character" in problem["message"]
    assert desk.status("ana").value == "ready"


async def test_a_pause_reason_with_half_a_character_is_refused_before_the_desk(
    client: TestClient, sign_in: SignIn, desk: FakeDesk
) -> None:
    # Valid JSON, but "\ud800" decodes to a lone surrogate: no UTF-8 for AMI, the database
    # or the live feed.
    ana = await sign_in("ana")
    await client.post("/api/v1/agent/login", json={"extension": "1001", "campaign_id": "east"},
                      headers=ana)  # fmt: skip
    await client.post("/api/v1/agent/ready", headers=ana)
    response = await client.post(
        "/api/v1/agent/pause", data='{"reason": "lunch\\ud800"}',
        headers={**ana, "Content-Type": "application/json"},
    )  # fmt: skip
    assert response.status == 422
    [problem] = (await response.json())["errors"]
    assert problem["type"] == "json_invalid"
    assert desk.status("ana").value == "ready"


async def test_preview_an_agent_sees_the_lead_then_dials_or_skips_it(
    client: TestClient, sign_in: SignIn, desk: FakeDesk
) -> None:
    ana = await sign_in("ana")
    await client.post("/api/v1/agent/login", json={"extension": "1001", "campaign_id": "preview"},
                      headers=ana)  # fmt: skip
    await client.post("/api/v1/agent/ready", headers=ana)

    dial_nothing = await client.post("/api/v1/agent/preview/dial", headers=ana)
    assert dial_nothing.status == 409

    first = await (await client.post("/api/v1/agent/preview/next", headers=ana)).json()
    assert first["screen_pop"]["debt_id"] == "D-1"
    assert first["screen_pop"]["preview"] is True
    assert first["screen_pop"]["attempt_id"] is None

    skip = await client.post("/api/v1/agent/preview/skip", headers=ana)
    assert skip.status == 204
    assert desk.preview_leads == ["D-2", "D-1"]

    second = await (await client.post("/api/v1/agent/preview/next", headers=ana)).json()
    assert second["screen_pop"]["debt_id"] == "D-2"
    desk.pbx_refuses = True  # Asterisk will not take the agent off pause: try again later
    refused = await client.post("/api/v1/agent/preview/dial", headers=ana)
    assert refused.status == 503
    assert "nothing was dialed" in (await refused.json())["error"]
    shown = await (await client.get("/api/v1/agent", headers=ana)).json()
    assert shown["screen_pop"]["debt_id"] == "D-2"  # still on screen, to dial again
    desk.pbx_refuses = False
    dial = await client.post("/api/v1/agent/preview/dial", headers=ana)
    assert dial.status == 200
    dialled = (await dial.json())["screen_pop"]
    assert dialled["debt_id"] == "D-2"
    assert dialled["preview"] is False
    assert desk.status("ana").value == "on_call"


async def test_preview_next_answers_null_when_the_list_is_done(
    client: TestClient, sign_in: SignIn, desk: FakeDesk
) -> None:
    desk.preview_leads.clear()
    ana = await sign_in("ana")
    await client.post("/api/v1/agent/login", json={"extension": "1001", "campaign_id": "preview"},
                      headers=ana)  # fmt: skip
    response = await client.post("/api/v1/agent/preview/next", headers=ana)
    assert response.status == 200
    assert await response.json() == {"screen_pop": None}


async def test_a_bug_in_the_desk_answers_500_and_the_api_keeps_serving(
    client: TestClient, sign_in: SignIn, desk: FakeDesk
) -> None:
    ana = await sign_in("ana")
    desk.broken = True
    response = await client.get("/api/v1/campaigns", headers=ana)
    assert response.status == 500
    assert await response.json() == {"error": "internal error: the request was not completed"}
    desk.broken = False
    assert (await client.get("/api/v1/campaigns", headers=ana)).status == 200
