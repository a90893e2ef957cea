"""The outcome of a call, from the agent's JSON to the typed record the desk writes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from recoup.dispositions.record import (
    Callback,
    Dispute,
    NoConversation,
    Paid,
    PromiseToPay,
    Refused,
    WrongParty,
)
from recoup.domain.model import Disposition
from recoup.domain.money import Money
from tests.integration.agent_api.conftest import NOW, SignIn
from tests.integration.agent_api.fake_desk import FakeDesk

PROMISE = {"code": "promise_to_pay", "amount": "120.00", "currency": "USD", "due_on": "2026-12-05"}


async def on_a_call(client: TestClient, sign_in: SignIn, desk: FakeDesk, who: str = "ana"):
    """``who`` logged in, ready, and on a call that has just ended: (headers, attempt id)."""
    headers = await sign_in(who)
    await client.post("/api/v1/agent/login", json={"extension": "1001", "campaign_id": "east"},
                      headers=headers)  # fmt: skip
    await client.post("/api/v1/agent/ready", headers=headers)
    pop = desk.connect_call(who)
    desk.hang_up(who)
    assert pop.attempt_id is not None
    return headers, pop.attempt_id


@pytest.mark.parametrize(
    ("body", "record"),
    [
        (
            {
                "code": "promise_to_pay",
                "amount": "120.00",
                "currency": "USD",
                "due_on": "2026-12-05",
            },
            PromiseToPay(Money(12000, "USD"), date(2026, 12, 5)),
        ),
        (
            {
                "code": "promise_to_pay",
                "amount": "1,500",
                "currency": "jpy",
                "due_on": "2026-12-01",
            },
            PromiseToPay(Money(1500, "JPY"), date(2026, 12, 1)),
        ),
        (
            {"code": "dispute", "bucket": "service", "description": "the router never worked"},
            Dispute("service", "the router never worked"),
        ),
        (
            {"code": "callback", "at": "2026-11-21T10:30:00-05:00", "note": "after school run"},
            Callback(datetime(2026, 11, 21, 15, 30, tzinfo=UTC), "after school run"),
        ),
        ({"code": "wrong_party", "phone": "+12125550199"}, WrongParty("+12125550199")),
        ({"code": "refused", "note": "will not pay"}, Refused("will not pay")),
        ({"code": "refused"}, Refused("")),
        (
            {"code": "paid", "note": "paid by bank transfer on Monday"},
            Paid("paid by bank transfer on Monday"),
        ),
        ({"code": "left_message"}, NoConversation(Disposition.LEFT_MESSAGE)),
        ({"code": "machine"}, NoConversation(Disposition.MACHINE)),
        ({"code": "no_answer"}, NoConversation(Disposition.NO_ANSWER)),
    ],
    ids=lambda v: v["code"] if isinstance(v, dict) else "",
)
async def test_each_outcome_reaches_the_desk_as_its_typed_record(
    client: TestClient, sign_in: SignIn, desk: FakeDesk, body: dict[str, Any], record: object
) -> None:
    headers, attempt = await on_a_call(client, sign_in, desk)
    response = await client.post(
        f"/api/v1/agent/calls/{attempt}/disposition", json=body, headers=headers
    )
    assert response.status == 201, await response.text()
    saved = await response.json()
    assert saved["attempt_id"] == attempt
    assert saved["code"] == body["code"]
    assert saved["agent"]["status"] == "ready"  # the disposition ended the wrap-up
    [disposed] = desk.disposed
    assert disposed.record == record
    assert disposed.username == "ana"
    assert disposed.now == NOW  # time comes from the injected clock


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"code": "promise_to_pay", "currency": "USD"}, {"amount", "due_on"}),
        (
            {"code": "promise_to_pay", "amount": 120, "currency": "USD", "due_on": "2026-12-05"},
            {"amount"},
        ),
        (
            {
                "code": "promise_to_pay",
                "amount": "12.345",
                "currency": "USD",
                "due_on": "2026-12-05",
            },
            {"amount"},
        ),
        (
            {"code": "promise_to_pay", "amount": "0", "currency": "USD", "due_on": "2026-12-05"},
            {"amount"},
        ),
        (
            {"code": "promise_to_pay", "amount": "10", "currency": "XYZ", "due_on": "5 Dec"},
            {"currency", "due_on"},
        ),
        ({"code": "dispute", "bucket": "service"}, {"description"}),
        ({"code": "callback", "at": "2026-11-21T10:30:00"}, {"at"}),
        ({"code": "callback", "at": "tomorrow"}, {"at"}),
        ({"code": "wrong_party", "phone": "212-555-0199"}, {"phone"}),
        ({"code": "refused", "note": ["a", "list"]}, {"note"}),
        ({"code": "paid", "amount": "10"}, {"amount"}),
        ({"code": "busy", "note": "x"}, {"note"}),
        ({"code": "maybe"}, {"code"}),
        ({"outcome": "paid"}, {"code"}),
    ],
)
async def test_a_disposition_that_does_not_fit_is_422_field_by_field(
    client: TestClient, sign_in: SignIn, desk: FakeDesk, body: dict[str, Any], fields: set[str]
) -> None:
    headers, attempt = await on_a_call(client, sign_in, desk)
    response = await client.post(
        f"/api/v1/agent/calls/{attempt}/disposition", json=body, headers=headers
    )
    assert response.status == 422
    answer = await response.json()
    assert {e["field"] for e in answer["errors"]} == fields
    assert all(e["message"] for e in answer["errors"])
    assert desk.disposed == []
    assert desk.status("ana").value == "wrap_up"


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        (PROMISE | {"amount": "1e999999"}, {"amount"}),
        (PROMISE | {"amount": "1e5000"}, {"amount"}),
        (PROMISE | {"amount": "1E2"}, {"amount"}),
        (PROMISE | {"amount": "\u0661\u0662\u0663"}, {"amount"}),
        (PROMISE | {"amount": "+5"}, {"amount"}),
        ({"code": "callback", "at": "9999-12-31T23:59:59-12:00"}, {"at"}),
        ({"code": "callback", "at": "0001-01-01T00:00:00+14:00"}, {"at"}),
        ({"code": "refused", "note": "will not\u0000pay"}, {"note"}),
        ({"code": "dispute", "bucket": "service\r\nx", "description": "broken"}, {"bucket"}),
        ({"code": "dispute", "bucket": "service", "description": "a\u001bb"}, {"description"}),
    ],
    ids=[
        "amount-overflowing-exponent", "amount-huge-exponent", "amount-exponent",
        "amount-arabic-digits", "amount-with-sign", "callback-after-year-9999",
        "callback-before-year-1", "note-with-nul", "bucket-with-line-break", "description-escape",
    ],
)  # fmt: skip
async def test_an_amount_date_or_text_the_records_cannot_hold_is_422_not_500(
    client: TestClient, sign_in: SignIn, desk: FakeDesk, body: dict[str, Any], fields: set[str]
) -> None:
    headers, attempt = await on_a_call(client, sign_in, desk)
    response = await client.post(
        f"/api/v1/agent/calls/{attempt}/disposition", json=body, headers=headers
    )
    assert response.status == 422, await response.text()
    assert {e["field"] for e in (await response.json())["errors"]} == fields
    assert desk.disposed == []
    assert desk.status("ana").value == "wrap_up"
    # a note may still run over several lines
    note = "says the bill is wrong\n\tand will not pay"
    response = await client.post(
        f"/api/v1/agent/calls/{attempt}/disposition", json={"code": "refused", "note": note},
        headers=headers,
    )  # fmt: skip
    assert response.status == 201
    assert [d.record for d in desk.disposed] == [Refused(note)]


async def test_an_unknown_code_lists_the_codes_there_are(
    client: TestClient, sign_in: SignIn, desk: FakeDesk
) -> None:
    headers, attempt = await on_a_call(client, sign_in, desk)
    response = await client.post(
        f"/api/v1/agent/calls/{attempt}/disposition", json={"code": "ptp"}, headers=headers
    )
    [problem] = (await response.json())["errors"]
    assert problem["field"] == "code"
    assert all(d.value in problem["message"] for d in Disposition)


async def test_an_agent_cannot_dispose_of_another_agents_call(
    client: TestClient, sign_in: SignIn, desk: FakeDesk
) -> None:
    _, attempt = await on_a_call(client, sign_in, desk, "ana")
    bob, _ = await on_a_call(client, sign_in, desk, "bob")
    response = await client.post(
        f"/api/v1/agent/calls/{attempt}/disposition", json={"code": "refused"}, headers=bob
    )
    assert response.status == 404
    assert await response.json() == {"error": f"call {attempt} is not yours to dispose of"}
    assert desk.disposed == []


@pytest.mark.parametrize("attempt", ["abc", "-1", "0", "1.5", "99999999999999999999999", "١٢"])
async def test_an_attempt_id_that_is_not_a_positive_integer_is_404(
    client: TestClient, sign_in: SignIn, attempt: str
) -> None:
    response = await client.post(
        f"/api/v1/agent/calls/{attempt}/disposition", json={"code": "refused"},
        headers=await sign_in("ana"),
    )  # fmt: skip
    assert response.status == 404
    assert "positive integers" in (await response.json())["error"]


async def test_a_supervisor_does_not_dispose_of_calls(
    client: TestClient, sign_in: SignIn, desk: FakeDesk
) -> None:
    _, attempt = await on_a_call(client, sign_in, desk, "ana")
    response = await client.post(
        f"/api/v1/agent/calls/{attempt}/disposition", json={"code": "refused"},
        headers=await sign_in("sue"),
    )  # fmt: skip
    assert response.status == 403
    assert desk.disposed == []
