"""What a campaign is: whom it calls, in which order, how, when, and what happens after a call.

A :class:`CampaignConfig` is stored as JSON in ``campaign.config`` (``dial_mode`` and
``abandon_target`` are also copied into their own columns for reports). Every figure the law
fixes is checked here, so that a campaign that breaks it cannot be saved:

- ring at least 15 s before giving up (47 CFR 64.1200(a)(7));
- connect a live answer to an agent within 2 s (same);
- abandon at most 3% of live answers (same; Ofcom in UK mode), unless the campaign says
  ``allow_abandon_above_legal`` for a jurisdiction that allows more;
- call between 08:00 and 21:00 debtor's local time (FDCPA 1692c(a)(1)), unless
  ``allow_outside_legal_hours``;
- UK mode: no redial after an abandoned call within 72 h unless an agent is reserved for it,
  i.e. only preview campaigns may retry abandons sooner (Ofcom).

:func:`load_campaign_config` turns pydantic's errors into one readable message per problem.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from recoup.domain.model import DebtStatus, DialMode, Disposition
from recoup.rules.payment_profile import PaymentProfile

LEGAL_ABANDON_CAP = 0.03
LEGAL_MIN_RING_S = 15.0
LEGAL_CONNECT_LIMIT_S = 2.0
LEGAL_EARLIEST = time(8, 0)
LEGAL_LATEST = time(21, 0)
UK_ABANDON_REDIAL_MINUTES = 72 * 60

_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_QUEUE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class CampaignConfigError(ValueError):
    """A campaign configuration that may not be saved; ``problems`` says why, one per line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("campaign configuration refused:\n  " + "\n  ".join(problems))


_NOT_CALLED = (DebtStatus.LEGAL, DebtStatus.WRITTEN_OFF)  # with the lawyers; not collected


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ListSelection(_Value):
    """Which debts the campaign calls. Empty ``profiles``/``segments`` mean any."""

    statuses: tuple[DebtStatus, ...] = (DebtStatus.OPEN,)
    min_days_past_due: int = Field(0, ge=0)
    max_days_past_due: int | None = Field(None, ge=0)
    min_balance_minor: int = Field(1, ge=1)
    max_balance_minor: int | None = Field(None, ge=1)
    profiles: tuple[PaymentProfile, ...] = ()
    segments: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _ranges(self) -> Self:
        if not self.statuses:
            msg = "statuses: name at least one debt status to call about"
            raise ValueError(msg)
        if DebtStatus.PAID in self.statuses:
            msg = "statuses: nobody is called about a paid debt"
            raise ValueError(msg)
        if gone := [s.value for s in self.statuses if s in _NOT_CALLED]:
            msg = f"statuses: {', '.join(gone)} debts are no longer called by the contact centre"
            raise ValueError(msg)
        dpd_max, bal_max = self.max_days_past_due, self.max_balance_minor
        if dpd_max is not None and dpd_max < self.min_days_past_due:
            msg = f"max_days_past_due {dpd_max} is below min_days_past_due"
            raise ValueError(msg)
        if bal_max is not None and bal_max < self.min_balance_minor:
            msg = f"max_balance_minor {bal_max} is below min_balance_minor"
            raise ValueError(msg)
        if PaymentProfile.PAID_UP in self.profiles:
            msg = "profiles: a paid-up debtor is never called"
            raise ValueError(msg)
        return self


class OrderKey(StrEnum):
    BALANCE = "balance"
    DAYS_PAST_DUE = "days_past_due"
    PROMISE_DUE = "promise_due"  # the debt's earliest pending promise; debts without come last
    RISK_SCORE = "risk_score"  # from the payment profile (see ``risk_by_profile``)


class Direction(StrEnum):
    ASC = "asc"
    DESC = "desc"


class OrderBy(_Value):
    key: OrderKey
    direction: Direction = Direction.DESC


