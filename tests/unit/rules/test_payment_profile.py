"""The debtor's payment profile, on which the agent's script hangs."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recoup.domain.model import Debt, DebtStatus, Payment, PromiseStatus, PromiseToPay
from recoup.rules.payment_profile import (
    PRECEDENCE,
    PaymentProfile,
    ProfilePolicy,
    ProfileVerdict,
    classify_payment_profile,
    is_outstanding,
)

TODAY = date(2026, 6, 1)
POLICY = ProfilePolicy()  # grace 5 days, 2 late and half of them, 90 days for promises, 5,000.00
P = PaymentProfile


@dataclass
class Ledger:
    """A debtor's debts, payments and promises, built in the domain's words."""

    debts: list[Debt] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    promises: list[PromiseToPay] = field(default_factory=list)
    open_disputes: int = 0
    _ids: itertools.count[int] = field(default_factory=itertools.count)

    def _debt(self, due_days_ago: int, amount: int, balance: int, status: DebtStatus) -> Debt:
        debt = Debt(
            id=f"INV-{next(self._ids)}", account_id="ACC-1", original_minor=amount,
            balance_minor=balance, currency="USD",
            due_date=TODAY - timedelta(days=due_days_ago), status=status,
        )  # fmt: skip
        self.debts.append(debt)
        return debt

    def pay(self, debt: Debt, amount: int, on: date) -> Ledger:
        self.payments.append(
            Payment(f"PAY-{next(self._ids)}", "ACC-1", debt.id, amount, debt.currency, on)
        )
        return self

    def paid_invoice(self, due_days_ago: int, days_late: int = 0, amount: int = 10_000) -> Ledger:
        debt = self._debt(due_days_ago, amount, 0, DebtStatus.PAID)
        return self.pay(debt, amount, debt.due_date + timedelta(days=days_late))

    def paid_invoices_on_time(self, count: int) -> Ledger:
        for n in range(count):
            self.paid_invoice(due_days_ago=30 * (n + 2))
        return self

    def open_invoice(
        self, due_days_ago: int, amount: int = 10_000, status: DebtStatus = DebtStatus.OPEN
    ) -> Ledger:
        self._debt(due_days_ago, amount, amount, status)
        return self

    def promise(
        self,
        due_days_ago: int,
        status: PromiseStatus = PromiseStatus.PENDING,
        paid: int = 0,
        amount: int = 5_000,
    ) -> Ledger:
        debt_id = self.debts[-1].id if self.debts else "INV-X"
        due = TODAY - timedelta(days=due_days_ago)
        made = datetime(due.year, due.month, due.day, tzinfo=UTC) - timedelta(days=7)
        self.promises.append(
            PromiseToPay(next(self._ids), debt_id, amount, "USD", due, made, status, paid)
        )
        return self

    def disputes(self, count: int = 1) -> Ledger:
        self.open_disputes += count
        return self

    def classify(self, policy: ProfilePolicy = POLICY, today: date = TODAY) -> ProfileVerdict:
        return classify_payment_profile(
            self.debts, self.payments, self.promises, today, policy,
            open_disputes=self.open_disputes,
        )  # fmt: skip


def a_debtor() -> Ledger:
    return Ledger()


def a_good_payer() -> Ledger:
    return a_debtor().paid_invoices_on_time(4)


# --- one test per class ---------------------------------------------------------------------


def test_debtor_with_nothing_owed_is_paid_up() -> None:
    verdict = a_good_payer().classify()
    assert verdict.profile is P.PAID_UP
    assert verdict.reasons[0] == "no outstanding balance on 4 debts"


def test_debtor_without_debts_is_paid_up() -> None:
    assert a_debtor().classify().profile is P.PAID_UP


def test_good_payer_who_missed_once_is_new_delinquent() -> None:
    verdict = a_good_payer().open_invoice(due_days_ago=12).classify()
    assert verdict.profile is P.NEW_DELINQUENT
    assert "1 debt more than 5 days past due (oldest 12 days)" in verdict.reasons[0]
    assert "0 of the 4 invoices" in verdict.reasons[0]


def test_debtor_who_pays_late_again_and_again_is_habitual_late() -> None:
    ledger = a_debtor().paid_invoice(120, days_late=20).paid_invoice(90, days_late=9)
    verdict = ledger.paid_invoice(60).paid_invoice(30).open_invoice(10).classify()
    assert verdict.profile is P.HABITUAL_LATE
    assert verdict.reasons[0] == (
        "2 of the 4 invoices due in the last 365 days were paid more than 5 days late"
    )


def test_habitual_late_payer_is_recognised_before_the_next_invoice_falls_due() -> None:
    ledger = a_debtor().paid_invoice(90, days_late=30).paid_invoice(60, days_late=30)
    assert ledger.open_invoice(due_days_ago=-10).classify().profile is P.HABITUAL_LATE


def test_debtor_who_broke_a_promise_is_broken_promise() -> None:
    ledger = a_good_payer().open_invoice(40).promise(10, PromiseStatus.BROKEN, paid=1_000)
    verdict = ledger.classify()
    assert verdict.profile is P.BROKEN_PROMISE
    assert "50.00 USD due 2026-05-22" in verdict.reasons[0]
    assert "10.00 USD paid" in verdict.reasons[0]


def test_promise_left_unpaid_past_its_date_counts_as_broken() -> None:
    ledger = a_good_payer().open_invoice(40).promise(10, PromiseStatus.PENDING)
    assert ledger.classify().profile is P.BROKEN_PROMISE


def test_partly_kept_promise_counts_as_broken() -> None:
    ledger = a_good_payer().open_invoice(40).promise(10, PromiseStatus.PARTIAL, paid=2_000)
    assert ledger.classify().profile is P.BROKEN_PROMISE


def test_kept_promise_is_not_broken() -> None:
    ledger = a_good_payer().open_invoice(40).promise(10, PromiseStatus.KEPT, paid=5_000)
    assert ledger.classify().profile is P.NEW_DELINQUENT


def test_debtor_with_an_open_dispute_is_disputing() -> None:
    verdict = a_good_payer().open_invoice(40).disputes().classify()
    assert (verdict.profile, verdict.reasons[0]) == (P.DISPUTING, "1 open dispute")


def test_debt_in_dispute_status_makes_the_debtor_disputing() -> None:
    verdict = a_good_payer().open_invoice(40, status=DebtStatus.DISPUTED).classify()
    assert verdict.profile is P.DISPUTING
    assert "is disputed" in verdict.reasons[0]


def test_large_overdue_balance_is_high_balance() -> None:
    verdict = a_good_payer().open_invoice(40, amount=750_000).classify()
    assert verdict.profile is P.HIGH_BALANCE
    assert verdict.reasons[0] == "overdue balance 7,500.00 USD is at or above 5,000.00 USD"


def test_debtor_who_never_paid_anything_is_never_paid() -> None:
    verdict = a_debtor().open_invoice(40).open_invoice(10).classify()
    assert verdict.profile is P.NEVER_PAID
    assert verdict.reasons[0].startswith("no payment ever received; 2 debts")


def test_debtor_with_a_balance_not_yet_due_is_current() -> None:
    verdict = a_good_payer().open_invoice(due_days_ago=-20).classify()
    assert verdict.profile is P.CURRENT
    assert verdict.reasons[0] == "balance 100.00 USD, nothing more than 5 days past due"


def test_new_customer_whose_first_invoice_is_not_due_is_current_not_never_paid() -> None:
    assert a_debtor().open_invoice(due_days_ago=-20).classify().profile is P.CURRENT


def test_written_off_debt_is_not_collected() -> None:
    verdict = a_good_payer().open_invoice(200, status=DebtStatus.WRITTEN_OFF).classify()
    assert verdict.profile is P.PAID_UP


# --- precedence ------------------------------------------------------------------------------


def test_precedence_is_the_documented_order() -> None:
    assert [p.value for p in PRECEDENCE] == [
        "paid_up", "disputing", "broken_promise", "high_balance", "never_paid",
        "habitual_late", "new_delinquent", "current",
    ]  # fmt: skip


def test_paid_up_outranks_a_dispute_over_a_paid_debt() -> None:
    assert a_good_payer().disputes().classify().profile is P.PAID_UP


def test_dispute_outranks_broken_promise() -> None:
    ledger = a_good_payer().open_invoice(40).promise(10, PromiseStatus.BROKEN).disputes()
    verdict = ledger.classify()
    assert verdict.matched[:2] == (P.DISPUTING, P.BROKEN_PROMISE)
    assert verdict.reasons[1].startswith("also broken promise: ")


def test_broken_promise_outranks_high_balance() -> None:
    ledger = a_good_payer().open_invoice(40, amount=900_000).promise(10, PromiseStatus.BROKEN)
    assert ledger.classify().matched[:2] == (P.BROKEN_PROMISE, P.HIGH_BALANCE)


def test_high_balance_outranks_never_paid() -> None:
    verdict = a_debtor().open_invoice(40, amount=900_000).classify()
    assert verdict.matched == (P.HIGH_BALANCE, P.NEVER_PAID)


def test_never_paid_is_not_new_delinquent() -> None:
    assert a_debtor().open_invoice(40).classify().matched == (P.NEVER_PAID,)


def test_habitual_late_is_not_also_new_delinquent() -> None:
    ledger = a_debtor().paid_invoice(90, days_late=30).paid_invoice(60, days_late=30)
    assert ledger.open_invoice(20).classify().matched == (P.HABITUAL_LATE,)


# --- boundaries ------------------------------------------------------------------------------


@pytest.mark.parametrize(("days_past_due", "profile"), [(5, P.CURRENT), (6, P.NEW_DELINQUENT)])
def test_a_debt_is_overdue_only_after_the_grace_days(days_past_due: int, profile: P) -> None:
    assert a_good_payer().open_invoice(days_past_due).classify().profile is profile


@pytest.mark.parametrize(("days_late", "profile"), [(5, P.CURRENT), (6, P.HABITUAL_LATE)])
def test_a_payment_is_late_only_after_the_grace_days(days_late: int, profile: P) -> None:
    ledger = a_debtor().paid_invoice(90, days_late=days_late).paid_invoice(60, days_late)
    assert ledger.open_invoice(-10).classify().profile is profile


@pytest.mark.parametrize(("late_invoices", "profile"), [(1, P.CURRENT), (2, P.HABITUAL_LATE)])
def test_habitual_lateness_needs_the_minimum_number_of_late_invoices(
    late_invoices: int, profile: P
) -> None:
    ledger = a_debtor()
    for n in range(late_invoices):
        ledger.paid_invoice(30 + 30 * n, days_late=15)
    policy = replace(POLICY, habitual_late_share=0.1)
    assert ledger.open_invoice(-10).classify(policy).profile is profile


@pytest.mark.parametrize(("on_time", "profile"), [(2, P.HABITUAL_LATE), (3, P.CURRENT)])
def test_habitual_lateness_needs_the_share_of_late_invoices(on_time: int, profile: P) -> None:
    ledger = a_debtor().paid_invoice(200, days_late=15).paid_invoice(230, days_late=15)
    ledger.paid_invoices_on_time(on_time)  # 2 of 4 is half: habitual; 2 of 5 is not
    assert ledger.open_invoice(-10).classify().profile is profile


def test_a_share_of_late_invoices_is_met_exactly_at_its_threshold() -> None:
    ledger = a_debtor().paid_invoices_on_time(7)
    for n in range(3):
        ledger.paid_invoice(20 + n, days_late=15)  # 3 of 10 late
    policy = replace(POLICY, habitual_late_share=0.3)
    assert ledger.open_invoice(-10).classify(policy).profile is P.HABITUAL_LATE


def test_a_first_invoice_missed_after_only_part_payments_is_new_delinquent() -> None:
    ledger = a_debtor().open_invoice(30)
    ledger.pay(ledger.debts[-1], 2_000, TODAY - timedelta(days=20))
    verdict = ledger.classify()
    assert verdict.profile is P.NEW_DELINQUENT
    assert "no invoice due in the last 365 days was settled yet" in verdict.reasons[0]


@pytest.mark.parametrize(("due_days_ago", "profile"), [(365, P.HABITUAL_LATE), (366, P.CURRENT)])
def test_late_invoices_older_than_the_lookback_are_forgotten(due_days_ago: int, profile: P) -> None:
    ledger = a_debtor().paid_invoice(60, days_late=15).paid_invoice(due_days_ago, days_late=15)
    assert ledger.open_invoice(-10).classify().profile is profile


@pytest.mark.parametrize(("due_days_ago", "profile"), [(90, P.BROKEN_PROMISE), (91, P.CURRENT)])
def test_a_broken_promise_is_forgiven_after_its_lookback(due_days_ago: int, profile: P) -> None:
    ledger = a_good_payer().open_invoice(-10).promise(due_days_ago, PromiseStatus.BROKEN)
    assert ledger.classify().profile is profile


@pytest.mark.parametrize(("days_after", "profile"), [(2, P.CURRENT), (3, P.BROKEN_PROMISE)])
def test_an_unpaid_promise_breaks_only_after_its_grace_days(days_after: int, profile: P) -> None:
    ledger = a_good_payer().open_invoice(-10).promise(days_after, PromiseStatus.PENDING)
    assert ledger.classify().profile is profile


@pytest.mark.parametrize(
    ("overdue_minor", "profile"), [(499_999, P.NEW_DELINQUENT), (500_000, P.HIGH_BALANCE)]
)
def test_high_balance_starts_at_the_threshold(overdue_minor: int, profile: P) -> None:
    assert a_good_payer().open_invoice(30, overdue_minor).classify().profile is profile


def test_balance_not_yet_overdue_does_not_make_a_high_balance() -> None:
    assert a_good_payer().open_invoice(-30, 9_000_000).classify().profile is P.CURRENT


def test_balances_in_different_currencies_are_not_added_together() -> None:
    ledger = a_good_payer().open_invoice(30, 300_000)
    ledger.debts.append(replace(ledger.debts[-1], id="INV-EUR", currency="EUR"))
    assert ledger.classify().profile is P.NEW_DELINQUENT


def test_invoice_paid_in_instalments_is_settled_by_the_instalment_that_completes_it() -> None:
    ledger = a_debtor()
    for due in (60, 90):
        debt = ledger._debt(due, 10_000, 0, DebtStatus.PAID)
        ledger.pay(debt, 6_000, debt.due_date - timedelta(days=3))
        ledger.pay(debt, 4_000, debt.due_date + timedelta(days=6))  # completes it late
    assert ledger.open_invoice(-10).classify().profile is P.HABITUAL_LATE


@pytest.mark.parametrize(
    "change",
    [
        {"late_grace_days": -1}, {"lookback_days": -1}, {"broken_promise_lookback_days": -1},
        {"promise_grace_days": -1}, {"habitual_late_min_late_payments": 0},
        {"habitual_late_share": 0.0}, {"habitual_late_share": 1.5}, {"high_balance_minor": 0},
    ],
)  # fmt: skip
def test_a_nonsensical_policy_is_refused(change: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=next(iter(change))):
        replace(POLICY, **change)


# --- properties ------------------------------------------------------------------------------

DEBT_IDS = ["D1", "D2", "D3", "D4"]
days = st.integers(min_value=-400, max_value=400)


@st.composite
def ledgers(draw: st.DrawFn) -> tuple[list[Debt], list[Payment], list[PromiseToPay]]:
    ids = draw(st.lists(st.sampled_from(DEBT_IDS), unique=True, max_size=4))
    debts = []
    for debt_id in ids:
        original = draw(st.integers(min_value=0, max_value=2_000_000))
        debts.append(
            Debt(
                debt_id, "A", original, draw(st.integers(min_value=-10, max_value=original)),
                draw(st.sampled_from(["USD", "EUR"])), TODAY - timedelta(days=draw(days)),
                draw(st.sampled_from(DebtStatus)),
            )
        )  # fmt: skip
    payments = [
        Payment(
            f"P{n}", "A", draw(st.sampled_from([*DEBT_IDS, "OTHER"])),
            draw(st.integers(min_value=-50_000, max_value=2_000_000)),
            draw(st.sampled_from(["USD", "EUR"])), TODAY - timedelta(days=draw(days)),
        )
        for n in range(draw(st.integers(min_value=0, max_value=6)))
    ]  # fmt: skip
    promises = [
        PromiseToPay(
            n, draw(st.sampled_from(DEBT_IDS)), draw(st.integers(0, 100_000)), "USD",
            TODAY - timedelta(days=draw(days)), datetime(2026, 1, 1, tzinfo=UTC),
            draw(st.sampled_from(PromiseStatus)), draw(st.integers(0, 100_000)),
        )
        for n in range(draw(st.integers(min_value=0, max_value=3)))
    ]  # fmt: skip
    return debts, payments, promises


policies = st.builds(
    ProfilePolicy,
    late_grace_days=st.integers(0, 30),
    lookback_days=st.integers(0, 730),
    habitual_late_min_late_payments=st.integers(1, 5),
    habitual_late_share=st.floats(0.01, 1.0),
    broken_promise_lookback_days=st.integers(0, 365),
    promise_grace_days=st.integers(0, 10),
    high_balance_minor=st.integers(1, 3_000_000),
)
disputes = st.integers(min_value=0, max_value=3)
Ledgers = tuple[list[Debt], list[Payment], list[PromiseToPay]]


@given(ledgers(), policies, disputes)
def test_every_debtor_gets_exactly_one_class(
    ledger: Ledgers, policy: ProfilePolicy, open_disputes: int
) -> None:
    verdict = classify_payment_profile(*ledger, TODAY, policy, open_disputes=open_disputes)
    assert verdict.profile in PaymentProfile
    assert verdict.matched[0] is verdict.profile
    assert list(verdict.matched) == sorted(verdict.matched, key=PRECEDENCE.index)
    assert len(verdict.reasons) == len(verdict.matched)
    assert all(verdict.reasons)


@given(ledgers(), policies, disputes, st.dates())
def test_classification_never_raises_whatever_the_day(
    ledger: Ledgers, policy: ProfilePolicy, open_disputes: int, today: date
) -> None:
    classify_payment_profile(*ledger, today, policy, open_disputes=open_disputes)


@given(ledgers(), policies, disputes)
def test_paid_up_exactly_when_nothing_is_outstanding(
    ledger: Ledgers, policy: ProfilePolicy, open_disputes: int
) -> None:
    verdict = classify_payment_profile(*ledger, TODAY, policy, open_disputes=open_disputes)
    nothing_owed = not any(is_outstanding(d) for d in ledger[0])
    assert (verdict.profile is P.PAID_UP) == nothing_owed


@given(ledgers(), policies, disputes)
def test_a_new_dispute_never_leaves_the_debtor_below_disputing(
    ledger: Ledgers, policy: ProfilePolicy, open_disputes: int
) -> None:
    verdict = classify_payment_profile(*ledger, TODAY, policy, open_disputes=open_disputes + 1)
    assert PRECEDENCE.index(verdict.profile) <= PRECEDENCE.index(P.DISPUTING)


@given(ledgers(), policies, disputes, st.randoms(use_true_random=False))
def test_the_verdict_depends_only_on_the_history_not_its_order(
    ledger: Ledgers, policy: ProfilePolicy, open_disputes: int, rnd: random.Random
) -> None:
    debts, payments, promises = ledger
    first = classify_payment_profile(debts, payments, promises, TODAY, policy,
                                     open_disputes=open_disputes)  # fmt: skip
    debts, payments, promises = list(debts), list(payments), list(promises)
    rnd.shuffle(debts)
    rnd.shuffle(payments)
    rnd.shuffle(promises)
    again = classify_payment_profile(
        debts, payments, promises, TODAY, policy, open_disputes=open_disputes
    )
    assert again == first
