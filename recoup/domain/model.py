"""The collections domain as pure values.

Debtors own accounts; an account holds debts (invoices) with due dates and balances; payments
lower balances; promises to pay are followed up; contact attempts on every channel are counted
by the law's contact caps; problems a debtor raises go into issue buckets with an owner.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class DebtStatus(StrEnum):
    OPEN = "open"
    PAID = "paid"
    DISPUTED = "disputed"
    LEGAL = "legal"  # handed over to lawyers: no more calls from the contact centre
    WRITTEN_OFF = "written_off"


class PromiseStatus(StrEnum):
    PENDING = "pending"
    KEPT = "kept"
    PARTIAL = "partial"
    BROKEN = "broken"
    SUPERSEDED = "superseded"  # replaced by a newer promise on its debt before it ended


class ContactChannel(StrEnum):
    CALL = "call"
    SMS = "sms"
    EMAIL = "email"
    LETTER = "letter"


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    QA = "qa"
    ADMIN = "admin"


class IssueStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"


class LeadStatus(StrEnum):
    """Where a debt stands on one campaign's dialing list."""

    READY = "ready"
    CLAIMED = "claimed"  # a dialer holds it for a call now
    DONE = "done"  # worked to a final outcome
    REMOVED = "removed"  # taken off the list (paid, dispute, do-not-call ...)


class DialMode(StrEnum):
    PREVIEW = "preview"
    PROGRESSIVE = "progressive"
    PREDICTIVE = "predictive"


class Disposition(StrEnum):
    """What an agent (or the dialer) records as the outcome of a contact."""

    PROMISE_TO_PAY = "promise_to_pay"
    DISPUTE = "dispute"
    CALLBACK = "callback"
    WRONG_PARTY = "wrong_party"
    REFUSED = "refused"
    PAID = "paid"
    LEFT_MESSAGE = "left_message"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    MACHINE = "machine"
    ABANDONED = "abandoned"
    FAILED = "failed"

    @property
    def is_conversation(self) -> bool:
        """Whether a telephone conversation with the debtor took place (Reg F 1006.14(b)(2))."""
        return self in _CONVERSATIONS


_CONVERSATIONS = frozenset(
    {
        Disposition.PROMISE_TO_PAY,
        Disposition.DISPUTE,
        Disposition.CALLBACK,
        Disposition.REFUSED,
        Disposition.PAID,
    }
)

DEFAULT_ISSUE_BUCKETS: tuple[str, ...] = ("sales", "service", "accounts", "project", "other")


@dataclass(frozen=True, slots=True)
class Address:
    line1: str = ""
    city: str = ""
    region: str = ""  # state / province / county, as the post writes it
    postal_code: str = ""
    country: str = ""  # ISO 3166-1 alpha-2


@dataclass(frozen=True, slots=True)
class Debtor:
    id: str
    first_name: str
    last_name: str
    phones: tuple[str, ...]  # E.164
    timezone: str  # IANA name used for calling hours
    timezone_source: str  # "explicit" | "address" | "phone" | "default"
    email: str = ""
    address: Address = field(default_factory=Address)
    language: str = "en"
    do_not_call: bool = False
    cease_communication: bool = False
    all_party_consent: bool = False  # recording announcement required

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True, slots=True)
class Account:
    id: str
    debtor_id: str
    segment: str = ""


@dataclass(frozen=True, slots=True)
class Debt:
    id: str
    account_id: str
    original_minor: int
    balance_minor: int
    currency: str
    due_date: date
    status: DebtStatus = DebtStatus.OPEN

    def days_past_due(self, today: date) -> int:
        return max(0, (today - self.due_date).days)

    @property
    def is_paid(self) -> bool:
        return self.balance_minor <= 0 or self.status is DebtStatus.PAID


@dataclass(frozen=True, slots=True)
class Payment:
    reference: str  # the creditor's payment id; a payment split over debts shares it
    account_id: str
    debt_id: str
    amount_minor: int
    currency: str
    paid_on: date
    source_file: str = ""
    posted_at: datetime | None = None  # when Recoup learnt of it (None: not known)


@dataclass(frozen=True, slots=True)
class PromiseToPay:
    id: int
    debt_id: str
    amount_minor: int
    currency: str
    due_on: date
    made_at: datetime
    status: PromiseStatus = PromiseStatus.PENDING
    paid_minor: int = 0


@dataclass(frozen=True, slots=True)
class ContactAttempt:
    id: int
    debtor_id: str
    debt_id: str
    channel: ContactChannel
    at: datetime
    outcome: Disposition | None
    conversation: bool
    phone: str = ""
    campaign_id: str = ""


@dataclass(frozen=True, slots=True)
class Issue:
    id: int
    bucket: str
    debt_id: str
    description: str
    owner: str
    status: IssueStatus
    opened_at: datetime
    resolution: str = ""
    resolved_at: datetime | None = None
