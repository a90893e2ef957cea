"""A disposition drives the next step: what the planner decides, before anything is written."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recoup.dispositions.plan import (
    CreatePromise,
    DispositionFacts,
    DispositionPolicy,
    DispositionRefusedError,
    Effect,
    FollowUpKind,
    LeadFacts,
    OpenIssue,
    OpenPromise,
    RecordOutcome,
    ScheduleFollowUp,
    SuppressPhone,
    UpdateLeads,
    local_hours,
    plan_disposition,
)
from recoup.dispositions.record import (
    Callback,
    Dispute,
    NoConversation,
    Paid,
    PromiseToPay,
    Refused,
    WrongParty,
)
from recoup.domain.model import Disposition, LeadStatus
from recoup.domain.money import Money

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)  # 10:00 in New York
TODAY = date(2026, 11, 20)
POLICY = DispositionPolicy()
BUCKETS = {"sales": "sam", "service": "sue", "accounts": "ann", "project": "", "other": ""}


@dataclass
class DebtBuilder:
    facts: DispositionFacts = field(
        default_factory=lambda: DispositionFacts(
            debt_id="INV-1", debtor_id="ACC-1", balance=Money(48_000, "USD"),
            debtor_timezone="America/New_York", phones=("+12125550142", "+12125550177"),
            buckets=BUCKETS, leads=(LeadFacts("c1", LeadStatus.CLAIMED),), attempt_id=7,
            campaign_id="c1", agent="alex",
        )
    )  # fmt: skip

    def owing(self, amount: str) -> DebtBuilder:
        self.facts = replace(self.facts, balance=Money.parse(amount, "USD"))
        return self

    def with_phones(self, *phones: str) -> DebtBuilder:
        self.facts = replace(self.facts, phones=phones)
        return self

    def in_timezone(self, zone: str) -> DebtBuilder:
        self.facts = replace(self.facts, debtor_timezone=zone)
        return self

    def with_promise(self, amount: str, due: date, promise_id: int = 3) -> DebtBuilder:
        running = OpenPromise(promise_id, Money.parse(amount, "USD"), due)
        self.facts = replace(self.facts, open_promises=(*self.facts.open_promises, running))
        return self

    def without_a_call(self) -> DebtBuilder:
        self.facts = replace(self.facts, attempt_id=None)
        return self

    def inbound(self) -> DebtBuilder:
        self.facts = replace(self.facts, attempt_id=None, campaign_id="")
        return self


def a_debt() -> DebtBuilder:
    return DebtBuilder()


def plan(record: object, debt: DebtBuilder | None = None, now: datetime = NOW,
         policy: DispositionPolicy = POLICY) -> list[Effect]:  # fmt: skip
    return plan_disposition(record, (debt or a_debt()).facts, now, policy)  # type: ignore[arg-type]


def refusal(record: object, debt: DebtBuilder | None = None, **kwargs: object) -> str:
    with pytest.raises(DispositionRefusedError) as refused:
        plan(record, debt, **kwargs)  # type: ignore[arg-type]
    return str(refused.value)


def usd(amount: str) -> Money:
    return Money.parse(amount, "USD")


def follow_ups(effects: list[Effect]) -> dict[FollowUpKind, datetime]:
    return {e.kind: e.due_at for e in effects if isinstance(e, ScheduleFollowUp)}


def test_promise_larger_than_the_balance_is_refused() -> None:
    assert "480.01 USD is more than the balance of 480.00 USD" in refusal(
        PromiseToPay(usd("480.01"), TODAY + timedelta(days=3))
    )


def test_promise_of_the_whole_balance_is_taken() -> None:
    effects = plan(PromiseToPay(usd("480.00"), TODAY + timedelta(days=3)))
    assert CreatePromise("INV-1", usd("480.00"), TODAY + timedelta(days=3), "alex") in effects


def test_promise_of_nothing_is_refused() -> None:
    assert "more than nothing" in refusal(PromiseToPay(usd("0"), TODAY + timedelta(days=3)))


def test_promise_in_another_currency_is_refused() -> None:
    assert "in USD, not EUR" in refusal(PromiseToPay(Money(100, "EUR"), TODAY))


def test_promise_dated_in_the_past_is_refused() -> None:
    assert "in the past" in refusal(PromiseToPay(usd("10"), TODAY - timedelta(days=1)))


def test_promise_date_is_judged_in_the_debtors_calendar() -> None:
    late_evening_in_hawaii = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)  # 22:00 on the 20th
    hawaii = a_debt().in_timezone("Pacific/Honolulu")
    assert plan(PromiseToPay(usd("10"), TODAY), hawaii, now=late_evening_in_hawaii)
    assert "in the past" in refusal(
        PromiseToPay(usd("10"), TODAY), a_debt(), now=late_evening_in_hawaii
    )


def test_promise_more_than_thirty_days_out_is_refused_as_a_payment_plan() -> None:
    assert plan(PromiseToPay(usd("10"), TODAY + timedelta(days=30)))
    assert "payment plan" in refusal(PromiseToPay(usd("10"), TODAY + timedelta(days=31)))


def test_promise_gets_a_reminder_the_day_before_and_a_check_the_day_after_at_ten_local() -> None:
    due = date(2026, 12, 1)
    times = follow_ups(plan(PromiseToPay(usd("100"), due)))
    assert times == {
        FollowUpKind.PROMISE_REMINDER: datetime(2026, 11, 30, 15, 0, tzinfo=UTC),
        FollowUpKind.PROMISE_CHECK: datetime(2026, 12, 2, 15, 0, tzinfo=UTC),
    }


def test_promise_due_today_gets_no_reminder_in_the_past() -> None:
    times = follow_ups(plan(PromiseToPay(usd("100"), TODAY)))
    assert list(times) == [FollowUpKind.PROMISE_CHECK]


def test_promise_takes_the_debt_off_every_dialing_list_until_it_is_checked() -> None:
    effects = plan(PromiseToPay(usd("100"), TODAY + timedelta(days=5)))
    assert effects[0] == RecordOutcome(7, Disposition.PROMISE_TO_PAY, True, "alex")
    assert effects[-1] == UpdateLeads("INV-1", LeadStatus.DONE)


def test_the_same_promise_twice_without_a_call_is_a_double_submission() -> None:
    due = TODAY + timedelta(days=5)
    back_office = a_debt().with_promise("100", due).without_a_call()
    assert "already promised: 100.00 USD by 2026-11-25 (promise 3)" in refusal(
        PromiseToPay(usd("100"), due), back_office
    )
    assert plan(PromiseToPay(usd("90"), due), back_office)


def test_the_same_promise_again_on_a_new_call_is_recorded() -> None:
    due = TODAY + timedelta(days=5)
    assert plan(PromiseToPay(usd("100"), due), a_debt().with_promise("100", due))


def test_dispute_opens_an_issue_in_its_bucket_and_stops_calls_about_the_debt() -> None:
    effects = plan(Dispute("service", "  The router never worked.  "))
    assert OpenIssue("INV-1", "service", "sue", "The router never worked.") in effects
    assert UpdateLeads("INV-1", LeadStatus.REMOVED, removed_reason="dispute") in effects


def test_dispute_into_a_bucket_that_does_not_exist_is_refused() -> None:
    assert "no issue bucket 'billing'" in refusal(Dispute("billing", "Wrong invoice"))


def test_dispute_without_a_description_is_refused() -> None:
    assert "describe the problem" in refusal(Dispute("sales", "   "))


def test_callback_is_scheduled_at_the_agreed_time_for_the_agent() -> None:
    at = datetime(2026, 11, 21, 23, 30, tzinfo=UTC)  # 18:30 in New York
    effects = plan(Callback(at, note="after work"))
    assert ScheduleFollowUp(FollowUpKind.CALLBACK, "INV-1", at, "alex", "after work") in effects
    assert UpdateLeads("INV-1", LeadStatus.READY, at, campaign_id="c1") in effects


def test_callback_outside_the_calling_window_is_refused() -> None:
    at = datetime(2026, 11, 21, 2, 30, tzinfo=UTC)  # 21:30 in New York
    assert "21:30 on 2026-11-20 in America/New_York is outside the calling window" in refusal(
        Callback(at)
    )


def test_callback_window_is_the_one_the_policy_gives() -> None:
    at = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)  # 09:00 in New York
    strict = replace(POLICY, calling_window=local_hours(time(10), time(18)))
    assert plan(Callback(at))
    assert "outside the calling window" in refusal(Callback(at), policy=strict)


def test_callback_in_the_past_or_too_far_ahead_is_refused() -> None:
    assert "in the future" in refusal(Callback(NOW - timedelta(hours=1)))
    assert "within 30 days" in refusal(Callback(NOW + timedelta(days=31)))


def test_callback_without_a_timezone_is_refused() -> None:
    assert "timezone" in refusal(Callback(datetime(2026, 11, 21, 12, 0)))


def test_wrong_party_suppresses_only_that_number() -> None:
    effects = plan(WrongParty("+12125550142"))
    suppressed = [e for e in effects if isinstance(e, SuppressPhone)]
    assert suppressed == [SuppressPhone("ACC-1", "+12125550142", "wrong party")]
    assert (
        UpdateLeads("INV-1", LeadStatus.READY, NOW + timedelta(hours=1), campaign_id="c1")
        in effects
    )
    assert effects[0] == RecordOutcome(7, Disposition.WRONG_PARTY, False, "alex")


def test_wrong_party_on_the_last_number_takes_the_debt_off_the_list() -> None:
    effects = plan(WrongParty("+12125550142"), a_debt().with_phones("+12125550142"))
    assert effects[-1] == UpdateLeads(
        "INV-1", LeadStatus.REMOVED, removed_reason="wrong party: no number left", campaign_id="c1"
    )


def test_wrong_party_on_a_number_the_debtor_does_not_have_is_refused() -> None:
    assert "not one of this debtor's numbers" in refusal(WrongParty("+19995550000"))


def test_refusal_waits_seven_days_after_the_conversation() -> None:
    effects = plan(Refused("will not pay"))
    assert effects == [
        RecordOutcome(7, Disposition.REFUSED, True, "alex"),
        UpdateLeads("INV-1", LeadStatus.READY, NOW + timedelta(days=7), campaign_id="c1"),
    ]


def test_debtor_who_says_it_is_paid_gets_a_payment_check() -> None:
    effects = plan(Paid())
    assert follow_ups(effects) == {FollowUpKind.PAYMENT_CHECK: NOW + timedelta(days=3)}
    assert effects[-1] == UpdateLeads("INV-1", LeadStatus.DONE)


def test_no_answer_is_no_conversation_and_is_retried_later() -> None:
    effects = plan(NoConversation(Disposition.NO_ANSWER))
    assert effects == [
        RecordOutcome(7, Disposition.NO_ANSWER, False, "alex"),
        UpdateLeads("INV-1", LeadStatus.READY, NOW + timedelta(hours=3), campaign_id="c1"),
    ]


def test_a_conversation_cannot_be_recorded_as_no_conversation() -> None:
    with pytest.raises(ValueError, match="is a conversation"):
        NoConversation(Disposition.PROMISE_TO_PAY)


def test_inbound_callback_without_a_campaign_moves_every_list_the_debt_is_on() -> None:
    at = datetime(2026, 11, 21, 15, 0, tzinfo=UTC)
    effects = plan(Callback(at), a_debt().inbound())
    assert not any(isinstance(e, RecordOutcome) for e in effects)
    assert UpdateLeads("INV-1", LeadStatus.READY, at, campaign_id=None) in effects


def test_every_problem_is_named_at_once() -> None:
    with pytest.raises(DispositionRefusedError) as refused:
        plan(PromiseToPay(usd("999"), TODAY - timedelta(days=2)))
    assert len(refused.value.problems) == 2


@given(
    cents=st.integers(-100, 60_000),
    days=st.integers(-5, 40),
    minute=st.integers(0, 24 * 60 - 1),
)
def test_a_planned_promise_is_always_within_the_balance_and_the_policy(
    cents: int, days: int, minute: int
) -> None:
    now = datetime(2026, 11, 20, tzinfo=UTC) + timedelta(minutes=minute)
    record = PromiseToPay(Money(cents, "USD"), TODAY + timedelta(days=days))
    try:
        effects = plan(record, now=now)
    except DispositionRefusedError:
        return
    promise = next(e for e in effects if isinstance(e, CreatePromise))
    assert 0 < promise.amount.minor <= 48_000
    times = follow_ups(effects)
    assert times[FollowUpKind.PROMISE_CHECK].date() > promise.due_on
    assert times.get(FollowUpKind.PROMISE_REMINDER, now) >= now
    assert promise.due_on <= TODAY + timedelta(days=31)
