"""The compliance audit over a stored history: it finds seeded breaches and passes a clean one."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from recoup.compliance.audit import AuditRule, run_audit
from recoup.compliance.cli import audit_group
from recoup.storage.engine import make_engine
from recoup.storage.migrate import upgrade
from tests.conftest import DatabaseUnderTest
from tests.integration.compliance.collections_history import History

# Mondays to Fridays of June 2026, at 11:00 in New York.
JUNE_1 = datetime(2026, 6, 1, 15, 0, tzinfo=UTC)


def day(n: int, hour_utc: int = 15, minute: int = 0) -> datetime:
    return JUNE_1 + timedelta(days=n, hours=hour_utc - 15, minutes=minute)


async def audit(database: DatabaseUnderTest, **kwargs: object):  # type: ignore[no-untyped-def]
    async with database.engine.connect() as c:
        return await run_audit(c, **kwargs)  # type: ignore[arg-type]


async def a_clean_history(history: History) -> None:
    await history.campaign("C1", window={"start": "08:00:00", "end": "21:00:00"})
    await history.debtor("P1")
    await history.debt("INV-1", "P1")
    for n in range(0, 40, 2):  # every other day, answered by a person, never abandoned
        await history.call("INV-1", "P1", day(n), live=True)


async def test_a_lawful_history_is_clean(database: DatabaseUnderTest, history: History) -> None:
    await a_clean_history(history)
    report = await audit(database)
    assert report.clean
    assert report.calls_checked == 20
    assert report.debts_checked == 1
    assert report.campaigns == ("C1",)


async def test_audit_finds_every_seeded_breach(
    database: DatabaseUnderTest, history: History
) -> None:
    await history.campaign("C1", window={"holidays": ["2026-07-03"]})
    await history.debtor("LATE", candidates="America/New_York,America/Los_Angeles")
    await history.debt("INV-LATE", "LATE")
    # 14:30 UTC: 10:30 in New York, 07:30 in Los Angeles.
    early_in_la = await history.call("INV-LATE", "LATE", day(0, 14, 30))
    await history.call("INV-LATE", "LATE", datetime(2026, 7, 3, 16, tzinfo=UTC))  # holiday
    await history.debtor("BUSY", phone="+13125550111", zone="America/Chicago")
    await history.debt("INV-BUSY", "BUSY")
    for n in range(8):
        await history.call("INV-BUSY", "BUSY", day(7 + n // 2, 16 + n % 2), phone="+13125550111")
    await history.debtor("TALK", phone="+13125550122", zone="America/Chicago")
    await history.debt("INV-TALK", "TALK")
    await history.call("INV-TALK", "TALK", day(20), conversation=True, phone="+13125550122")
    paused = await history.call("INV-TALK", "TALK", day(23), phone="+13125550122")
    await history.debtor("DNC", phone="+13125550133", zone="America/Chicago", do_not_call=True)
    await history.debt("INV-DNC", "DNC")
    dnc = await history.call("INV-DNC", "DNC", day(25), phone="+13125550133")
    report = await audit(database)
    found = {(f.rule, f.attempt_id) for f in report.findings if f.attempt_id}
    assert (AuditRule.CALLING_WINDOW, early_in_la) in found
    assert (AuditRule.CONVERSATION_PAUSE, paused) in found
    assert (AuditRule.DO_NOT_CALL, dnc) in found
    rules = report.counts()
    assert rules["holiday"] == 1
    assert rules["contact_cap_7in7"] == 1  # the 8th call, and only it
    assert not report.clean
    dnc_finding = next(f for f in report.findings if f.rule is AuditRule.DO_NOT_CALL)
    assert "when the flag was set is not stored" in dnc_finding.detail


async def test_a_call_after_the_gate_saw_the_flag_names_the_refusal(
    database: DatabaseUnderTest, history: History
) -> None:
    await history.debtor("P1", cease=True)
    await history.debt("INV-1", "P1")
    await history.refusal("INV-1", "cease_communication", day(1))
    await history.call("INV-1", "P1", day(2))
    [finding] = (await audit(database)).findings
    assert finding.rule is AuditRule.CEASE_COMMUNICATION
    assert "the gate saw the flag at 2026-06-02 15:00 UTC" in finding.detail


async def test_abandon_rate_over_three_percent_in_thirty_days_is_a_breach(
    database: DatabaseUnderTest, history: History
) -> None:
    await history.campaign("C1")
    await history.debtor("P1")
    for n in range(20):
        await history.debt(f"INV-{n}", "P1")
        await history.call(f"INV-{n}", "P1", day(n % 5), live=True, abandoned=n < 2)
    [finding] = (await audit(database)).findings
    assert finding.rule is AuditRule.ABANDON_CAP_30D
    assert "2 abandoned of 20 live-answered" in finding.detail


async def test_uk_campaign_is_judged_per_day_and_on_redials_after_an_abandon(
    database: DatabaseUnderTest, history: History
) -> None:
    await history.campaign("UK1", uk_mode=True)
    await history.debtor("P1", zone="Europe/London", phone="+447700900123")
    await history.debt("INV-1", "P1")
    await history.debt("INV-2", "P1")
    london = datetime(2026, 6, 2, 10, tzinfo=UTC)  # 11:00 in London
    await history.call("INV-1", "P1", london, campaign="UK1", abandoned=True, phone="+447700900123")
    redial = await history.call(
        "INV-2",
        "P1",
        london + timedelta(hours=24),
        campaign="UK1",
        live=True,
        phone="+447700900123",
    )
    await history.call(
        "INV-2", "P1", london + timedelta(hours=25), campaign="UK1", live=True,
        phone="+447700900123", detail={"agent_reserved": True},
    )  # fmt: skip
    rules = {(f.rule, f.attempt_id) for f in (await audit(database)).findings}
    assert (AuditRule.UK_ABANDON_72H, redial) in rules
    assert len([r for r, _ in rules if r is AuditRule.UK_ABANDON_72H]) == 1
    assert (AuditRule.ABANDON_CAP_DAILY, None) in rules


async def test_a_redial_right_after_an_undisposed_agent_call_breaks_the_conversation_pause(
    database: DatabaseUnderTest, history: History
) -> None:
    """No disposition was recorded (the dialer restarted in wrap-up): the call was a talk."""
    await history.debtor("P1")
    await history.debt("INV-1", "P1")
    await history.debt("INV-2", "P1")
    await history.call("INV-1", "P1", day(1), agent="alice", closed_at=day(1, 15, 6))
    redial = await history.call("INV-1", "P1", day(1, 15, 8))
    await history.call("INV-2", "P1", day(1), agent="bob", outcome="wrong_party",
                       closed_at=day(1, 15, 1))  # fmt: skip
    await history.call("INV-2", "P1", day(2))
    found = [(f.rule, f.attempt_id) for f in (await audit(database)).findings]
    assert found == [(AuditRule.CONVERSATION_PAUSE, redial)]


async def test_uk_72_hours_are_counted_from_when_the_call_was_abandoned(
    database: DatabaseUnderTest, history: History
) -> None:
    await history.campaign("UK1", uk_mode=True)
    await history.debtor("P1", zone="Europe/London", phone="+447700900123")
    await history.debt("INV-1", "P1")
    dialed = datetime(2026, 6, 2, 10, tzinfo=UTC)  # 11:00 in London
    await history.call("INV-1", "P1", dialed, campaign="UK1", abandoned=True,
                       closed_at=dialed + timedelta(seconds=92), phone="+447700900123")  # fmt: skip
    too_soon = await history.call("INV-1", "P1", dialed + timedelta(hours=72, seconds=60),
                                  campaign="UK1", live=True, phone="+447700900123")  # fmt: skip
    await history.call("INV-1", "P1", dialed + timedelta(hours=73), campaign="UK1", live=True,
                       phone="+447700900123")  # fmt: skip
    found = [(f.rule, f.attempt_id) for f in (await audit(database)).findings if f.attempt_id]
    assert found == [(AuditRule.UK_ABANDON_72H, too_soon)]


async def test_since_and_campaign_narrow_what_is_judged_but_not_the_history(
    database: DatabaseUnderTest, history: History
) -> None:
    await history.debtor("P1")
    await history.debt("INV-1", "P1")
    for n in range(7):
        await history.call("INV-1", "P1", day(0, 15, n), campaign="OLD")
    eighth = await history.call("INV-1", "P1", day(3), campaign="NEW")
    report = await audit(database, campaign_id="NEW", since=day(2))
    assert [(f.rule, f.attempt_id) for f in report.findings] == [
        (AuditRule.CONTACT_CAP_7IN7, eighth)
    ]
    assert report.calls_checked == 1
    assert (await audit(database, campaign_id="OLD")).clean


async def test_since_measures_the_campaigns_own_thirty_day_periods(
    database: DatabaseUnderTest, history: History
) -> None:
    # Calls from day 0 to day 45; the second 30-day period (day 30-45) holds 2 abandons in 130
    # live answers (1.5%). An audit from day 40 reads history from day 9 on: it must still cut
    # the periods at day 30, not at day 39 (2 in 40, 5%).
    await history.campaign("C1")
    await history.debtor("P1")
    await history.debt("INV-1", "P1")
    per_day = {**dict.fromkeys(range(30), 1), **dict.fromkeys(range(30, 40), 10)}
    per_day |= dict.fromkeys(range(40, 46), 5)
    for n, calls in per_day.items():
        for k in range(calls):
            abandoned = n == 44 and k < 2
            await history.call("INV-1", "P1", day(n, 15, k), live=True, abandoned=abandoned)
    whole = [f for f in (await audit(database)).findings if f.rule is AuditRule.ABANDON_CAP_30D]
    assert whole == []
    since = await audit(database, since=day(40, 0))
    assert [f for f in since.findings if f.rule is AuditRule.ABANDON_CAP_30D] == []


# -- the command -------------------------------------------------------------------------------


def seed(url: str, story: Callable[[History], Awaitable[None]]) -> None:
    async def write() -> None:
        engine = make_engine(url)
        try:
            await story(History(engine))
        finally:
            await engine.dispose()

    asyncio.run(write())


@pytest.fixture
def sqlite_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'audit.db'}"
    asyncio.run(upgrade(url))
    monkeypatch.setenv("RECOUP_DATABASE_URL", url)
    monkeypatch.delenv("RECOUP_CONFIG", raising=False)
    monkeypatch.delenv("RECOUP_DATABASE_SCHEMA", raising=False)
    return url


def test_command_exits_zero_on_a_clean_history(sqlite_url: str) -> None:
    seed(sqlite_url, a_clean_history)
    result = CliRunner().invoke(audit_group, ["compliance"])
    assert result.exit_code == 0, result.output
    assert "No breach found." in result.output
    assert "20 call(s) about 1 debt(s)" in result.output


async def a_call_at_half_past_ten_at_night(h: History) -> None:
    await h.debtor("P1")
    await h.debt("INV-1", "P1")
    await h.call("INV-1", "P1", datetime(2026, 6, 2, 2, 30, tzinfo=UTC))  # 22:30 in New York


def test_command_exits_one_and_prints_json_on_a_breach(sqlite_url: str) -> None:
    seed(sqlite_url, a_call_at_half_past_ten_at_night)
    table = CliRunner().invoke(audit_group, ["compliance"])
    assert table.exit_code == 1
    assert "calling_window" in table.output
    assert "it is 22:30 in America/New_York" in table.output
    as_json = CliRunner().invoke(audit_group, ["compliance", "--json"])
    assert as_json.exit_code == 1
    report = json.loads(as_json.output)
    assert report["clean"] is False
    assert report["breaches"] == {"calling_window": 1}
    assert report["findings"][0]["debt_id"] == "INV-1"
    clean_since = CliRunner().invoke(audit_group, ["compliance", "--since", "2026-06-03"])
    assert clean_since.exit_code == 0


def test_command_exits_two_on_a_bad_date(sqlite_url: str) -> None:
    result = CliRunner().invoke(audit_group, ["compliance", "--since", "yesterday"])
    assert result.exit_code == 2


def test_command_exits_two_when_the_database_cannot_be_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RECOUP_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    monkeypatch.delenv("RECOUP_CONFIG", raising=False)
    result = CliRunner().invoke(audit_group, ["compliance"])
    assert result.exit_code == 2
    assert "cannot audit" in result.output
