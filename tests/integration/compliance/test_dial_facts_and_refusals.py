"""The gate's facts read from the database, and its refusals written to it (SQLite, PostgreSQL)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, select

from recoup.compliance.facts import (
    DialRequest,
    UnknownDebtError,
    guard_dial,
    load_dial_facts,
    load_dial_facts_batch,
    record_refusal,
)
from recoup.compliance.gate import CompliancePolicy, GateRule, GateVerdict, check_dial
from recoup.domain.model import ContactChannel, DebtStatus
from recoup.storage import tables as t
from tests.conftest import DatabaseUnderTest
from tests.integration.compliance.collections_history import History

NOW = datetime(2026, 6, 10, 15, 0, tzinfo=UTC)  # 11:00 in New York
POLICY = CompliancePolicy()
PHONE = "+12125550100"


async def test_facts_of_a_debt_carry_zones_flags_history_issues_and_promises(
    database: DatabaseUnderTest, history: History
) -> None:
    await history.debtor("P1", candidates="America/New_York,America/Los_Angeles")
    await history.debt("INV-1", "P1", balance=75_00)
    await history.call("INV-1", "P1", NOW - timedelta(days=2), conversation=True)
    await history.call("INV-1", "P1", NOW - timedelta(days=1), channel="sms")
    await history.call("INV-1", "P1", NOW - timedelta(days=30))  # older than the gate looks
    await history.issue("INV-1")
    await history.issue("INV-1", status="resolved")
    await history.promise("INV-1", date(2026, 6, 20))
    await history.promise("INV-1", date(2026, 5, 1), status="kept")
    async with database.engine.connect() as c:
        facts = await load_dial_facts(c, DialRequest("INV-1", PHONE), NOW, POLICY)
    assert facts.debtor_id == "P1"
    assert facts.zones == ("America/New_York", "America/Los_Angeles")
    assert (facts.debt_status, facts.balance_minor) == (DebtStatus.OPEN, 75_00)
    assert [(c.channel, c.conversation) for c in facts.history] == [
        (ContactChannel.CALL, True),
        (ContactChannel.SMS, False),
    ]
    assert facts.history[0].at == NOW - timedelta(days=2)
    assert facts.open_issues == 1
    assert facts.pending_promises == (date(2026, 6, 20),)
    assert not facts.phone_suppressed
    assert check_dial(facts, NOW, POLICY).rule is GateRule.DISPUTE_OPEN


async def test_a_number_that_is_suppressed_or_not_the_debtors_is_suppressed(
    database: DatabaseUnderTest, history: History
) -> None:
    await history.debtor("P1", suppressed=True)
    await history.debt("INV-1", "P1")
    await history.debtor("P2", phone="+13125550111")
    await history.debt("INV-2", "P2")
    requests = [DialRequest("INV-1", PHONE), DialRequest("INV-2", "+19995550000")]
    async with database.engine.connect() as c:
        facts = await load_dial_facts_batch(c, requests, NOW, POLICY)
        own = await load_dial_facts(c, DialRequest("INV-2", "+13125550111"), NOW, POLICY)
    assert facts["INV-1"].phone_suppressed
    assert facts["INV-2"].phone_suppressed
    assert not own.phone_suppressed


async def test_batch_reads_many_debts_in_a_handful_of_queries(
    database: DatabaseUnderTest, history: History
) -> None:
    for n in range(12):
        await history.debtor(f"P{n}", phone=f"+1212555{n:04d}")
        await history.debt(f"INV-{n}", f"P{n}")
        await history.call(
            f"INV-{n}", f"P{n}", NOW - timedelta(hours=n + 1), phone=f"+1212555{n:04d}"
        )
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(database.engine.sync_engine, "before_cursor_execute", count)
    try:
        requests = [DialRequest(f"INV-{n}", f"+1212555{n:04d}") for n in range(12)]
        async with database.engine.connect() as c:
            facts = await load_dial_facts_batch(
                c, [*requests, DialRequest("NOPE", PHONE)], NOW, replace(POLICY, uk_mode=True)
            )
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", count)
    assert sorted(facts) == sorted(f"INV-{n}" for n in range(12))
    assert all(len(f.history) == 1 for f in facts.values())
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) <= 6


async def test_uk_mode_reads_abandons_to_the_number_about_any_debt(
    database: DatabaseUnderTest, history: History
) -> None:
    await history.debtor("P1")
    await history.debt("INV-1", "P1")
    await history.debt("INV-2", "P1")
    await history.call("INV-2", "P1", NOW - timedelta(hours=5), abandoned=True)
    uk = replace(POLICY, uk_mode=True)
    async with database.engine.connect() as c:
        facts = await load_dial_facts(c, DialRequest("INV-1", PHONE), NOW, uk)
        reserved = await load_dial_facts(
            c, DialRequest("INV-1", PHONE, agent_reserved=True), NOW, uk
        )
    assert facts.phone_abandons == (NOW - timedelta(hours=5),)
    assert check_dial(facts, NOW, uk).rule is GateRule.UK_ABANDON_72H
    assert check_dial(reserved, NOW, uk).allowed


async def test_uk_mode_reads_when_the_call_was_abandoned_not_when_it_was_dialed(
    database: DatabaseUnderTest, history: History
) -> None:
    await history.debtor("P1")
    await history.debt("INV-1", "P1")
    await history.debt("INV-2", "P1")
    dialed = NOW - timedelta(hours=72, seconds=30)  # more than 72 h before: still held
    abandoned_at = dialed + timedelta(seconds=92)
    await history.call("INV-2", "P1", dialed, abandoned=True, closed_at=abandoned_at)
    uk = replace(POLICY, uk_mode=True)
    async with database.engine.connect() as c:
        facts = await load_dial_facts(c, DialRequest("INV-1", PHONE), NOW, uk)
    assert facts.phone_abandons == (abandoned_at,)
    assert check_dial(facts, NOW, uk).next_allowed_at == abandoned_at + timedelta(hours=72)


async def test_an_unknown_debt_is_never_dialed(database: DatabaseUnderTest) -> None:
    async with database.engine.connect() as c:
        with pytest.raises(UnknownDebtError, match="NOPE"):
            await load_dial_facts(c, DialRequest("NOPE", PHONE), NOW, POLICY)


async def test_a_refusal_is_recorded_with_its_rule_reason_and_next_time(
    database: DatabaseUnderTest, history: History
) -> None:
    await history.debtor("P1")
    await history.debt("INV-1", "P1")
    later = NOW + timedelta(hours=3)
    verdict = GateVerdict.refuse(GateRule.CALLING_WINDOW, "it is 21:05 in America/New_York", later)
    async with database.engine.begin() as c:
        refusal_id = await record_refusal(c, "C1", "INV-1", verdict, NOW)
    async with database.engine.connect() as c:
        row = (await c.execute(select(t.dial_refusal))).one()
    assert row.id == refusal_id
    assert (row.campaign_id, row.debt_id, row.rule) == ("C1", "INV-1", "calling_window")
    assert row.reason == "it is 21:05 in America/New_York"
    assert (row.at, row.next_allowed_at) == (NOW, later)


async def test_an_allowed_verdict_is_not_a_refusal(database: DatabaseUnderTest) -> None:
    async with database.engine.begin() as c:
        with pytest.raises(ValueError, match="only a refusal"):
            await record_refusal(c, "C1", "INV-1", GateVerdict(True), NOW)


async def test_guard_refuses_a_do_not_call_debtor_and_records_why(
    database: DatabaseUnderTest, history: History
) -> None:
    await history.debtor("P1", do_not_call=True)
    await history.debt("INV-1", "P1")
    await history.debtor("P2", phone="+13125550111")
    await history.debt("INV-2", "P2")
    async with database.engine.begin() as c:
        refused = await guard_dial(c, "C1", DialRequest("INV-1", PHONE), NOW, POLICY)
        allowed = await guard_dial(c, "C1", DialRequest("INV-2", "+13125550111"), NOW, POLICY)
    assert refused.rule is GateRule.DO_NOT_CALL
    assert allowed.allowed
    async with database.engine.connect() as c:
        rows = (await c.execute(select(t.dial_refusal.c.debt_id, t.dial_refusal.c.rule))).all()
    assert [tuple(r) for r in rows] == [("INV-1", "do_not_call")]


async def test_guard_refuses_the_eighth_call_in_a_week_counting_texts(
    database: DatabaseUnderTest, history: History
) -> None:
    await history.debtor("P1")
    await history.debt("INV-1", "P1")
    for n in range(4):
        await history.call("INV-1", "P1", NOW - timedelta(days=n + 1))
        await history.call("INV-1", "P1", NOW - timedelta(days=n + 1, hours=1), channel="sms")
    async with database.engine.begin() as c:
        verdict = await guard_dial(c, "C1", DialRequest("INV-1", PHONE), NOW, POLICY)
        letter = replace(POLICY, contact_cap=POLICY.contact_cap.telephone_only())
        by_letter = check_dial(
            await load_dial_facts(c, DialRequest("INV-1", PHONE), NOW, letter), NOW, letter
        )
    assert verdict.rule is GateRule.CONTACT_CAP_7IN7
    assert verdict.next_allowed_at is not None
    assert verdict.next_allowed_at > NOW
    assert by_letter.allowed


async def test_a_call_an_agent_took_but_never_disposed_pauses_calls_for_seven_days(
    database: DatabaseUnderTest, history: History
) -> None:
    """The dialer stopped during wrap-up: no disposition, and the wrap-up timer never ran."""
    await history.debtor("P1")
    await history.debt("INV-1", "P1")
    talked = NOW - timedelta(minutes=8)
    await history.call("INV-1", "P1", talked, agent="alice", closed_at=NOW - timedelta(minutes=2))
    async with database.engine.begin() as c:
        verdict = await guard_dial(c, "C1", DialRequest("INV-1", PHONE), NOW, POLICY)
    assert verdict.rule is GateRule.CONVERSATION_PAUSE
    assert verdict.next_allowed_at is not None
    assert verdict.next_allowed_at >= talked + timedelta(days=7)


async def test_only_an_undisposed_agent_call_is_read_as_a_conversation(
    database: DatabaseUnderTest, history: History
) -> None:
    """A disposition the agent recorded keeps its own flag: a wrong party is no conversation."""
    await history.debtor("P1")
    ended = NOW - timedelta(hours=1)
    for debt_id, outcome, talk in [
        ("UNDISPOSED", None, False), ("WRONG-PARTY", "wrong_party", False),
        ("PROMISED", "promise_to_pay", True),
    ]:  # fmt: skip
        await history.debt(debt_id, "P1")
        await history.call(debt_id, "P1", NOW - timedelta(hours=2), agent="alice",
                           outcome=outcome, conversation=talk, closed_at=ended)  # fmt: skip
    requests = [DialRequest(d, PHONE) for d in ("UNDISPOSED", "WRONG-PARTY", "PROMISED")]
    async with database.engine.connect() as c:
        facts = await load_dial_facts_batch(c, requests, NOW, POLICY)
    talked = {d: [c.conversation for c in f.history] for d, f in facts.items()}
    assert talked == {"UNDISPOSED": [True], "WRONG-PARTY": [False], "PROMISED": [True]}
    assert check_dial(facts["WRONG-PARTY"], NOW, POLICY).allowed
