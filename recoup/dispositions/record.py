"""What an agent (or the dialer) records at the end of a contact, as typed values.

One variant per outcome; :data:`DispositionRecord` is their union. Each knows its
:class:`~recoup.domain.model.Disposition` code, and through it whether a telephone
conversation about the debt took place (Reg F 1006.14(b)(2)).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import ClassVar

from recoup.domain.model import Disposition
from recoup.domain.money import Money


@dataclass(frozen=True, slots=True)
class PromiseToPay:
    """The debtor promises ``amount`` by ``due_on``."""

    amount: Money
    due_on: date
    code: ClassVar[Disposition] = Disposition.PROMISE_TO_PAY


@dataclass(frozen=True, slots=True)
class Dispute:
    """The debtor will not pay because of a problem: it goes to ``bucket``."""

    bucket: str
    description: str
    code: ClassVar[Disposition] = Disposition.DISPUTE


@dataclass(frozen=True, slots=True)
class Callback:
    """The debtor asks to be called back at ``at`` (timezone-aware)."""

    at: datetime
    note: str = ""
    code: ClassVar[Disposition] = Disposition.CALLBACK


@dataclass(frozen=True, slots=True)
class WrongParty:
    """Whoever answered ``phone`` is not the debtor: the number is suppressed."""

    phone: str
    code: ClassVar[Disposition] = Disposition.WRONG_PARTY


@dataclass(frozen=True, slots=True)
class Refused:
    """The debtor refuses to pay and names no problem."""

    note: str = ""
    code: ClassVar[Disposition] = Disposition.REFUSED


@dataclass(frozen=True, slots=True)
class Paid:
    """The debtor says it is paid: a payment check is scheduled, the lead is done."""

    note: str = ""
    code: ClassVar[Disposition] = Disposition.PAID


NO_CONVERSATION: frozenset[Disposition] = frozenset(
    {
        Disposition.LEFT_MESSAGE,
        Disposition.NO_ANSWER,
        Disposition.BUSY,
        Disposition.MACHINE,
        Disposition.ABANDONED,
        Disposition.FAILED,
    }
)


@dataclass(frozen=True, slots=True)
class NoConversation:
    """No conversation with the debtor: a message left, no answer, busy, machine ..."""

    outcome: Disposition

    def __post_init__(self) -> None:
        if self.outcome not in NO_CONVERSATION:
            msg = f"{self.outcome.value} is a conversation; record it with its own variant"
            raise ValueError(msg)

    @property
    def code(self) -> Disposition:
        return self.outcome


DispositionRecord = PromiseToPay | Dispute | Callback | WrongParty | Refused | Paid | NoConversation
