"""A campaign's own script rules (its configuration's ``scripts``) choose what its agents see."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from dialer.campaigns.config import CampaignConfig
from dialer.campaigns.lists import create_campaign, update_campaign_config
from recoup.demo_centre import demo_campaign_config, prepare_demo
from recoup.scripts.library import load_screen_pop
from recoup.storage import tables as t
from tests.conftest import DatabaseUnderTest

NOW = datetime(2026, 12, 7, 17, 0, tzinfo=UTC)


def with_rules(*rules: dict[str, object]) -> CampaignConfig:
    return CampaignConfig.model_validate({**demo_campaign_config().to_json(), "scripts": rules})


async def test_a_campaign_rule_overrides_the_profile_script_in_that_campaign_only(
    database: DatabaseUnderTest, tmp_path: Path
) -> None:
    engine = database.engine
    await prepare_demo(engine, tmp_path / "debtors", debtors=12, seed=4, now=NOW)
    legal = with_rules({"script_id": "broken_promise.en", "profile": "never_paid"})
    async with engine.begin() as conn:
        await create_campaign(conn, "legal", "Pre-legal review", legal, now=NOW)
    async with engine.connect() as conn:
        debtors = (await conn.execute(select(t.debtor.c.id).order_by(t.debtor.c.id))).scalars()
        pops = [
            await load_screen_pop(conn, d, today=NOW.date(), campaign_id="demo") for d in debtors
        ]
        never_paid = next(p for p in pops if p.verdict.profile.value == "never_paid")
        other = next(p for p in pops if p.verdict.profile.value != "never_paid")
        debtor = never_paid.file.debtor.id
        in_legal = await load_screen_pop(conn, debtor, today=NOW.date(), campaign_id="legal")
        other_in_legal = await load_screen_pop(
            conn, other.file.debtor.id, today=NOW.date(), campaign_id="legal"
        )
    assert never_paid.compiled.script.id == "never_paid.en"
    assert in_legal.compiled.script.id == "broken_promise.en"
    assert other_in_legal.compiled.script.id == other.compiled.script.id  # the rule's profile only

    # Changing the campaign replaces its rules: without them the profile's script is back.
    async with engine.begin() as conn:
        await update_campaign_config(conn, "legal", with_rules())
    async with engine.connect() as conn:
        again = await load_screen_pop(conn, debtor, today=NOW.date(), campaign_id="legal")
    assert again.compiled.script.id == "never_paid.en"


async def test_a_rule_naming_a_script_that_does_not_exist_is_refused(
    database: DatabaseUnderTest, tmp_path: Path
) -> None:
    engine = database.engine
    await prepare_demo(engine, tmp_path / "debtors", debtors=2, seed=4, now=NOW)
    with pytest.raises(IntegrityError):
        async with engine.begin() as conn:
            await create_campaign(
                conn, "typo", "Typo", with_rules({"script_id": "no_such_script"}), now=NOW
            )
    async with engine.connect() as conn:
        stored = await conn.execute(select(t.campaign.c.id).where(t.campaign.c.id == "typo"))
        assert stored.first() is None, "nothing of the refused campaign is stored"
