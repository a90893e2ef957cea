"""The events a disposition and its follow-ups produce, with their MQTT topics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import ClassVar

from recoup.domain.model import Disposition


@dataclass(frozen=True, slots=True)
class DispositionRecorded:
    debt_id: str
    debtor_id: str
    disposition: Disposition
    conversation: bool  # a telephone conversation took place (Reg F 1006.14(b)(2))
    agent: str
    campaign_id: str
    attempt_id: int | None
    at: datetime
    topic: ClassVar[str] = "recoup/v1/debts/{debt_id}/disposition_recorded"


@dataclass(frozen=True, slots=True)
class PromiseRecorded:
    debt_id: str
    promise_id: int
    amount_minor: int
    currency: str
    due_on: date
    agent: str
    reminder_at: datetime | None
    check_at: datetime
    at: datetime
    topic: ClassVar[str] = "recoup/v1/debts/{debt_id}/promise_recorded"


@dataclass(frozen=True, slots=True)
class PromiseKept:
    debt_id: str
    promise_id: int
    paid_minor: int
    currency: str
    on: date
    topic: ClassVar[str] = "recoup/v1/debts/{debt_id}/promise_kept"


@dataclass(frozen=True, slots=True)
class PromiseBroken:
    debt_id: str
    promise_id: int
    amount_minor: int
    paid_minor: int
    currency: str
    due_on: date
    on: date
    topic: ClassVar[str] = "recoup/v1/debts/{debt_id}/promise_broken"


@dataclass(frozen=True, slots=True)
class PromiseSuperseded:
    """A promise still running when a newer one on its debt was recorded: the newer one
    replaces it, and payments from then on count towards the newer one only."""

    debt_id: str
    promise_id: int
    by_promise_id: int
    at: datetime
    topic: ClassVar[str] = "recoup/v1/debts/{debt_id}/promise_superseded"


@dataclass(frozen=True, slots=True)
class IssueOpened:
    debt_id: str
    issue_id: int
    bucket: str
    owner: str
    description: str
    at: datetime
    topic: ClassVar[str] = "recoup/v1/issues/{issue_id}/opened"


@dataclass(frozen=True, slots=True)
class IssueResolved:
    debt_id: str
    issue_id: int
    bucket: str
    resolution: str
    call_at: datetime | None  # None while another issue on the debt is still open
    at: datetime
    topic: ClassVar[str] = "recoup/v1/issues/{issue_id}/resolved"


@dataclass(frozen=True, slots=True)
class CallbackScheduled:
    debt_id: str
    follow_up_id: int
    campaign_id: str
    agent: str
    call_at: datetime
    at: datetime
    topic: ClassVar[str] = "recoup/v1/debts/{debt_id}/callback_scheduled"


@dataclass(frozen=True, slots=True)
class PhoneSuppressed:
    debtor_id: str
    phone: str
    reason: str
    at: datetime
    topic: ClassVar[str] = "recoup/v1/debtors/{debtor_id}/phone_suppressed"


DispositionEvent = (
    DispositionRecorded
    | PromiseRecorded
    | PromiseKept
    | PromiseBroken
    | PromiseSuperseded
    | IssueOpened
    | IssueResolved
    | CallbackScheduled
    | PhoneSuppressed
)
