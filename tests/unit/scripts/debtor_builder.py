"""Debtor files built in the domain's words: ``a_debtor().with_promise(broken=True).file()``."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

from recoup.domain.model import Debt, Debtor, DebtStatus, Payment, PromiseStatus, PromiseToPay
from recoup.domain.money import Money
from recoup.storage.debtor_file import DebtorFile

TODAY = date(2026, 11, 20)


@dataclass
class DebtorBuilder:
    debtor: Debtor
    debts: list[Debt] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    promises: list[PromiseToPay] = field(default_factory=list)
    open_issues: int = 0
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def _debt(self, amount: str, due: date, paid: bool, currency: str = "USD") -> Debt:
        minor = Money.parse(amount, currency).minor
        debt = Debt(
            id=f"INV-{next(self._ids)}", account_id="ACC-1", original_minor=minor,
            balance_minor=0 if paid else minor, currency=currency, due_date=due,
            status=DebtStatus.PAID if paid else DebtStatus.OPEN,
        )  # fmt: skip
        self.debts.append(debt)
        return debt

    def named(self, first: str, last: str = "Lopez") -> DebtorBuilder:
        self.debtor = replace(self.debtor, first_name=first, last_name=last)
        return self

    def speaking(self, language: str) -> DebtorBuilder:
        self.debtor = replace(self.debtor, language=language)
        return self

    def in_all_party_consent_state(self) -> DebtorBuilder:
        self.debtor = replace(self.debtor, all_party_consent=True)
        return self

    def owing(
        self, amount: str = "480.00", days_past_due: int = 30, currency: str = "USD"
    ) -> DebtorBuilder:
        self._debt(amount, TODAY - timedelta(days=days_past_due), paid=False, currency=currency)
        return self

    def with_paid_invoices(self, count: int = 3, days_late: int = 0) -> DebtorBuilder:
        for n in range(count):
            debt = self._debt("100.00", TODAY - timedelta(days=60 + 30 * n), paid=True)
            self.payments.append(
                Payment(f"PAY-{next(self._ids)}", "ACC-1", debt.id, debt.original_minor, "USD",
                        debt.due_date + timedelta(days=days_late))
            )  # fmt: skip
        return self

    def with_promise(self, *, broken: bool = False, amount: str = "100.00") -> DebtorBuilder:
        debt = (
            self.debts[-1]
            if self.debts
            else self._debt("480.00", TODAY - timedelta(days=30), False)
        )
        due = TODAY - timedelta(days=10) if broken else TODAY + timedelta(days=5)
        self.promises.append(
            PromiseToPay(
                id=next(self._ids), debt_id=debt.id, amount_minor=Money.parse(amount, "USD").minor,
                currency="USD", due_on=due,
                made_at=datetime(due.year, due.month, due.day, tzinfo=UTC) - timedelta(days=7),
                status=PromiseStatus.BROKEN if broken else PromiseStatus.PENDING,
            )
        )  # fmt: skip
        return self

    def with_open_issue(self) -> DebtorBuilder:
        self.open_issues += 1
        return self

    def file(self) -> DebtorFile:
        return DebtorFile(
            self.debtor, tuple(self.debts), tuple(self.payments), tuple(self.promises),
            self.open_issues,
        )  # fmt: skip


def a_debtor() -> DebtorBuilder:
    return DebtorBuilder(
        Debtor(id="ACC-1", first_name="Maria", last_name="Lopez", phones=("+12125550142",),
               timezone="America/New_York", timezone_source="address")
    )  # fmt: skip


def a_good_payer_who_missed_once() -> DebtorBuilder:
    return a_debtor().with_paid_invoices(3).owing("480.00", days_past_due=30)


def a_habitual_late_payer() -> DebtorBuilder:
    return a_debtor().with_paid_invoices(3, days_late=25).owing("215.50", days_past_due=20)
