"""The agent API over the real dialer on pbxsim, from where a person's browser sits.

HTTP and the websocket against ``recoup serve``'s app (:func:`recoup.serve.serving_api`) over a
running dialer: alice signs in, logs in to the predictive demo campaign and gets ready; the
dialer calls a debtor who answers, the call pops on her screen with the script, the debtor hangs
up, she records a promise to pay, pauses for lunch and logs out.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import WSMsgType
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from dialer.ami.session import AmiSettings
from dialer.campaigns.lists import update_campaign_config
from dialer.engine.runner import DialerSettings
from pbxsim import PbxSim
from pbxsim.behaviour import HangupBy, Outcome, PartyBehaviour
from recoup.clock import ScaledClock
from recoup.contact_centre import ContactCentre, running_dialer
from recoup.demo_centre import DEMO_CAMPAIGN, demo_campaign_config, demo_pbx_config, prepare_demo
from recoup.domain.model import Role
from recoup.serve import serving_api
from recoup.storage import tables as t
from recoup.users.accounts import add_user
from tests.conftest import DatabaseUnderTest
from tests.integration.dialer.floor import until

#: Monday noon in New York (09:00 in Los Angeles): inside every demo debtor's calling window
MONDAY_NOON = datetime(2026, 12, 7, 17, 0, tzinfo=UTC)
DIALER_ID = "api-dialer"
PASSWORD = "alice's long passphrase"
AGENCY = "Recoup Collections"  # DialerSettings' default agency


@dataclass
class Browser:
    """alice's browser: her session's token and everything her websocket received."""

    http: aiohttp.ClientSession
    base: str
    headers: dict[str, str] = field(default_factory=dict)
    feed: list[dict[str, Any]] = field(default_factory=list)

    async def post(self, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        async with self.http.post(self.base + path, json=body, headers=self.headers) as response:
            return response.status, await response.json()

    async def get(self, path: str) -> tuple[int, Any]:
        async with self.http.get(self.base + path, headers=self.headers) as response:
            return response.status, await response.json()

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.feed if m["type"] == kind]

    def states(self) -> list[str]:
        """The agent's states as the feed told them, in order."""
        return [m["payload"]["state"] for m in self.of_type("agent_state_changed")]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def leads_with_phones(engine: AsyncEngine) -> list[tuple[str, int, str]]:
    """(debt id, balance, phone) of every lead on the demo's list, highest balance first."""
    cl, d, a, p = t.campaign_lead, t.debt, t.account, t.phone
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(cl.c.debt_id, d.c.balance_minor, p.c.number)
            .join(d, d.c.id == cl.c.debt_id)
            .join(a, a.c.id == d.c.account_id)
            .join(p, p.c.debtor_id == a.c.debtor_id)
            .where(cl.c.campaign_id == DEMO_CAMPAIGN)
            .order_by(d.c.balance_minor.desc())
        )
        return [(row.debt_id, row.balance_minor, row.number) for row in rows]


@contextlib.asynccontextmanager
async def served_centre(
    engine: AsyncEngine, clock: ScaledClock
) -> AsyncIterator[tuple[ContactCentre, PbxSim, str]]:
    """pbxsim, the dialer and the agent API on a free port; the API's base URL."""
    async with PbxSim(demo_pbx_config(seed=3, talk_s=(5.0, 10.0)), clock) as pbx:
        ami = AmiSettings(
            host=pbx.host, port=pbx.port, username="dialer", secret="dialerpass",
            action_timeout_s=2.0,
        )  # fmt: skip
        settings = DialerSettings(
            dialer_id=DIALER_ID, supervisor_phone="Local/{extension}@recoup-agents/n"
        )
        async with running_dialer(engine=engine, ami=ami, clock=clock, settings=settings) as centre:
            port = free_port()
            async with serving_api(centre, clock, host="127.0.0.1", port=port):
                yield centre, pbx, f"http://127.0.0.1:{port}"


async def read_feed(ws: aiohttp.ClientWebSocketResponse, into: list[dict[str, Any]]) -> None:
    """Keep every message as it arrives (the test looks at ``into`` meanwhile)."""
    while (message := await ws.receive()).type is WSMsgType.TEXT:
        into.append(json.loads(message.data))


async def test_an_agent_works_a_predictive_call_from_the_browser(
    sqlite_database: DatabaseUnderTest, tmp_path: Path
) -> None:
    engine = sqlite_database.engine
    clock = ScaledClock(20.0, start=MONDAY_NOON)
    prepared = await prepare_demo(engine, tmp_path / "debtors", debtors=6, seed=3, now=clock.now())
    assert prepared["leads"] >= 2
    async with engine.begin() as conn:
        # A wrap-up long enough that alice, not the timer, ends it.
        await update_campaign_config(conn, DEMO_CAMPAIGN, demo_campaign_config(wrap_up_s=600))
        await add_user(conn, "alice", PASSWORD, frozenset({Role.AGENT}), now=clock.now())

    # One debtor picks up (the biggest balance: first on the list); the others are busy, so
    # only one call ever reaches alice and none is abandoned.
    leads = await leads_with_phones(engine)
    answering_debt, _, answering_phone = leads[0]
    async with served_centre(engine, clock) as (centre, pbx, base):
        for _debt, _balance, number in leads:
            pbx.script(number, PartyBehaviour(Outcome.BUSY, ring_time=1))
        pbx.script(
            answering_phone,
            PartyBehaviour(Outcome.ANSWER, ring_time=2, talk_time=20, hangup_by=HangupBy.CUSTOMER),
        )
        async with aiohttp.ClientSession() as http:
            browser = Browser(http, base)

            # 1. Sign in; the feed opens with a snapshot.
            status, signed_in = await browser.post(
                "/api/v1/session", {"username": "alice", "password": PASSWORD}
            )
            assert status == 201, signed_in
            assert signed_in["user"]["username"] == "alice"
            browser.headers = {"Authorization": f"Bearer {signed_in['token']}"}
            async with http.ws_connect(
                base + "/api/v1/agent/events", headers=browser.headers
            ) as ws:
                first = await asyncio.wait_for(ws.receive(), 5.0)
                snapshot = json.loads(first.data)
                assert (snapshot["topic"], snapshot["type"]) == (
                    "recoup/v1/agents/alice/snapshot", "snapshot",
                )  # fmt: skip
                assert snapshot["payload"]["agent"]["status"] == "logged_out"
                assert snapshot["payload"]["screen_pop"] is None
                reader = asyncio.create_task(read_feed(ws, browser.feed))
                try:
                    await work_a_call(
                        browser, centre, engine, clock, answering_debt, answering_phone
                    )
                finally:
                    reader.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await reader


