"""What a script template may say: a typed view of the debtor's file, formatted for reading.

Templates see only the fields of :class:`ScriptContext` (amounts already formatted with
:class:`~recoup.domain.money.Money`, dates written out in the script's language), never the
database rows. A field a template names that is not here is an error when the template is
loaded, not a blank on the agent's screen.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from recoup.domain.model import Debt, PromiseStatus, PromiseToPay
from recoup.domain.money import Money
from recoup.rules.payment_profile import ProfilePolicy, ProfileVerdict, is_outstanding
from recoup.storage.debtor_file import DebtorFile

_MONTHS: Mapping[str, tuple[str, ...]] = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
           "septiembre", "octubre", "noviembre", "diciembre"),
}  # fmt: skip
_AND: Mapping[str, str] = {"en": "and", "es": "y"}


@dataclass(frozen=True, slots=True)
class Agency:
    """Who is calling: the agency identifies itself in every opening (FDCPA 1692e(11))."""

    name: str
    creditor: str = ""  # on whose behalf, when the agency collects for a creditor
    callback_number: str = ""


def long_date(day: date, language: str) -> str:
    """``September 15, 2026`` / ``15 de septiembre de 2026``; ISO for other languages."""
    months = _MONTHS.get(language.split("-", 1)[0].lower())
    if months is None:
        return day.isoformat()
    month = months[day.month - 1]
    if language.lower().startswith("es"):
        return f"{day.day} de {month} de {day.year}"
    return f"{month} {day.day}, {day.year}"


def money_words(totals: Mapping[str, int], language: str) -> str:
    """``480.00 USD`` or ``480.00 USD and 12.00 EUR``; ``0.00`` in nothing owed."""
    parts = [str(Money(minor, currency)) for currency, minor in sorted(totals.items())]
    if not parts:
        return "0.00"
    if len(parts) == 1:
        return parts[0]
    joiner = _AND.get(language.split("-", 1)[0].lower(), "and")
    return f"{', '.join(parts[:-1])} {joiner} {parts[-1]}"


@dataclass(frozen=True, slots=True)
class DebtLine:
    id: str
    balance: str
    original: str
    due_date: str
    days_past_due: int
    status: str


@dataclass(frozen=True, slots=True)
class PaymentLine:
    amount: str
    paid_on: str


@dataclass(frozen=True, slots=True)
class PromiseLine:
    debt_id: str
    amount: str
    due_on: str
    paid: str
    status: str


@dataclass(frozen=True, slots=True)
class ScriptContext:
    """Everything a script template can use. Absent facts are ``None`` (test them with if)."""

    language: str
    first_name: str
    debtor_name: str
    agent_name: str
    agency_name: str
    creditor_name: str
    callback_number: str
    profile: str
    total_balance: str  # every outstanding debt
    overdue_balance: str  # outstanding and past due
    debts: tuple[DebtLine, ...]  # outstanding debts, oldest due first
    oldest_due_date: str | None
    days_past_due: int  # of the oldest outstanding debt, 0 when none is past due
    last_payment: PaymentLine | None
    pending_promise: PromiseLine | None  # the next promise still to be kept
    broken_promise: PromiseLine | None  # the latest broken one
    open_issues: int

    def template_variables(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


CONTEXT_NAMES: frozenset[str] = frozenset(f.name for f in fields(ScriptContext))


def _totals(debts: Iterable[Debt]) -> dict[str, int]:
    owed: defaultdict[str, int] = defaultdict(int)
    for debt in debts:
        owed[debt.currency] += debt.balance_minor
    return dict(owed)


def _promise_line(promise: PromiseToPay, language: str) -> PromiseLine:
    return PromiseLine(
        debt_id=promise.debt_id,
        amount=str(Money(promise.amount_minor, promise.currency)),
        due_on=long_date(promise.due_on, language),
        paid=str(Money(promise.paid_minor, promise.currency)),
        status=promise.status.value,
    )


def build_script_context(
    file: DebtorFile,
    verdict: ProfileVerdict,
    today: date,
    *,
    agent_name: str,
    agency: Agency,
    language: str,
    policy: ProfilePolicy | None = None,
) -> ScriptContext:
    """The context for one debtor's script, in ``language`` (the chosen script's)."""
    outstanding = sorted(
        (d for d in file.debts if is_outstanding(d)), key=lambda d: (d.due_date, d.id)
    )
    past_due = [d for d in outstanding if d.due_date < today]
    payments = sorted(file.payments, key=lambda p: (p.paid_on, p.reference))
    last = payments[-1] if payments else None
    open_promises = sorted(
        (
            p
            for p in file.promises
            if p.status in (PromiseStatus.PENDING, PromiseStatus.PARTIAL) and p.due_on >= today
        ),
        key=lambda p: (p.due_on, p.id),
    )
    grace = (policy or ProfilePolicy()).promise_grace_days
    broken = sorted(
        (
            p
            for p in file.promises
            if p.status is PromiseStatus.BROKEN
            or (
                p.status in (PromiseStatus.PENDING, PromiseStatus.PARTIAL)
                and p.paid_minor < p.amount_minor
                and (today - p.due_on).days > grace
            )
        ),
        key=lambda p: (p.due_on, p.id),
    )
    return ScriptContext(
        language=language,
        first_name=file.debtor.first_name,
        debtor_name=file.debtor.name,
        agent_name=agent_name,
        agency_name=agency.name,
        creditor_name=agency.creditor or agency.name,
        callback_number=agency.callback_number,
        profile=verdict.profile.value,
        total_balance=money_words(_totals(outstanding), language),
        overdue_balance=money_words(_totals(past_due), language),
        debts=tuple(
            DebtLine(
                id=d.id,
                balance=str(Money(d.balance_minor, d.currency)),
                original=str(Money(d.original_minor, d.currency)),
                due_date=long_date(d.due_date, language),
                days_past_due=d.days_past_due(today),
                status=d.status.value,
            )
            for d in outstanding
        ),
        oldest_due_date=long_date(outstanding[0].due_date, language) if outstanding else None,
        days_past_due=outstanding[0].days_past_due(today) if outstanding else 0,
        last_payment=(
            PaymentLine(
                str(Money(last.amount_minor, last.currency)), long_date(last.paid_on, language)
            )
            if last
            else None
        ),
        pending_promise=_promise_line(open_promises[0], language) if open_promises else None,
        broken_promise=_promise_line(broken[-1], language) if broken else None,
        open_issues=file.open_issues,
    )


def sample_context(language: str = "en") -> ScriptContext:
    """A context with every optional fact present: templates are tried on it when loaded."""
    when = long_date(date(2026, 9, 15), language)
    promise = PromiseLine("INV-1", "100.00 USD", when, "0.00 USD", "pending")
    return ScriptContext(
        language=language, first_name="Sam", debtor_name="Sam Sample", agent_name="Alex",
        agency_name="Sample Agency", creditor_name="Sample Creditor",
        callback_number="+18005550100", profile="current", total_balance="480.00 USD",
        overdue_balance="480.00 USD",
        debts=(DebtLine("INV-1", "480.00 USD", "480.00 USD", when, 30, "open"),),
        oldest_due_date=when, days_past_due=30, last_payment=PaymentLine("50.00 USD", when),
        pending_promise=promise, broken_promise=promise, open_issues=1,
    )  # fmt: skip


#: The facts some debtors lack, and what they are then: a script must test them before use.
ABSENT_FACTS: Mapping[str, object] = {
    "last_payment": None,  # never paid
    "pending_promise": None,
    "broken_promise": None,
    "oldest_due_date": None,  # nothing outstanding
    "debts": (),
}