class CallingWindow(_Value):
    """When the campaign dials, in the debtor's local time. Weekdays: 0 = Monday."""

    start: time = LEGAL_EARLIEST
    end: time = LEGAL_LATEST
    weekdays: frozenset[int] = frozenset(range(6))  # Monday to Saturday
    holidays: frozenset[date] = frozenset()
    allow_outside_legal_hours: bool = False

    @model_validator(mode="after")
    def _hours(self) -> Self:
        if self.start >= self.end:
            msg = f"the window must start before it ends ({self.start} to {self.end})"
            raise ValueError(msg)
        if bad := sorted(d for d in self.weekdays if not 0 <= d <= 6):
            msg = f"weekdays are 0 (Monday) to 6 (Sunday), not {bad}"
            raise ValueError(msg)
        if not self.weekdays:
            msg = "weekdays: name at least one day"
            raise ValueError(msg)
        legal = self.start >= LEGAL_EARLIEST and self.end <= LEGAL_LATEST
        if not legal and not self.allow_outside_legal_hours:
            msg = (
                f"{self.start:%H:%M}-{self.end:%H:%M} leaves 08:00-21:00 local time "
                "(FDCPA 1692c(a)(1)); set allow_outside_legal_hours where the law allows it"
            )
            raise ValueError(msg)
        return self

    def contains(self, local: datetime) -> bool:
        """Whether ``local`` (already in the debtor's timezone) falls inside the window."""
        if local.weekday() not in self.weekdays or local.date() in self.holidays:
            return False
        return self.start <= local.time() < self.end


class MachineAction(StrEnum):
    HANGUP = "hangup"
    LEAVE_MESSAGE = "leave_message"


class RecordingNotice(StrEnum):
    """Who tells an all-party-consent debtor that the call is recorded.

    ``script``: the agent, from the script's opening (every script opens with it for such a
    debtor). ``prompt``: Asterisk plays the campaign's notice before the queue, which spends
    part of the 2 s between the debtor's greeting and an agent (47 CFR 64.1200(a)(7)); with AMD
    on, AMD's 0.8 s of silence already has, so a prompt of about a second leaves an agent no
    time. Use ``prompt`` with AMD off, or with a very short notice.
    """

    SCRIPT = "script"
    PROMPT = "prompt"


class AmdConfig(_Value):
    enabled: bool = True
    on_machine: MachineAction = MachineAction.HANGUP
    message_prompt: str = ""  # the sound file played before hanging up on a machine

    @model_validator(mode="after")
    def _prompt(self) -> Self:
        if self.on_machine is MachineAction.LEAVE_MESSAGE and not self.message_prompt:
            msg = "on_machine leave_message needs a message_prompt to play"
            raise ValueError(msg)
        return self


class RetryRule(_Value):
    """After this outcome, try again ``delay_minutes`` later; the ``max_times``-th time this
    outcome happens on a lead ends it (``max_times=1``: never retried)."""

    delay_minutes: int = Field(ge=0)
    max_times: int = Field(ge=1)


class RetryRules(_Value):
    busy: RetryRule = RetryRule(delay_minutes=15, max_times=5)
    no_answer: RetryRule = RetryRule(delay_minutes=120, max_times=5)
    machine: RetryRule = RetryRule(delay_minutes=240, max_times=3)  # also a message left
    abandoned: RetryRule = RetryRule(delay_minutes=60, max_times=2)
    failed: RetryRule = RetryRule(delay_minutes=30, max_times=3)  # congestion, unreachable

    def for_outcome(self, outcome: Disposition) -> RetryRule | None:
        """The rule for a no-contact outcome, or None for a conversation."""
        return {
            Disposition.BUSY: self.busy,
            Disposition.NO_ANSWER: self.no_answer,
            Disposition.MACHINE: self.machine,
            Disposition.LEFT_MESSAGE: self.machine,
            Disposition.ABANDONED: self.abandoned,
            Disposition.FAILED: self.failed,
        }.get(outcome)


class ScriptRuleConfig(_Value):
    """Which script an agent sees; the lowest ``priority`` among the matching rules wins."""

    script_id: str = Field(min_length=1, max_length=64)
    priority: int = 100
    profile: PaymentProfile | None = None
    segment: str = ""
    language: str = ""


DEFAULT_RISK_BY_PROFILE: dict[PaymentProfile, int] = {
    PaymentProfile.PAID_UP: 0,
    PaymentProfile.CURRENT: 10,
    PaymentProfile.NEW_DELINQUENT: 30,
    PaymentProfile.DISPUTING: 40,
    PaymentProfile.HABITUAL_LATE: 50,
    PaymentProfile.HIGH_BALANCE: 60,
    PaymentProfile.NEVER_PAID: 70,
    PaymentProfile.BROKEN_PROMISE: 80,
}
MAX_RISK_SCORE = 100


