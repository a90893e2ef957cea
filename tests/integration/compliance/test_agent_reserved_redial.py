"""A UK redial an agent was reserved for, within 72 h of an abandon: the gate lets it through,
its attempt says so, and the audit (which replays only what was stored) passes it too."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dialer.campaigns.claims import ClaimedLead
from dialer.campaigns.config import CampaignConfig
from dialer.engine.attempts import close_attempt, record_connect, record_undisposed
from dialer.engine.base import RECOUP_MEMBERS
from dialer.engine.campaign_run import CampaignRun
from dialer.engine.dialing import gate_and_open
from dialer.pacing.snapshot import DialMode
from recoup.compliance.audit import run_audit
from tests.conftest import DatabaseUnderTest
from tests.integration.compliance.collections_history import History

UK_PHONE = "+447700900123"
NOW = datetime(2026, 6, 3, 15, tzinfo=UTC)  # 16:00 in London


async def test_a_reserved_uk_redial_is_stored_as_reserved_and_passes_the_audit(
    database: DatabaseUnderTest, history: History
) -> None:
    config = CampaignConfig(caller_id="+442071234567", uk_mode=True, dial_mode=DialMode.PREVIEW)
    await history.campaign("UK1", **config.to_json())
    await history.debtor("P1", zone="Europe/London", phone=UK_PHONE)
    await history.debt("INV-1", "P1")
    abandoned = NOW - timedelta(hours=5)
    await history.call("INV-1", "P1", abandoned, campaign="UK1", abandoned=True, phone=UK_PHONE,
                       closed_at=abandoned + timedelta(seconds=30))  # fmt: skip
    run = CampaignRun("UK1", "UK", config, RECOUP_MEMBERS)
    lead = ClaimedLead("UK1", "INV-1", "P1", (UK_PHONE,), "Europe/London", 1, 0, "D1", NOW)
    async with database.engine.begin() as c:
        dial = await gate_and_open(c, run, lead, channel_id="D1-1", now=NOW, agent_reserved=True)
        assert dial.verdict.allowed
        assert dial.attempt_id is not None
        await record_connect(c, dial.attempt_id, at=NOW + timedelta(seconds=20), agent="alice")
        await close_attempt(c, dial.attempt_id, at=NOW + timedelta(minutes=5), outcome=None)
        await record_undisposed(c, dial.attempt_id)  # the wrap-up ran out: still reserved
    async with database.engine.connect() as c:
        report = await run_audit(c)
    assert [(f.rule, f.attempt_id) for f in report.findings if f.attempt_id] == []
