"""Posting a payment: which debts it pays, and what becomes of the promises on them.

Allocation: a payment that names a debt pays that debt; one that names only the account pays
the account's open debts oldest due date first (then by id, so the result never depends on the
order rows came from the database). A payment larger than what it can pay is refused rather
than leaving an unexplained credit: the creditor's file must say where the rest goes.

Promises: a promise to pay is *kept* once the payments on its debt made on or after the day it
was made add up to its amount (or the debt is paid off), *partial* when some but not all of it
has been paid, *broken* when its date has passed with nothing paid, and *pending* otherwise. A
partial promise whose date has passed stays partial: the follow-up treats it differently from a
broken one.

"The day it was made" is a calendar date where the debtor is, and payments carry their local
date. The promise's moment is stored in UTC, whose date is a day ahead of the Americas' every
evening; so a payment counts if it is dated on or after the earliest calendar date anywhere at
that moment (the date at UTC-12). A payment made the same local evening is never missed.
A payment already posted when the promise was made is not for it (the balance the promise was
agreed on had it deducted already), whatever its date: it cannot keep the promise.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta, timezone

from recoup.domain.model import Debt, DebtStatus, Payment, PromiseStatus, PromiseToPay


class PostingError(ValueError):
    """A payment that cannot be posted as given."""


@dataclass(frozen=True, slots=True)
class Allocation:
    debt_id: str
    amount_minor: int
    balance_after_minor: int

    @property
    def pays_off(self) -> bool:
        return self.balance_after_minor == 0


def allocate_payment(
    amount_minor: int, currency: str, debts: Sequence[Debt], debt_id: str | None = None
) -> list[Allocation]:
    """Spread a payment over ``debts`` (the account's debts, current balances)."""
    if amount_minor <= 0:
        msg = "a payment must be a positive amount"
        raise PostingError(msg)
    open_debts = [d for d in debts if d.balance_minor > 0 and d.status is not DebtStatus.PAID]
    if debt_id is not None:
        target = [d for d in debts if d.id == debt_id]
        if not target:
            msg = f"debt {debt_id} is not on this account"
            raise PostingError(msg)
        open_debts = [d for d in open_debts if d.id == debt_id]
        if not open_debts:
            msg = f"debt {debt_id} has nothing left to pay"
            raise PostingError(msg)
    wrong_currency = sorted({d.currency for d in open_debts if d.currency != currency})
    if wrong_currency:
        msg = f"payment in {currency} but the debt is in {', '.join(wrong_currency)}"
        raise PostingError(msg)
    outstanding = sum(d.balance_minor for d in open_debts)
    if amount_minor > outstanding:
        msg = (
            f"payment of {amount_minor} minor units exceeds the {outstanding} outstanding; "
            "name the debt or split the payment"
        )
        raise PostingError(msg)
    allocations: list[Allocation] = []
    left = amount_minor
    for d in sorted(open_debts, key=lambda d: (d.due_date, d.id)):
        if left == 0:
            break
        paid = min(left, d.balance_minor)
        left -= paid
        allocations.append(Allocation(d.id, paid, d.balance_minor - paid))
    return allocations


_EARLIEST_DATE = timezone(timedelta(hours=-12))  # where the calendar date is the earliest


def promise_status(
    promise: PromiseToPay, payments: Iterable[Payment], today: date, *, debt_paid: bool = False
) -> tuple[PromiseStatus, int]:
    """The promise's status and the amount paid towards it, from the debt's payments.

    ``debt_paid``: the debt has nothing left to pay (however it was paid): the promise is kept.
    """
    made_on = promise.made_at.astimezone(_EARLIEST_DATE).date()
    paid = sum(
        p.amount_minor
        for p in payments
        if p.debt_id == promise.debt_id
        and p.paid_on >= made_on
        and (p.posted_at is None or p.posted_at >= promise.made_at)
    )
    if paid >= promise.amount_minor or debt_paid:
        return PromiseStatus.KEPT, paid
    if paid > 0:
        return PromiseStatus.PARTIAL, paid
    if today > promise.due_on:
        return PromiseStatus.BROKEN, 0
    return PromiseStatus.PENDING, 0
