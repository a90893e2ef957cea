"""What pops on the agent's screen when a call connects: the debtor's file, the verdict on
their payment history, and the script chosen for it, filled in and opened with the mini-Miranda.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from recoup.domain.model import Debt, Debtor, Issue, Payment, PromiseToPay
from recoup.domain.money import Money
from recoup.rules.payment_profile import ProfileVerdict
from recoup.scripts.render import RenderedScript


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


def _with_amounts(value: Any, **amounts: tuple[int, str]) -> dict[str, Any]:
    """The value's fields, plus each amount written out (``"balance": "480.00 USD"``)."""
    fields: dict[str, Any] = _plain(value)
    for name, (minor, currency) in amounts.items():
        fields[name] = str(Money(minor, currency))
    return fields


@dataclass(frozen=True, slots=True)
class ScreenPop:
    debtor: Debtor
    segment: str
    today: date
    debts: tuple[Debt, ...]
    payments: tuple[Payment, ...]
    promises: tuple[PromiseToPay, ...]
    open_issues: tuple[Issue, ...]
    verdict: ProfileVerdict
    script: RenderedScript
    script_reason: str  # which rule or fallback chose the script

    def as_json(self) -> dict[str, Any]:
        """A JSON-ready dict (dates ISO 8601, amounts in minor units and written out)."""
        debtor = _plain(self.debtor)
        debtor["name"] = self.debtor.name
        return {
            "debtor": debtor,
            "segment": self.segment,
            "today": self.today.isoformat(),
            "debts": [
                _with_amounts(
                    d,
                    balance=(d.balance_minor, d.currency),
                    original=(d.original_minor, d.currency),
                )
                | {"days_past_due": d.days_past_due(self.today)}
                for d in self.debts
            ],
            "payments": [
                _with_amounts(p, amount=(p.amount_minor, p.currency)) for p in self.payments
            ],
            "promises": [
                _with_amounts(
                    p, amount=(p.amount_minor, p.currency), paid=(p.paid_minor, p.currency)
                )
                for p in self.promises
            ],
            "open_issues": [_plain(i) for i in self.open_issues],
            "profile": {
                "profile": self.verdict.profile.value,
                "reasons": list(self.verdict.reasons),
                "matched": [p.value for p in self.verdict.matched],
            },
            "script": {
                "id": self.script.script_id,
                "title": self.script.title,
                "language": self.script.language,
                "opening": list(self.script.opening),
                "html": self.script.html,
                "reason": self.script_reason,
            },
        }
