"""What becomes of a lead after a call: retried, done, or taken off the list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dialer.campaigns.config import load_campaign_config
from dialer.campaigns.retry import UNDISPOSED, NoDisposition, plan_release
from recoup.domain.model import Disposition, LeadStatus

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
CONFIG = load_campaign_config(
    {
        "caller_id": "+12125550100",
        "max_attempts": 6,
        "retry": {
            "busy": {"delay_minutes": 15, "max_times": 3},
            "no_answer": {"delay_minutes": 120, "max_times": 5},
        },
    }
)


def release(
    outcome: Disposition | NoDisposition | None, attempts: int = 0, earlier: int = 0, **kw: object
):
    return plan_release(
        outcome, attempts=attempts, earlier_same_outcome=earlier, now=NOW, config=CONFIG, **kw
    )  # type: ignore[arg-type]


def test_busy_is_retried_after_its_delay_and_counts_an_attempt() -> None:
    plan = release(Disposition.BUSY, attempts=1)
    assert plan.status is LeadStatus.READY
    assert plan.next_at == NOW + timedelta(minutes=15)
    assert plan.attempts == 2


def test_the_max_times_th_busy_ends_the_lead() -> None:
    assert release(Disposition.BUSY, earlier=1).status is LeadStatus.READY
    plan = release(Disposition.BUSY, attempts=2, earlier=2)
    assert plan.status is LeadStatus.DONE
    assert plan.reason == "busy 3 times: the campaign's maximum is 3"


def test_max_attempts_ends_the_lead_whatever_the_outcome() -> None:
    plan = release(Disposition.NO_ANSWER, attempts=5)
    assert plan.status is LeadStatus.DONE
    assert plan.attempts == 6
    assert "maximum is 6" in plan.reason


def test_a_claim_not_dialed_goes_back_without_counting_an_attempt() -> None:
    later = NOW + timedelta(hours=3)
    plan = release(None, attempts=2, retry_at=later)
    assert (plan.status, plan.next_at, plan.attempts) == (LeadStatus.READY, later, 2)


def test_a_promise_ends_the_lead_and_paid_or_disputed_debts_leave_the_list() -> None:
    assert release(Disposition.PROMISE_TO_PAY).status is LeadStatus.DONE
    paid, dispute = release(Disposition.PAID), release(Disposition.DISPUTE)
    assert paid.status is dispute.status is LeadStatus.REMOVED
    assert "verified" in dispute.reason


def test_refusal_waits_seven_days_after_the_conversation() -> None:
    plan = release(Disposition.REFUSED, attempts=1)
    assert plan.status is LeadStatus.READY
    assert plan.next_at == NOW + timedelta(days=7)


def test_an_agents_call_left_undisposed_waits_seven_days_as_after_a_conversation() -> None:
    plan = release(UNDISPOSED, attempts=1, retry_at=NOW + timedelta(hours=1))
    assert plan.status is LeadStatus.READY
    assert (plan.next_at, plan.attempts) == (NOW + timedelta(days=7), 2)
    assert "as after a conversation" in plan.reason
    assert release(UNDISPOSED, attempts=5).status is LeadStatus.DONE  # the 6th attempt


def test_callback_is_ready_at_the_agreed_time_even_at_the_attempt_limit() -> None:
    at = NOW + timedelta(days=1, hours=2)
    plan = release(Disposition.CALLBACK, attempts=5, retry_at=at)
    assert (plan.status, plan.next_at) == (LeadStatus.READY, at)


def test_a_later_retry_time_from_a_gate_wins_over_the_rule() -> None:
    window_opens = NOW + timedelta(hours=17)
    assert release(Disposition.BUSY, retry_at=window_opens).next_at == window_opens


@pytest.mark.parametrize("outcome", [Disposition.MACHINE, Disposition.LEFT_MESSAGE])
def test_machines_and_messages_follow_the_machine_rule(outcome: Disposition) -> None:
    plan = release(outcome)
    assert plan.next_at == NOW + timedelta(minutes=CONFIG.retry.machine.delay_minutes)
