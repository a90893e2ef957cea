from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recoup.domain.model import Debt, DebtStatus, Payment, PromiseStatus, PromiseToPay
from recoup.ledger.posting import PostingError, allocate_payment, promise_status


def a_debt(debt_id: str, balance: int, due: date, currency: str = "USD") -> Debt:
    return Debt(debt_id, "ACC-1", balance, balance, currency, due)


def test_account_payment_pays_the_oldest_debt_first() -> None:
    debts = [a_debt("new", 5000, date(2026, 10, 1)), a_debt("old", 3000, date(2026, 8, 1))]
    allocations = allocate_payment(4000, "USD", debts)
    assert [(a.debt_id, a.amount_minor, a.balance_after_minor) for a in allocations] == [
        ("old", 3000, 0),
        ("new", 1000, 4000),
    ]
    assert allocations[0].pays_off
    assert not allocations[1].pays_off


def test_payment_naming_a_debt_pays_only_that_debt() -> None:
    debts = [a_debt("new", 5000, date(2026, 10, 1)), a_debt("old", 3000, date(2026, 8, 1))]
    allocations = allocate_payment(2000, "USD", debts, debt_id="new")
    assert [(a.debt_id, a.amount_minor) for a in allocations] == [("new", 2000)]


def test_overpayment_is_refused_rather_than_left_as_a_silent_credit() -> None:
    with pytest.raises(PostingError, match="exceeds the 3000 outstanding"):
        allocate_payment(3001, "USD", [a_debt("d", 3000, date(2026, 8, 1))])


def test_payment_in_another_currency_is_refused() -> None:
    with pytest.raises(PostingError, match="payment in EUR but the debt is in USD"):
        allocate_payment(100, "EUR", [a_debt("d", 3000, date(2026, 8, 1))])


def test_paying_a_debt_already_paid_is_refused() -> None:
    paid = Debt("d", "ACC-1", 100, 0, "USD", date(2026, 8, 1), DebtStatus.PAID)
    with pytest.raises(PostingError, match="nothing left to pay"):
        allocate_payment(100, "USD", [paid], debt_id="d")


def test_unknown_debt_is_refused() -> None:
    with pytest.raises(PostingError, match="not on this account"):
        allocate_payment(100, "USD", [a_debt("d", 3000, date(2026, 8, 1))], debt_id="x")


@given(
    balances=st.lists(st.integers(min_value=0, max_value=10**7), min_size=1, max_size=6),
    share=st.floats(min_value=0.0001, max_value=1.0),
)
def test_allocation_spends_exactly_the_payment_and_never_overdraws(
    balances: list[int], share: float
) -> None:
    debts = [a_debt(f"d{i}", b, date(2026, 1, 1 + i)) for i, b in enumerate(balances)]
    outstanding = sum(balances)
    amount = max(1, int(outstanding * share))
    if outstanding == 0:
        with pytest.raises(PostingError):
            allocate_payment(amount, "USD", debts)
        return
    allocations = allocate_payment(amount, "USD", debts)
    assert sum(a.amount_minor for a in allocations) == amount
    by_id = {d.id: d for d in debts}
    for a in allocations:
        assert 0 < a.amount_minor <= by_id[a.debt_id].balance_minor
        assert a.balance_after_minor == by_id[a.debt_id].balance_minor - a.amount_minor


def a_promise(amount: int = 10000, due: date = date(2026, 11, 20)) -> PromiseToPay:
    return PromiseToPay(1, "d", amount, "USD", due, datetime(2026, 11, 1, 15, tzinfo=UTC))


def a_payment(amount: int, paid_on: date) -> Payment:
    return Payment("P", "ACC-1", "d", amount, "USD", paid_on)


def test_promise_paid_in_full_is_kept() -> None:
    status, paid = promise_status(
        a_promise(), [a_payment(10000, date(2026, 11, 10))], date(2026, 11, 10)
    )
    assert (status, paid) == (PromiseStatus.KEPT, 10000)


def test_promise_paid_in_part_is_partial_even_after_its_date() -> None:
    payments = [a_payment(4000, date(2026, 11, 10))]
    assert promise_status(a_promise(), payments, date(2026, 11, 25)) == (
        PromiseStatus.PARTIAL,
        4000,
    )


def test_promise_with_nothing_paid_after_its_date_is_broken() -> None:
    assert promise_status(a_promise(), [], date(2026, 11, 21)) == (PromiseStatus.BROKEN, 0)


def test_promise_is_pending_until_its_date() -> None:
    assert promise_status(a_promise(), [], date(2026, 11, 20)) == (PromiseStatus.PENDING, 0)


def test_payments_made_before_the_promise_do_not_count_towards_it() -> None:
    payments = [a_payment(10000, date(2026, 10, 30))]
    assert promise_status(a_promise(), payments, date(2026, 11, 2)) == (PromiseStatus.PENDING, 0)


def test_a_payment_the_same_evening_as_a_promise_made_in_new_york_keeps_it() -> None:
    # 22:00 in New York is 03:00 the next day in UTC; the payment file dates it locally.
    evening = datetime(2026, 11, 1, 22, tzinfo=ZoneInfo("America/New_York"))
    promise = PromiseToPay(1, "d", 10000, "USD", date(2026, 11, 20), evening.astimezone(UTC))
    payments = [a_payment(10000, date(2026, 11, 1))]
    assert promise_status(promise, payments, date(2026, 11, 2)) == (PromiseStatus.KEPT, 10000)


def test_a_promise_on_a_debt_paid_off_is_kept_however_it_was_paid() -> None:
    # Paid in full the day before the promise (the payment file arrived late): nothing is
    # owed, so the promise is kept, not broken when its date passes.
    paid_before = [a_payment(10000, date(2026, 10, 30))]
    kept = promise_status(a_promise(), paid_before, date(2026, 11, 25), debt_paid=True)
    assert kept[0] is PromiseStatus.KEPT
