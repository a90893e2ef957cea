"""A whole campaign on pbxsim, time-scaled: 200 debtors, 5 simulated agents, to completion.

The dialer, its compliance gate, the agents' desk and the dispositions run as in production;
only Asterisk (pbxsim) and the people (simulated agents, simulated debtors) are stand-ins.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiomqtt
import pytest
from sqlalchemy import func, select

from recoup.bus.mqtt import BrokerAddress
from recoup.compliance.audit import run_audit
from recoup.demo_centre import DEMO_CAMPAIGN, HeadlessOptions, run_headless
from recoup.storage import tables as t
from tests.conftest import MQTT_ENV, DatabaseUnderTest, service_url

MONDAY = datetime(2026, 12, 7, 15, 30, tzinfo=UTC)  # 10:30 New York, 07:30 Los Angeles
MONDAY_NOON = datetime(2026, 12, 7, 17, 0, tzinfo=UTC)  # every US debtor's window is open


@pytest.mark.timeout(300)
async def test_a_campaign_of_200_debtors_runs_to_completion_within_the_law(
    database: DatabaseUnderTest, tmp_path: Path
) -> None:
    options = HeadlessOptions(agents=5, debtors=200, speed=40.0, seed=3, hours=3, talk_s=(10, 40))
    summary = await run_headless(database.engine, tmp_path / "debtors", options, start=MONDAY)

    assert summary["stopped_because"] == "every lead worked", summary
    assert summary["prepared"]["leads"] == 200
    assert summary["calls"] >= 200  # every lead dialed at least once (and some retried)
    # Los Angeles is outside the window at 07:30: the gate refused those dials until 08:00.
    assert summary["refusals_by_rule"].get("calling_window", 0) > 0
    assert summary["abandon_rate"] <= 0.03

    engine = database.engine
    a = t.contact_attempt
    async with engine.connect() as conn:
        open_or_unknown = await conn.execute(
            select(func.count()).where(a.c.closed_at.is_(None) | a.c.outcome.is_(None))
        )
        assert open_or_unknown.scalar_one() == 0, "every call is closed with its outcome"
        report = await run_audit(conn)
        assert report.clean, report.counts()
        assert report.calls_checked == summary["calls"]

        # A promise flows through: a PromiseToPay, its check (and reminder) follow-ups, lead done.
        promise = (await conn.execute(select(t.promise.c.debt_id).limit(1))).scalar_one()
        kinds = set((await conn.execute(
            select(t.follow_up.c.kind).where(t.follow_up.c.debt_id == promise)
        )).scalars())  # fmt: skip
        assert "promise_check" in kinds
        assert await _lead_status(conn, promise) == "done"
        # An issue: opened in its bucket, and the debt is off the list until it is resolved.
        issue = (await conn.execute(select(t.issue.c.debt_id).limit(1))).scalar_one()
        assert await _lead_status(conn, issue) == "removed"
        # A callback: scheduled as a follow-up, and the lead is due again at the agreed time.
        callback = (await conn.execute(
            select(t.follow_up.c.debt_id, t.follow_up.c.due_at)
            .where(t.follow_up.c.kind == "callback").limit(1)
        )).one()  # fmt: skip
        lead = (await conn.execute(
            select(t.campaign_lead.c.status, t.campaign_lead.c.next_at)
            .where(t.campaign_lead.c.debt_id == callback.debt_id)
        )).one()  # fmt: skip
        assert lead.status == "ready"
        assert _utc(lead.next_at) == _utc(callback.due_at)

    # Each debtor saw the script of their payment profile (the default scripts are per profile).
    shown = summary["scripts_by_profile"]
    assert shown, "screen pops reached the agents"
    for pair in shown:
        profile, script = pair.split(" -> ")
        assert script == f"{profile}.en", pair


async def _lead_status(conn: Any, debt_id: str) -> str:
    cl = t.campaign_lead
    row = await conn.execute(
        select(cl.c.status).where(cl.c.campaign_id == DEMO_CAMPAIGN, cl.c.debt_id == debt_id)
    )
    return str(row.scalar_one())


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def test_the_campaigns_events_reach_a_real_mqtt_subscriber(
    sqlite_database: DatabaseUnderTest, tmp_path: Path
) -> None:
    url = service_url(MQTT_ENV, "MQTT broker")
    address = BrokerAddress.parse(url)
    received: list[tuple[str, dict[str, Any]]] = []

    async def listen(ready: asyncio.Event) -> None:
        async with aiomqtt.Client(address.host, address.port) as client:
            await client.subscribe("recoup/v1/#")
            ready.set()
            async for message in client.messages:
                payload = message.payload if isinstance(message.payload, bytes) else b"{}"
                received.append((str(message.topic), json.loads(payload)))

    ready = asyncio.Event()
    listener = asyncio.create_task(listen(ready))
    await asyncio.wait_for(ready.wait(), 10)
    try:
        options = HeadlessOptions(agents=2, debtors=12, speed=40.0, seed=5, hours=1, talk_s=(5, 15))
        summary = await run_headless(
            sqlite_database.engine, tmp_path / "debtors", options, mqtt_url=url, start=MONDAY_NOON
        )
        await asyncio.sleep(1.0)  # the last publications in flight
    finally:
        listener.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listener
    topics = [topic for topic, _ in received]
    assert summary["calls"] > 0
    assert any(t.startswith("recoup/v1/agents/agent1/state") for t in topics)
    assert any(t.endswith("/screen_pop") for t in topics)
    assert any(t.startswith("recoup/v1/campaigns/demo/status") for t in topics)
    placed = {p["channel_id"] for topic, p in received if topic.endswith("/dial_placed")}
    async with sqlite_database.engine.connect() as conn:
        dialed = set((await conn.execute(select(t.contact_attempt.c.pbx_channel_id))).scalars())
    assert len(dialed) == summary["calls"]
    assert dialed <= placed, "every call placed was published"  # (other runs may share the broker)
