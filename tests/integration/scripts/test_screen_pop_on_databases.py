"""The screen pop at connect, on SQLite and on the real PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, update

from recoup.imports.run import import_accounts, import_payments
from recoup.rules.payment_profile import PaymentProfile
from recoup.scripts.choice import ScriptRule
from recoup.scripts.context import Agency
from recoup.scripts.library import (
    DebtorNotFoundError,
    add_script_rule,
    load_script_rules,
    load_scripts,
    save_script,
    screen_pop,
    seed_default_scripts,
)
from recoup.scripts.render import MINI_MIRANDA, RECORDING_ANNOUNCEMENT, Script, ScriptTemplateError
from recoup.scripts.screen_pop import ScreenPop
from recoup.storage import tables as t
from tests.conftest import DatabaseUnderTest

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
TODAY = date(2026, 11, 20)
AGENCY = Agency("Fairway Recovery", creditor="Metro Telecom")


async def the_sample_book(db: DatabaseUnderTest) -> None:
    """The sample accounts and payments, and the shipped scripts."""
    await import_accounts(db.engine, EXAMPLES / "accounts.csv", now=NOW, default_region="US",
                          default_timezone="America/New_York")  # fmt: skip
    await import_payments(db.engine, EXAMPLES / "payments.csv", now=NOW)
    async with db.engine.begin() as c:
        await seed_default_scripts(c)


async def pop(db: DatabaseUnderTest, debtor_id: str, campaign_id: str = "") -> ScreenPop:
    async with db.engine.connect() as c:
        return await screen_pop(c, debtor_id, today=TODAY, agent_name="Alex", agency=AGENCY,
                                campaign_id=campaign_id)  # fmt: skip


async def test_screen_pop_shows_the_file_and_the_script_for_the_payment_history(
    database: DatabaseUnderTest,
) -> None:
    await the_sample_book(database)
    screen = await pop(database, "ACC-1001")
    assert screen.debtor.name == "Maria Lopez"
    assert [d.id for d in screen.debts] == ["INV-1001-1", "INV-1001-2"]
    assert [p.reference for p in screen.payments] == ["PAY-5001"]
    assert screen.verdict.profile is PaymentProfile.NEW_DELINQUENT
    assert screen.script.script_id == "new_delinquent.en"
    assert screen.script.opening[-1] == MINI_MIRANDA["en"]
    assert "215.50 USD that was due on October 15, 2026" in screen.script.text
    assert "Last payment received: 480.00 USD on November 2, 2026" in screen.script.text
    assert screen.segment == "retail"


async def test_screen_pop_announces_the_recording_where_all_parties_must_consent(
    database: DatabaseUnderTest,
) -> None:
    await the_sample_book(database)
    screen = await pop(database, "ACC-1004")
    assert screen.verdict.profile is PaymentProfile.HIGH_BALANCE
    assert screen.script.script_id == "high_balance.en"
    assert RECORDING_ANNOUNCEMENT["en"] in screen.script.opening


async def test_screen_pop_serves_as_json(database: DatabaseUnderTest) -> None:
    await the_sample_book(database)
    async with database.engine.begin() as c:
        await c.execute(
            insert(t.issue).values(bucket="service", debt_id="INV-1006-1",
                                   description="Phone never arrived", opened_at=NOW)
        )  # fmt: skip
    document = json.loads(json.dumps((await pop(database, "ACC-1006")).as_json()))
    assert document["debtor"]["name"] == "Carlos Ramirez"
    assert document["debts"][0]["balance"] == "640.00 USD"
    assert document["debts"][0]["days_past_due"] == 61
    assert document["open_issues"][0]["description"] == "Phone never arrived"
    assert document["profile"]["profile"] == "disputing"
    assert document["script"]["id"] == "disputing.es"
    assert document["script"]["reason"] == "no rule matches: the default script for disputing in es"
    assert MINI_MIRANDA["es"] in document["script"]["opening"]


async def test_a_campaign_rule_in_the_table_chooses_its_own_script(
    database: DatabaseUnderTest,
) -> None:
    await the_sample_book(database)
    async with database.engine.begin() as c:
        await save_script(c, Script("winter_gentle", "Winter reminder",
                                    "<p>Season's greetings, {{ first_name }}.</p>"))  # fmt: skip
        rule_id = await add_script_rule(
            c, ScriptRule("winter_gentle", profile=PaymentProfile.NEW_DELINQUENT, campaign_id="w1")
        )
        rules = await load_script_rules(c)
    assert rules == [ScriptRule("winter_gentle", PaymentProfile.NEW_DELINQUENT, campaign_id="w1",
                                id=rule_id)]  # fmt: skip
    in_campaign = await pop(database, "ACC-1001", campaign_id="w1")
    elsewhere = await pop(database, "ACC-1001", campaign_id="c9")
    assert in_campaign.script.script_id == "winter_gentle"
    assert "Season's greetings, Maria." in in_campaign.script.text
    assert in_campaign.script.opening[-1] == MINI_MIRANDA["en"]
    assert elsewhere.script.script_id == "new_delinquent.en"


async def test_a_script_with_a_typo_is_refused_when_saved(database: DatabaseUnderTest) -> None:
    async with database.engine.begin() as c:
        with pytest.raises(ScriptTemplateError, match="balanse"):
            await save_script(c, Script("typo", "Typo", "<p>{{ balanse }}</p>"))
        assert "typo" not in await load_scripts(c)


async def test_a_broken_script_slipped_into_the_table_gives_way_to_the_shipped_one(
    database: DatabaseUnderTest,
) -> None:
    await the_sample_book(database)
    async with database.engine.begin() as c:
        await c.execute(
            update(t.script).where(t.script.c.id == "new_delinquent.en")
            .values(body="<p>{{ oops }}</p>")
        )  # fmt: skip
    screen = await pop(database, "ACC-1001")
    assert "Thank you for taking my call, Maria." in screen.script.text
    assert "could not be used" in screen.script_reason


async def test_seeding_the_shipped_scripts_twice_keeps_an_edited_one(
    database: DatabaseUnderTest,
) -> None:
    async with database.engine.begin() as c:
        first = await seed_default_scripts(c)
        await save_script(
            c, Script("current.en", "Courtesy", "<p>Hi {{ first_name }}</p>", "current")
        )
        second = await seed_default_scripts(c)
        count = (await c.execute(select(func.count()).select_from(t.script))).scalar_one()
        scripts = await load_scripts(c)
    assert "current.en" in first
    assert second == []
    assert count == len(first)
    assert scripts["current.en"].body == "<p>Hi {{ first_name }}</p>"


async def test_screen_pop_for_an_unknown_debtor_says_so(database: DatabaseUnderTest) -> None:
    with pytest.raises(DebtorNotFoundError, match="ACC-404"):
        await pop(database, "ACC-404")


async def test_screen_pop_uses_the_shipped_scripts_before_any_are_seeded(
    database: DatabaseUnderTest,
) -> None:
    await import_accounts(database.engine, EXAMPLES / "accounts.csv", now=NOW, default_region="US",
                          default_timezone="America/New_York")  # fmt: skip
    screen = await pop(database, "ACC-1006")
    assert screen.verdict.profile is PaymentProfile.NEVER_PAID
    assert screen.script.script_id == "never_paid.es"
    assert screen.script.opening[-1] == MINI_MIRANDA["es"]
    async with database.engine.connect() as c:
        assert await load_scripts(c) == {}


async def test_an_evening_call_in_california_reads_the_debtors_own_date_not_tomorrows(
    database: DatabaseUnderTest,
) -> None:
    # 7 pm in San Francisco on 20 November is already 21 November in UTC.
    await the_sample_book(database)
    async with database.engine.begin() as c:
        await c.execute(update(t.debt).where(t.debt.c.id == "INV-1004-1").values(
            due_date=date(2026, 11, 20)))  # fmt: skip
        await c.execute(update(t.debtor).where(t.debtor.c.id == "ACC-1004").values(
            timezone="America/Los_Angeles"))  # fmt: skip
    evening = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)
    async with database.engine.connect() as c:
        screen = await screen_pop(c, "ACC-1004", now=evening, agent_name="Alex", agency=AGENCY)
    assert screen.today == date(2026, 11, 20)
    due_today = next(d for d in screen.as_json()["debts"] if d["id"] == "INV-1004-1")
    assert due_today["days_past_due"] == 0
    with pytest.raises(ValueError, match="either"):
        async with database.engine.connect() as c:
            await screen_pop(c, "ACC-1004", agent_name="Alex", agency=AGENCY)