async def work_a_call(
    browser: Browser, centre: ContactCentre, engine: AsyncEngine, clock: ScaledClock,
    answering_debt: str, answering_phone: str,
) -> None:  # fmt: skip
    # 2. Log in at extension 1001 (paused), then ready.
    status, body = await browser.post(
        "/api/v1/agent/login", {"extension": "1001", "campaign_id": DEMO_CAMPAIGN}
    )
    assert status == 200, body
    assert (body["agent"]["status"], body["agent"]["pause_reason"]) == ("paused", "login")
    status, body = await browser.post("/api/v1/agent/ready")
    assert status == 200, body
    assert body["agent"]["status"] == "ready"

    # 3. The campaign dials; the debtor answers and pops on alice's screen.
    await until(lambda: browser.of_type("screen_popped"), 15, "a screen pop on the feed")
    (popped,) = browser.of_type("screen_popped")
    assert popped["topic"] == "recoup/v1/agents/alice/screen_pop"
    pop = popped["payload"]
    assert (pop["username"], pop["campaign_id"], pop["debt_id"]) == (
        "alice", DEMO_CAMPAIGN, answering_debt,
    )  # fmt: skip
    assert (pop["preview"], pop["phone"]) == (False, answering_phone)
    attempt_id = pop["attempt_id"]
    assert isinstance(attempt_id, int)
    assert pop["pop"]["debtor"]["id"] == pop["debtor_id"]
    assert answering_debt in {d["id"] for d in pop["pop"]["debts"]}
    script = pop["pop"]["script"]
    said = " ".join(script["opening"])
    assert "My name is alice" in said
    assert AGENCY in said
    assert "This is an attempt to collect a debt" in said  # the mini-Miranda, FDCPA 1692e(11)
    assert "attempt to collect a debt" in script["html"]
    assert browser.states()[-1:] == ["on_call"]
    status, body = await browser.get("/api/v1/agent")  # the debtor talks for 20 s (1 s real)
    assert status == 200, body
    assert body["agent"]["status"] == "on_call"
    assert body["screen_pop"]["attempt_id"] == attempt_id

    # The debtor hangs up: the call leaves alice, who wraps up.
    await until(lambda: browser.of_type("call_left_agent"), 15, "the call-ended message")
    (ended,) = browser.of_type("call_left_agent")
    assert ended["topic"] == "recoup/v1/agents/alice/call_ended"
    assert ended["payload"]["attempt_id"] == attempt_id
    await until(lambda: browser.states()[-1:] == ["wrap_up"], 5, "alice in wrap-up")

    # 4. A promise to pay: saved, and alice is ready again.
    due_on = (clock.now() + timedelta(days=5)).date().isoformat()
    promise = {"code": "promise_to_pay", "amount": "50.00", "currency": "USD", "due_on": due_on}
    path = f"/api/v1/agent/calls/{attempt_id}/disposition"
    status, saved = await browser.post(path, promise)
    assert status == 201, saved
    assert (saved["attempt_id"], saved["code"]) == (attempt_id, "promise_to_pay")
    assert "promise_recorded" in saved["events"]
    assert saved["agent"]["status"] == "ready"
    await centre.dialer.store.flush()
    p, a = t.promise, t.contact_attempt
    async with engine.connect() as conn:
        promises = list(await conn.execute(select(p.c.debt_id, p.c.amount_minor, p.c.due_on)))
        outcome = (await conn.execute(select(a.c.outcome).where(a.c.id == attempt_id))).scalar()
    assert [(r.debt_id, r.amount_minor, r.due_on.isoformat()) for r in promises] == [
        (answering_debt, 5_000, due_on)
    ]
    assert outcome == "promise_to_pay"

    # The same call cannot be disposed twice.
    status, refused = await browser.post(path, promise)
    assert status == 409, refused
    assert set(refused) == {"error"}
    assert str(attempt_id) in refused["error"]

    # 5. Lunch, then home.
    status, body = await browser.post("/api/v1/agent/pause", {"reason": "lunch"})
    assert status == 200, body
    assert (body["agent"]["status"], body["agent"]["pause_reason"]) == ("paused", "lunch")
    status, body = await browser.post("/api/v1/agent/logout")
    assert status == 200, body
    assert body["agent"]["status"] == "logged_out"
    await until(lambda: browser.states()[-1:] == ["logged_out"], 5, "the logout on the feed")
    assert browser.states() == [
        "paused", "ready", "on_call", "wrap_up", "ready", "paused", "logged_out",
    ]  # fmt: skip
    pauses = [m["payload"]["reason"] for m in browser.of_type("agent_state_changed")]
    assert pauses[0] == "login"
    assert pauses[-2] == "lunch"
