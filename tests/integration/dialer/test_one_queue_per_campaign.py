"""A dialer runs each campaign on an Asterisk queue of its own: a second active campaign on a
queue already in use is not started (its callers would reach the first campaign's agents, and
neither campaign's pacer could hold its abandon cap), and the log says why."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from dialer.campaigns.lists import create_campaign
from recoup.demo_centre import DEMO_CAMPAIGN, demo_campaign_config
from tests.conftest import DatabaseUnderTest
from tests.integration.dialer.floor import MONDAY, campaign_floor


@pytest.mark.timeout(60)
async def test_a_second_campaign_on_a_queue_in_use_is_not_started(
    sqlite_database: DatabaseUnderTest, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    engine = sqlite_database.engine
    async with campaign_floor(engine, tmp_path / "debtors", dialer_id="queue-dialer") as floor:
        dialer = floor.centre.dialer
        shared = demo_campaign_config()
        own = shared.model_copy(update={"queue": "recoup-telecom"})
        async with engine.begin() as conn:
            await create_campaign(conn, "retail", "Retail", shared, now=MONDAY, active=True)
            await create_campaign(conn, "telecom", "Telecom", own, now=MONDAY, active=True)
        caplog.set_level(logging.ERROR, logger="dialer.engine.runner")
        await dialer.load_campaigns()
        assert set(dialer.campaigns) == {DEMO_CAMPAIGN, "telecom"}
        refusal = " ".join(r.getMessage() for r in caplog.records)
        assert "retail is not started" in refusal
        assert DEMO_CAMPAIGN in refusal