class CampaignConfig(_Value):
    selection: ListSelection = ListSelection()
    order: tuple[OrderBy, ...] = (OrderBy(key=OrderKey.BALANCE, direction=Direction.DESC),)
    risk_by_profile: dict[PaymentProfile, int] = Field(
        default_factory=lambda: dict(DEFAULT_RISK_BY_PROFILE)
    )
    dial_mode: DialMode = DialMode.PREDICTIVE
    abandon_target: float = Field(LEGAL_ABANDON_CAP, gt=0.0, lt=1.0)
    allow_abandon_above_legal: bool = False
    uk_mode: bool = False  # abandon rate per calendar day, 72 h after an abandon
    window: CallingWindow = CallingWindow()
    amd: AmdConfig = AmdConfig()
    caller_id: str
    queue: str = "collections"
    retry: RetryRules = RetryRules()
    max_attempts: int = Field(7, ge=1)
    ring_timeout_s: float = Field(25.0, le=120.0)
    connect_limit_s: float = Field(LEGAL_CONNECT_LIMIT_S, gt=0.0)
    wrap_up_s: int | None = Field(30, gt=0)  # None: wrap-up lasts until the agent ends it
    recording_notice: RecordingNotice = RecordingNotice.SCRIPT
    scripts: tuple[ScriptRuleConfig, ...] = ()

    @field_validator("caller_id")
    @classmethod
    def _e164(cls, value: str) -> str:
        if not _E164.match(value):
            msg = f"caller_id {value!r} is not an E.164 number such as +12125550100"
            raise ValueError(msg)
        return value

    @field_validator("queue")
    @classmethod
    def _queue(cls, value: str) -> str:
        if not _QUEUE_NAME.match(value):
            msg = f"queue {value!r} is not an Asterisk queue name (letters, digits, _ . -)"
            raise ValueError(msg)
        return value

    @field_validator("ring_timeout_s")
    @classmethod
    def _ring(cls, value: float) -> float:
        if value < LEGAL_MIN_RING_S:
            msg = f"ring_timeout_s {value:g} is below the legal 15 s (47 CFR 64.1200(a)(7))"
            raise ValueError(msg)
        return value

    @field_validator("connect_limit_s")
    @classmethod
    def _connect(cls, value: float) -> float:
        if value > LEGAL_CONNECT_LIMIT_S:
            msg = f"connect_limit_s {value:g} is above the legal 2 s (47 CFR 64.1200(a)(7))"
            raise ValueError(msg)
        return value

    @field_validator("order")
    @classmethod
    def _order(cls, value: tuple[OrderBy, ...]) -> tuple[OrderBy, ...]:
        keys = [o.key for o in value]
        if not keys:
            msg = "order: name at least one key (default: balance desc)"
            raise ValueError(msg)
        if len(set(keys)) != len(keys):
            msg = f"order: each key at most once, got {[k.value for k in keys]}"
            raise ValueError(msg)
        return value

    @field_validator("risk_by_profile")
    @classmethod
    def _risk(cls, value: dict[PaymentProfile, int]) -> dict[PaymentProfile, int]:
        if bad := {p.value: s for p, s in value.items() if not 0 <= s <= MAX_RISK_SCORE}:
            msg = f"risk_by_profile: scores are 0 to {MAX_RISK_SCORE}, got {bad}"
            raise ValueError(msg)
        return {**DEFAULT_RISK_BY_PROFILE, **value}

    @model_validator(mode="after")
    def _law(self) -> Self:
        if self.abandon_target > LEGAL_ABANDON_CAP and not self.allow_abandon_above_legal:
            msg = (
                f"abandon_target {self.abandon_target:.2%} is above the legal 3% "
                "(47 CFR 64.1200(a)(7)); set allow_abandon_above_legal where the law allows it"
            )
            raise ValueError(msg)
        uk_redial = self.retry.abandoned.delay_minutes < UK_ABANDON_REDIAL_MINUTES
        if self.uk_mode and uk_redial and self.dial_mode is not DialMode.PREVIEW:
            msg = (
                "uk_mode: retry.abandoned.delay_minutes must be at least 4320 (72 h, Ofcom) "
                "unless the campaign dials in preview mode with an agent reserved"
            )
            raise ValueError(msg)
        return self

    @property
    def abandon_target_basis_points(self) -> int:
        return round(self.abandon_target * 10_000)

    def to_json(self) -> dict[str, Any]:
        """The JSON stored in ``campaign.config``."""
        return self.model_dump(mode="json")


def load_campaign_config(data: Any) -> CampaignConfig:
    """Validate ``data`` (a dict from JSON or TOML), or raise :class:`CampaignConfigError`."""
    try:
        return CampaignConfig.model_validate(data)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            where = ".".join(str(part) for part in item["loc"]) or "campaign"
            text = str(item["msg"]).removeprefix("Value error, ")
            if item["type"] == "extra_forbidden":
                text = "unknown key (a misspelling?)"
            problems.append(f"{where}: {text}")
        raise CampaignConfigError(problems) from error
