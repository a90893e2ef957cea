"""Who is this debtor, judged by their payment history? The agent's script hangs on the answer.

Classes, in order of precedence (the first that applies wins; every class that applies is kept
in ``ProfileVerdict.matched`` for the supervisor):

1. ``paid_up``: no outstanding balance. Nobody is called about a paid debt, so nothing else
   matters; a dispute over a debt that is paid is not a collection matter.
2. ``disputing``: an open dispute (``open_disputes`` > 0) or an outstanding debt in status
   ``disputed``. Collection pressure on a disputed debt is unlawful until it is verified
   (FDCPA 1692g(b)) and pointless before the problem is resolved, so the dispute script
   outranks every payment script.
3. ``broken_promise``: a promise to pay, due in the last ``broken_promise_lookback_days``, was
   broken. It is the newest and most specific fact about the debtor, and the design says a
   broken promise changes how the debtor is treated next: its follow-up script outranks the
   size of the debt.
4. ``high_balance``: the overdue balance in one currency reaches ``high_balance_minor``. What
   is at stake calls for a senior agent and a payment-plan script whatever the history.
5. ``never_paid``: something is overdue and no payment was ever received. No history to appeal
   to; the first question is whether the debt and the debtor are right.
6. ``habitual_late``: of the invoices due in the last ``lookback_days`` that were settled, at
   least ``habitual_late_min_late_payments`` and at least ``habitual_late_share`` of them were
   settled late. A pattern calls for a firm script, even before the next invoice falls due.
7. ``new_delinquent``: something is overdue after a good history (payments, and no habitual
   lateness): "a good payer who missed once is reminded gently".
8. ``current``: a balance, but nothing overdue and nothing above.

Definitions (``grace`` is ``late_grace_days``):

- *outstanding*: a debt with a positive balance whose status is neither ``paid`` nor
  ``written_off`` (a written-off debt is no longer collected).
- *overdue*: outstanding and more than ``grace`` days past its due date.
- *settled on*: the date the payments posted to a debt first brought its total paid up to the
  original amount (again, if a reversal took it back below); for a debt closed without reaching
  it (a settlement, a credit), the date of its last payment; unknown without payments.
- *late invoice*: a debt no longer outstanding that was settled more than ``grace`` days after
  its due date, i.e. it was past due and then paid. Written-off debts are not settlements.
- *broken promise*: status ``broken``; or ``pending``/``partial`` with less paid than promised
  more than ``promise_grace_days`` after its date (payments from files arrive a little late).

Pure: ``today`` and the policy come in; nothing is read from a clock or settings.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from fractions import Fraction

from recoup.domain.model import Debt, DebtStatus, Payment, PromiseStatus, PromiseToPay
from recoup.domain.money import Money


class PaymentProfile(StrEnum):
    """Declared in precedence order: the first that applies wins."""

    PAID_UP = "paid_up"
    DISPUTING = "disputing"
    BROKEN_PROMISE = "broken_promise"
    HIGH_BALANCE = "high_balance"
    NEVER_PAID = "never_paid"
    HABITUAL_LATE = "habitual_late"
    NEW_DELINQUENT = "new_delinquent"
    CURRENT = "current"


PRECEDENCE: tuple[PaymentProfile, ...] = tuple(PaymentProfile)


@dataclass(frozen=True, slots=True)
class ProfilePolicy:
    """Thresholds of the classification; mirrored in settings, set per campaign."""

    late_grace_days: int = 5  # days after the due date before a debt counts as late/overdue
    lookback_days: int = 365  # invoices due this far back count towards habitual lateness
    habitual_late_min_late_payments: int = 2  # at least this many late invoices ...
    habitual_late_share: float = 0.5  # ... and at least this share of the settled ones
    broken_promise_lookback_days: int = 90  # a promise broken longer ago is forgiven
    promise_grace_days: int = 2  # days after a promise's date before an unpaid one is broken
    high_balance_minor: int = 500_000  # overdue balance per currency (5,000.00 at 2 decimals)

    def __post_init__(self) -> None:
        days = {
            "late_grace_days": self.late_grace_days,
            "lookback_days": self.lookback_days,
            "broken_promise_lookback_days": self.broken_promise_lookback_days,
            "promise_grace_days": self.promise_grace_days,
        }
        for name, value in days.items():
            if value < 0:
                msg = f"{name} must not be negative, got {value}"
                raise ValueError(msg)
        if self.habitual_late_min_late_payments < 1:
            msg = "habitual_late_min_late_payments must be at least 1"
            raise ValueError(msg)
        if not 0.0 < self.habitual_late_share <= 1.0:
            msg = f"habitual_late_share must be in (0, 1], got {self.habitual_late_share}"
            raise ValueError(msg)
        if self.high_balance_minor < 1:
            msg = "high_balance_minor must be at least 1"
            raise ValueError(msg)


@dataclass(frozen=True, slots=True)
class ProfileVerdict:
    profile: PaymentProfile
    reasons: tuple[str, ...]  # plain words for the supervisor; the winning class's first
    matched: tuple[PaymentProfile, ...]  # every class that applies, in precedence order


def is_outstanding(debt: Debt) -> bool:
    return not debt.is_paid and debt.status is not DebtStatus.WRITTEN_OFF


def settled_on(debt: Debt, payments: Sequence[Payment]) -> date | None:
    """When ``debt`` was paid off (see the module's definitions), from the payments posted to it."""
    own = (p for p in payments if p.debt_id == debt.id and p.currency == debt.currency)
    ordered = sorted(own, key=lambda p: (p.paid_on, p.reference, p.amount_minor))
    if not ordered or debt.original_minor <= 0:
        return None
    paid, reached = 0, None
    for payment in ordered:
        before = paid
        paid += payment.amount_minor
        if paid >= debt.original_minor > before:
            reached = payment.paid_on
        elif paid < debt.original_minor:
            reached = None
    return reached or ordered[-1].paid_on


def _is_broken(promise: PromiseToPay, today: date, policy: ProfilePolicy) -> bool:
    if promise.status is PromiseStatus.BROKEN:
        return True
    unpaid = promise.paid_minor < promise.amount_minor
    open_ = promise.status in (PromiseStatus.PENDING, PromiseStatus.PARTIAL)
    return open_ and unpaid and (today - promise.due_on).days > policy.promise_grace_days


def _money(minor: int, currency: str) -> str:
    return str(Money(minor, currency))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


@dataclass(frozen=True, slots=True)
class _Facts:
    outstanding: tuple[Debt, ...]
    overdue: tuple[Debt, ...]
    settled: int  # invoices in the lookback whose settlement date is known
    late: int
    ever_paid: bool
    broken: tuple[PromiseToPay, ...]
    disputed: tuple[Debt, ...]
    overdue_by_currency: dict[str, int]


def _facts(
    debts: Sequence[Debt],
    payments: Sequence[Payment],
    promises: Sequence[PromiseToPay],
    today: date,
    policy: ProfilePolicy,
) -> _Facts:
    grace = policy.late_grace_days
    ordered = sorted(debts, key=lambda d: (d.due_date, d.id))
    by_debt: defaultdict[str, list[Payment]] = defaultdict(list)
    for payment in payments:
        by_debt[payment.debt_id].append(payment)
    outstanding = tuple(d for d in ordered if is_outstanding(d))
    overdue = tuple(d for d in outstanding if (today - d.due_date).days > grace)
    settled = late = 0
    for debt in ordered:
        recent = (today - debt.due_date).days <= policy.lookback_days
        if is_outstanding(debt) or debt.status is DebtStatus.WRITTEN_OFF or not recent:
            continue
        when = settled_on(debt, by_debt.get(debt.id, ()))
        if when is not None:
            settled += 1
            late += (when - debt.due_date).days > grace
    owed: defaultdict[str, int] = defaultdict(int)
    for debt in overdue:
        owed[debt.currency] += debt.balance_minor
    broken = tuple(
        p
        for p in sorted(promises, key=lambda p: (p.due_on, p.id))
        if (today - p.due_on).days <= policy.broken_promise_lookback_days
        and _is_broken(p, today, policy)
    )
    return _Facts(
        outstanding=outstanding,
        overdue=overdue,
        settled=settled,
        late=late,
        ever_paid=any(p.amount_minor > 0 for p in payments),
        broken=broken,
        disputed=tuple(d for d in outstanding if d.status is DebtStatus.DISPUTED),
        overdue_by_currency=dict(sorted(owed.items())),
    )


def _is_habitual(facts: _Facts, policy: ProfilePolicy) -> bool:
    # Exact arithmetic: 3 of 10 must meet a share of 0.3 (0.3 * 10 is 3.0000000000000004).
    share = Fraction(policy.habitual_late_share).limit_denominator(10_000)
    return (
        facts.late >= policy.habitual_late_min_late_payments and facts.late >= share * facts.settled
    )


def _overdue_words(facts: _Facts, today: date, policy: ProfilePolicy) -> str:
    oldest = max(d.days_past_due(today) for d in facts.overdue)
    return (
        f"{_plural(len(facts.overdue), 'debt')} more than {policy.late_grace_days} days "
        f"past due (oldest {oldest} days)"
    )


def _reasons(
    facts: _Facts, today: date, policy: ProfilePolicy, open_disputes: int, debt_count: int
) -> dict[PaymentProfile, str]:
    found: dict[PaymentProfile, str] = {}
    grace = policy.late_grace_days
    if not facts.outstanding:
        found[PaymentProfile.PAID_UP] = (
            f"no outstanding balance on {_plural(debt_count, 'debt')}"
            if debt_count
            else "no debts on record"
        )
    if open_disputes > 0 or facts.disputed:
        parts = [_plural(open_disputes, "open dispute")] if open_disputes > 0 else []
        parts += [f"debt {d.id} is disputed" for d in facts.disputed]
        found[PaymentProfile.DISPUTING] = "; ".join(parts)
    if facts.broken:
        described = ", ".join(
            f"{_money(p.amount_minor, p.currency)} due {p.due_on.isoformat()} on debt "
            f"{p.debt_id} ({_money(p.paid_minor, p.currency)} paid)"
            for p in facts.broken
        )
        found[PaymentProfile.BROKEN_PROMISE] = (
            f"{_plural(len(facts.broken), 'promise')} broken in the last "
            f"{policy.broken_promise_lookback_days} days: {described}"
        )
    high = {c: m for c, m in facts.overdue_by_currency.items() if m >= policy.high_balance_minor}
    if high:
        found[PaymentProfile.HIGH_BALANCE] = "; ".join(
            f"overdue balance {_money(m, c)} is at or above {_money(policy.high_balance_minor, c)}"
            for c, m in high.items()
        )
    if facts.overdue and not facts.ever_paid:
        found[PaymentProfile.NEVER_PAID] = (
            f"no payment ever received; {_overdue_words(facts, today, policy)}"
        )
    history = (
        f"{facts.late} of the {_plural(facts.settled, 'invoice')} due in the last "
        f"{policy.lookback_days} days {'was' if facts.settled == 1 else 'were'} paid more "
        f"than {grace} days late"
        if facts.settled
        else f"no invoice due in the last {policy.lookback_days} days was settled yet"
    )
    if _is_habitual(facts, policy):
        found[PaymentProfile.HABITUAL_LATE] = history
    if facts.overdue and facts.ever_paid and not _is_habitual(facts, policy):
        found[PaymentProfile.NEW_DELINQUENT] = (
            f"{_overdue_words(facts, today, policy)} after a good history: {history}"
        )
    if facts.outstanding and not facts.overdue:
        totals: defaultdict[str, int] = defaultdict(int)
        for debt in facts.outstanding:
            totals[debt.currency] += debt.balance_minor
        owed = ", ".join(_money(m, c) for c, m in sorted(totals.items()))
        found[PaymentProfile.CURRENT] = f"balance {owed}, nothing more than {grace} days past due"
    return found


def classify_payment_profile(
    debts: Sequence[Debt],
    payments: Sequence[Payment],
    promises: Sequence[PromiseToPay],
    today: date,
    policy: ProfilePolicy,
    *,
    open_disputes: int = 0,
) -> ProfileVerdict:
    """Classify one debtor from all their debts, payments and promises (see module docs)."""
    facts = _facts(debts, payments, promises, today, policy)
    found = _reasons(facts, today, policy, open_disputes, len(debts))
    matched = tuple(p for p in PRECEDENCE if p in found)
    winner = matched[0]
    also = tuple(f"also {p.value.replace('_', ' ')}: {found[p]}" for p in matched[1:])
    return ProfileVerdict(winner, (found[winner], *also), matched)
