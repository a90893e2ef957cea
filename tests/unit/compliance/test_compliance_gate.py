"""The gate the dialer asks before every dial: which rule refuses, why, and until when."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from recoup.compliance.calling_window import CallingWindow
from recoup.compliance.contact_cap import Contact
from recoup.compliance.gate import (
    ComplianceGate,
    CompliancePolicy,
    DialFacts,
    GateRule,
    check_dial,
)
from recoup.domain.model import ContactChannel, DebtStatus

NEW_YORK = "America/New_York"
POLICY = CompliancePolicy()
UK = replace(POLICY, uk_mode=True)
# Wednesday 2026-06-10, 11:00 in New York.
NOON_ISH = datetime(2026, 6, 10, 15, 0, tzinfo=UTC)
PHONE = "+12125550100"


@dataclass
class DialBuilder:
    """A dial about one open debt of a New York debtor, changed a fact at a time."""

    facts: DialFacts = field(
        default_factory=lambda: DialFacts("INV-1", "P-1", PHONE, (NEW_YORK,), balance_minor=50_00)
    )

    def but(self, **changes: object) -> DialBuilder:
        return DialBuilder(replace(self.facts, **changes))  # type: ignore[arg-type]

    def called(self, *at: datetime, **contact: object) -> DialBuilder:
        extra = tuple(Contact(a, **contact) for a in at)  # type: ignore[arg-type]
        return self.but(history=self.facts.history + extra)


def a_dial() -> DialBuilder:
    return DialBuilder()


def test_an_open_debt_in_calling_hours_may_be_dialed() -> None:
    verdict = check_dial(a_dial().facts, NOON_ISH, POLICY)
    assert verdict.allowed
    assert verdict.rule is None


def test_do_not_call_debtor_is_never_dialed() -> None:
    verdict = check_dial(a_dial().but(do_not_call=True).facts, NOON_ISH, POLICY)
    assert not verdict.allowed
    assert verdict.rule is GateRule.DO_NOT_CALL
    assert verdict.next_allowed_at is None


def test_cease_communication_is_never_dialed() -> None:
    verdict = check_dial(a_dial().but(cease_communication=True).facts, NOON_ISH, POLICY)
    assert verdict.rule is GateRule.CEASE_COMMUNICATION
    assert verdict.reason == "the debtor asked in writing that we stop contacting them"


def test_paid_debt_is_not_called_about() -> None:
    assert (
        check_dial(a_dial().but(balance_minor=0).facts, NOON_ISH, POLICY).rule is GateRule.DEBT_PAID
    )
    paid = a_dial().but(debt_status=DebtStatus.PAID).facts
    assert check_dial(paid, NOON_ISH, POLICY).rule is GateRule.DEBT_PAID


def test_debt_with_the_lawyers_or_written_off_is_not_called_about() -> None:
    for status in (DebtStatus.LEGAL, DebtStatus.WRITTEN_OFF):
        verdict = check_dial(a_dial().but(debt_status=status).facts, NOON_ISH, POLICY)
        assert verdict.rule is GateRule.DEBT_CLOSED


def test_open_dispute_stops_calls_until_resolved() -> None:
    verdict = check_dial(a_dial().but(open_issues=1).facts, NOON_ISH, POLICY)
    assert verdict.rule is GateRule.DISPUTE_OPEN
    assert verdict.reason is not None
    assert "1 open issue" in verdict.reason
    disputed = a_dial().but(debt_status=DebtStatus.DISPUTED).facts
    assert check_dial(disputed, NOON_ISH, POLICY).rule is GateRule.DISPUTE_OPEN


def test_suppressed_number_is_not_dialed() -> None:
    verdict = check_dial(a_dial().but(phone_suppressed=True).facts, NOON_ISH, POLICY)
    assert verdict.rule is GateRule.PHONE_SUPPRESSED
    assert verdict.reason == f"the number {PHONE} is suppressed"


def test_promise_not_yet_due_holds_calls_until_the_day_after_its_date() -> None:
    promised = a_dial().but(pending_promises=(date(2026, 6, 12),)).facts
    verdict = check_dial(promised, NOON_ISH, POLICY)
    assert verdict.rule is GateRule.PROMISE_PENDING
    # 2026-06-13 00:00 in New York, but calls start at 08:00.
    assert verdict.next_allowed_at == datetime(2026, 6, 13, 8, 0, tzinfo=ZoneInfo(NEW_YORK))


def test_promise_grace_days_extend_the_hold() -> None:
    promised = a_dial().but(pending_promises=(date(2026, 6, 9),)).facts
    assert check_dial(promised, NOON_ISH, POLICY).allowed
    generous = replace(POLICY, promise_grace_days=2)
    assert check_dial(promised, NOON_ISH, generous).rule is GateRule.PROMISE_PENDING


def test_the_promise_reminder_itself_may_call_before_the_date() -> None:
    reminder = a_dial().but(pending_promises=(date(2026, 6, 12),), promise_follow_up=True).facts
    assert check_dial(reminder, NOON_ISH, POLICY).allowed


def test_eighth_call_in_seven_days_is_refused_and_waits_for_calling_hours_too() -> None:
    # Seven calls on Thursday 2026-06-04 from 21:30 New York time (01:30 UTC Friday).
    first = datetime(2026, 6, 5, 1, 30, tzinfo=UTC)
    dial = a_dial().called(*(first + timedelta(minutes=n) for n in range(7)))
    verdict = check_dial(dial.facts, NOON_ISH, POLICY)
    assert verdict.rule is GateRule.CONTACT_CAP_7IN7
    # The first call leaves the week at 21:30 local on the 11th: too late; the next morning.
    assert verdict.next_allowed_at == datetime(2026, 6, 12, 8, 0, tzinfo=ZoneInfo(NEW_YORK))


def test_no_call_within_seven_days_after_a_conversation() -> None:
    talk = NOON_ISH - timedelta(days=2)
    verdict = check_dial(a_dial().called(talk, conversation=True).facts, NOON_ISH, POLICY)
    assert verdict.rule is GateRule.CONVERSATION_PAUSE
    assert verdict.next_allowed_at == talk + timedelta(days=7)


def test_a_conversation_by_text_message_pauses_calls_by_default() -> None:
    texted = a_dial().called(
        NOON_ISH - timedelta(days=1), channel=ContactChannel.SMS, conversation=True
    )
    assert check_dial(texted.facts, NOON_ISH, POLICY).rule is GateRule.CONVERSATION_PAUSE


def test_uk_no_redial_within_72_hours_after_an_abandon() -> None:
    abandoned_at = NOON_ISH - timedelta(hours=48)
    dial = a_dial().but(phone_abandons=(abandoned_at,))
    assert check_dial(dial.facts, NOON_ISH, POLICY).allowed  # US mode: no such rule
    verdict = check_dial(dial.facts, NOON_ISH, UK)
    assert verdict.rule is GateRule.UK_ABANDON_72H
    assert verdict.next_allowed_at == abandoned_at + timedelta(hours=72)


def test_uk_redial_after_an_abandon_is_allowed_with_an_agent_reserved() -> None:
    dial = a_dial().called(NOON_ISH - timedelta(hours=3), abandoned=True, phone=PHONE)
    assert check_dial(dial.facts, NOON_ISH, UK).rule is GateRule.UK_ABANDON_72H
    assert check_dial(dial.but(agent_reserved=True).facts, NOON_ISH, UK).allowed


def test_uk_72_hours_run_from_the_abandon_not_from_the_originate() -> None:
    """The call rang 90 s and was abandoned 2 s after the answer, at its close."""
    originated = NOON_ISH - timedelta(hours=72)
    abandoned_at = originated + timedelta(seconds=92)
    dial = a_dial().called(
        originated, abandoned=True, answered_at=originated + timedelta(seconds=90),
        closed_at=abandoned_at, phone=PHONE,
    )  # fmt: skip
    verdict = check_dial(dial.facts, NOON_ISH, UK)
    assert verdict.rule is GateRule.UK_ABANDON_72H
    assert verdict.next_allowed_at == abandoned_at + timedelta(hours=72)
    assert "abandoned at 2026-06-07 15:01 UTC" in (verdict.reason or "")
    not_closed_yet = a_dial().called(
        originated, abandoned=True, answered_at=originated + timedelta(seconds=90), phone=PHONE
    )
    assert check_dial(not_closed_yet.facts, NOON_ISH, UK).rule is GateRule.UK_ABANDON_72H


def test_uk_abandon_stored_ahead_of_the_clock_still_holds_the_number() -> None:
    # The clock was set back an hour after the abandon was stored: it happened all the same.
    abandoned_at = NOON_ISH + timedelta(hours=1)
    verdict = check_dial(a_dial().but(phone_abandons=(abandoned_at,)).facts, NOON_ISH, UK)
    assert verdict.rule is GateRule.UK_ABANDON_72H
    assert verdict.next_allowed_at == abandoned_at + timedelta(hours=72)


def test_uk_abandon_on_another_number_does_not_hold_this_one() -> None:
    dial = a_dial().called(NOON_ISH - timedelta(hours=3), abandoned=True, phone="+447700900123")
    assert check_dial(dial.facts, NOON_ISH, UK).allowed


def test_holiday_is_refused_with_the_holiday_rule() -> None:
    holiday = replace(POLICY, window=CallingWindow(holidays=frozenset({date(2026, 6, 10)})))
    verdict = check_dial(a_dial().facts, NOON_ISH, holiday)
    assert verdict.rule is GateRule.HOLIDAY
    assert verdict.next_allowed_at == datetime(2026, 6, 11, 8, 0, tzinfo=ZoneInfo(NEW_YORK))


def test_standing_refusal_wins_over_the_hour() -> None:
    night = datetime(2026, 6, 10, 6, 0, tzinfo=UTC)
    verdict = check_dial(a_dial().but(do_not_call=True).facts, night, POLICY)
    assert verdict.rule is GateRule.DO_NOT_CALL


def test_gate_object_binds_a_campaigns_policy() -> None:
    gate = ComplianceGate(replace(POLICY, window=CallingWindow(start=time(12), end=time(17))))
    verdict = gate.check(a_dial().facts, NOON_ISH)
    assert verdict.rule is GateRule.CALLING_WINDOW
    assert verdict.next_allowed_at == datetime(2026, 6, 10, 12, 0, tzinfo=ZoneInfo(NEW_YORK))


# -- properties ---------------------------------------------------------------------------------

START = datetime(2026, 3, 1, tzinfo=UTC)
CONTACTS = st.builds(
    Contact,
    at=st.integers(0, 21 * 24 * 60).map(lambda m: START + timedelta(minutes=m)),
    channel=st.sampled_from(list(ContactChannel)),
    conversation=st.booleans(),
    abandoned=st.booleans(),
    phone=st.sampled_from(["", PHONE]),
)
ZONE_SETS = st.lists(
    st.sampled_from([NEW_YORK, "America/Chicago", "America/Los_Angeles", "Europe/London"]),
    min_size=1, max_size=2, unique=True,
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(
    history=st.lists(CONTACTS, max_size=12),
    zones=ZONE_SETS,
    minute=st.integers(0, 28 * 24 * 60),
    uk_mode=st.booleans(),
    promise_day=st.none() | st.integers(0, 28).map(lambda d: date(2026, 3, 1) + timedelta(days=d)),
)
def test_next_allowed_at_passes_the_gate(
    history: list[Contact], zones: list[str], minute: int, uk_mode: bool, promise_day: date | None
) -> None:
    facts = DialFacts(
        "INV-1", "P-1", PHONE, tuple(zones), balance_minor=1, history=tuple(history),
        pending_promises=(promise_day,) if promise_day else (),
    )  # fmt: skip
    policy = replace(POLICY, uk_mode=uk_mode)
    now = START + timedelta(minutes=minute)
    verdict = check_dial(facts, now, policy)
    if verdict.allowed:
        for zone in map(ZoneInfo, zones):
            assert time(8) <= now.astimezone(zone).time() < time(21)
        return
    assert verdict.next_allowed_at is not None
    assert verdict.next_allowed_at > now
    assert check_dial(facts, verdict.next_allowed_at, policy).allowed
    before = verdict.next_allowed_at - timedelta(minutes=1)
    if before > now:
        assert not check_dial(facts, before, policy).allowed
