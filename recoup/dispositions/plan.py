"""A disposition drives the next step: the pure planner.

:func:`plan_disposition` checks a record against the debt's facts and returns the effects to
write, in order. What each disposition does:

- **promise to pay**: a promise (amount > 0, at most the balance, in its currency, due today or
  within ``promise_max_days`` in the debtor's local calendar); a ``promise_reminder`` follow-up
  ``reminder_days_before`` its date (left out when that moment has passed) and a
  ``promise_check`` ``check_days_after`` it, both at ``follow_up_time`` local; every lead on the
  debt is ``done`` (the promise check puts it back if the promise is broken). It ends any
  promise still running on the debt (:mod:`recoup.dispositions.promises`), so that a payment
  keeps at most one promise.
  Recorded without a call (a back-office user), a promise the same as one still running on
  the debt is refused as a double submission (so are a dispute the same as an open issue and a
  callback at the time of a pending one).
- **dispute**: an issue in its bucket (which must exist), owned by the bucket's owner; every lead
  on the debt is ``removed`` with reason ``dispute``: no call about that debt until the issue is
  resolved (:func:`recoup.dispositions.follow_ups.resolve_issue` schedules the call then).
- **callback**: the time must be in the future, within ``callback_max_days`` and inside the
  calling window in the debtor's timezone (``policy.calling_window``); a ``callback``
  follow-up for the agent and the lead ``ready`` from that time.
- **wrong party**: that number is suppressed (only that one); the lead is ready again after
  ``wrong_party_retry`` if the debtor has another number, else removed.
- **refused**: the lead is ready again after ``refused_retry`` (7 days: Reg F 1006.14(b)(2)
  allows no call for 7 days after a conversation).
- **paid** (the debtor says so): a ``payment_check`` follow-up after ``payment_check_days``;
  every lead on the debt is ``done``.
- **no conversation** (message left, no answer, busy, machine, abandoned, failed): the lead is
  ready again after ``retry_after[outcome]``.

Leads are only updated where they are not ``removed``: a disposition never puts back on the
list a debt taken off it for another reason. Lead updates name the contact's campaign, or every
campaign of the debt where the contact had none (an inbound call). The contact attempt, when
there is one, gets the outcome and the conversation flag.

Pure: the facts, ``now`` and the policy come in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import assert_never
from zoneinfo import ZoneInfo

from recoup.dispositions.record import (
    Callback,
    DispositionRecord,
    Dispute,
    NoConversation,
    Paid,
    PromiseToPay,
    Refused,
    WrongParty,
)
from recoup.domain.model import Disposition, LeadStatus
from recoup.domain.money import Money

CallingWindow = Callable[[datetime, str], bool]
"""Whether a call at this instant is allowed in this IANA timezone (the compliance rule)."""

DISPUTE_REASON = "dispute"


class DispositionRefusedError(ValueError):
    """A disposition that cannot be recorded as given; ``problems`` says why, for the agent."""

    def __init__(self, problems: tuple[str, ...]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def local_hours(start: time = time(8), end: time = time(21)) -> CallingWindow:
    """A window of local hours, ``start`` inclusive to ``end`` exclusive (FDCPA: 8am to 9pm)."""

    def allowed(at: datetime, timezone: str) -> bool:
        local = at.astimezone(ZoneInfo(timezone)).time()
        return start <= local < end

    return allowed


def _default_retries() -> dict[Disposition, timedelta]:
    return {
        Disposition.LEFT_MESSAGE: timedelta(days=1),
        Disposition.NO_ANSWER: timedelta(hours=3),
        Disposition.BUSY: timedelta(minutes=30),
        Disposition.MACHINE: timedelta(hours=4),
        Disposition.ABANDONED: timedelta(hours=72),  # Ofcom: no redial within 72 h
        Disposition.FAILED: timedelta(hours=1),
    }


@dataclass(frozen=True)
class DispositionPolicy:
    promise_max_days: int = 30  # a promise further out is a payment plan, not a promise
    reminder_days_before: int = 1
    check_days_after: int = 1
    follow_up_time: time = time(10, 0)  # debtor's local time of reminders and checks
    callback_max_days: int = 30
    payment_check_days: int = 3  # a payment the debtor says they made shows up by then
    refused_retry: timedelta = timedelta(days=7)
    wrong_party_retry: timedelta = timedelta(hours=1)
    retry_after: Mapping[Disposition, timedelta] = field(default_factory=_default_retries)
    calling_window: CallingWindow = field(default_factory=local_hours)


@dataclass(frozen=True, slots=True)
class LeadFacts:
    campaign_id: str
    status: LeadStatus
    removed_reason: str = ""


@dataclass(frozen=True, slots=True)
class OpenPromise:
    """A promise still running on the debt."""

    id: int
    amount: Money
    due_on: date


@dataclass(frozen=True, slots=True)
class DispositionFacts:
    """What the planner needs to know about the debt and the contact."""

    debt_id: str
    debtor_id: str
    balance: Money
    debtor_timezone: str
    phones: tuple[str, ...]  # the debtor's numbers that are not suppressed
    buckets: Mapping[str, str]  # issue bucket -> owner
    leads: tuple[LeadFacts, ...] = ()
    open_promises: tuple[OpenPromise, ...] = ()
    open_issues: tuple[tuple[str, str], ...] = ()  # (bucket, description) of each open issue
    pending_callbacks: tuple[datetime, ...] = ()  # when each pending callback is due
    attempt_id: int | None = None
    campaign_id: str = ""
    agent: str = ""


class FollowUpKind(StrEnum):
    CALLBACK = "callback"
    PROMISE_REMINDER = "promise_reminder"
    PROMISE_CHECK = "promise_check"
    ISSUE_RESOLVED_CALL = "issue_resolved_call"
    PAYMENT_CHECK = "payment_check"


@dataclass(frozen=True, slots=True)
class RecordOutcome:
    attempt_id: int
    disposition: Disposition
    conversation: bool
    agent: str


@dataclass(frozen=True, slots=True)
class CreatePromise:
    debt_id: str
    amount: Money
    due_on: date
    made_by: str


@dataclass(frozen=True, slots=True)
class OpenIssue:
    debt_id: str
    bucket: str
    owner: str
    description: str


@dataclass(frozen=True, slots=True)
class ScheduleFollowUp:
    kind: FollowUpKind
    debt_id: str
    due_at: datetime
    agent: str = ""
    note: str = ""
    of_new_promise: bool = False  # linked to the promise this plan creates
    of_new_issue: bool = False


@dataclass(frozen=True, slots=True)
class UpdateLeads:
    """Set the debt's leads that are not removed (on ``campaign_id``, or on every campaign)."""

    debt_id: str
    status: LeadStatus
    next_at: datetime | None = None
    removed_reason: str = ""
    campaign_id: str | None = None


@dataclass(frozen=True, slots=True)
class SuppressPhone:
    debtor_id: str
    phone: str
    reason: str


Effect = RecordOutcome | CreatePromise | OpenIssue | ScheduleFollowUp | UpdateLeads | SuppressPhone


def local_today(now: datetime, timezone: str) -> date:
    return now.astimezone(ZoneInfo(timezone)).date()


def local_moment(day: date, at: time, timezone: str) -> datetime:
    """``at`` o'clock on ``day`` in ``timezone``, as UTC."""
    return datetime.combine(day, at, tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def _promise_problems(
    record: PromiseToPay, facts: DispositionFacts, now: datetime, policy: DispositionPolicy
) -> list[str]:
    problems: list[str] = []
    balance = facts.balance
    if record.amount.currency != balance.currency:
        problems.append(f"the debt is in {balance.currency}, not {record.amount.currency}")
    elif record.amount.minor <= 0:
        problems.append("a promise must be for more than nothing")
    elif balance.minor <= 0:
        problems.append("nothing is owed on this debt")
    elif record.amount.minor > balance.minor:
        problems.append(f"{record.amount} is more than the balance of {balance}")
    if facts.attempt_id is None:
        # Without a call there is no attempt to say it was already recorded: the same promise
        # again is a double submission, not a new agreement.
        problems.extend(
            f"already promised: {p.amount} by {p.due_on.isoformat()} (promise {p.id})"
            for p in facts.open_promises
            if (p.amount, p.due_on) == (record.amount, record.due_on)
        )
    today = local_today(now, facts.debtor_timezone)
    latest = today + timedelta(days=policy.promise_max_days)
    if record.due_on < today:
        problems.append(f"{record.due_on.isoformat()} is in the past for the debtor")
    elif record.due_on > latest:
        problems.append(
            f"{record.due_on.isoformat()} is more than {policy.promise_max_days} days away "
            f"(at the latest {latest.isoformat()}): agree a payment plan instead"
        )
    return problems


def _callback_problems(
    record: Callback, facts: DispositionFacts, now: datetime, policy: DispositionPolicy
) -> list[str]:
    if record.at.tzinfo is None:
        return ["a callback time must say its timezone"]
    problems: list[str] = []
    if record.at <= now:
        problems.append("a callback must be in the future")
    elif record.at > now + timedelta(days=policy.callback_max_days):
        problems.append(f"a callback must be within {policy.callback_max_days} days")
    if not policy.calling_window(record.at, facts.debtor_timezone):
        local = record.at.astimezone(ZoneInfo(facts.debtor_timezone))
        problems.append(
            f"{local:%H:%M} on {local:%Y-%m-%d} in {facts.debtor_timezone} is outside the "
            "calling window"
        )
    return problems


def _double_submission(record: DispositionRecord, facts: DispositionFacts) -> list[str]:
    """Without a call there is no attempt to say it was already recorded: the same dispute or
    callback again is a double submission, not a new one (promises: :func:`_promise_problems`)."""
    if facts.attempt_id is not None:
        return []
    match record:
        case Dispute(bucket=bucket, description=text) if (bucket, text.strip()) in (
            facts.open_issues
        ):
            return [f"already open: a {bucket} issue on this debt says {text.strip()!r}"]
        case Callback(at=at) if at.tzinfo is not None and at in facts.pending_callbacks:
            return [f"a callback at {at.astimezone(UTC).isoformat()} is already scheduled"]
        case _:
            return []


def validate_disposition(
    record: DispositionRecord, facts: DispositionFacts, now: datetime, policy: DispositionPolicy
) -> tuple[str, ...]:
    """Every reason ``record`` cannot be recorded; empty when it can."""
    return tuple(_double_submission(record, facts)) + _problems(record, facts, now, policy)


def _problems(
    record: DispositionRecord, facts: DispositionFacts, now: datetime, policy: DispositionPolicy
) -> tuple[str, ...]:
    match record:
        case PromiseToPay():
            return tuple(_promise_problems(record, facts, now, policy))
        case Callback():
            return tuple(_callback_problems(record, facts, now, policy))
        case Dispute(bucket=bucket, description=description):
            problems = []
            if bucket not in facts.buckets:
                known = ", ".join(sorted(facts.buckets)) or "none"
                problems.append(f"no issue bucket {bucket!r} (buckets: {known})")
            if not description.strip():
                problems.append("describe the problem in the debtor's words")
            return tuple(problems)
        case WrongParty(phone=phone) if phone not in facts.phones:
            return (f"{phone} is not one of this debtor's numbers",)
        case _:
            return ()


def _leads(
    facts: DispositionFacts,
    status: LeadStatus,
    next_at: datetime | None = None,
    removed_reason: str = "",
) -> UpdateLeads:
    """The contact's campaign lead, or every lead of the debt for a contact without one."""
    return UpdateLeads(facts.debt_id, status, next_at, removed_reason, facts.campaign_id or None)


def _next_steps(
    record: DispositionRecord, facts: DispositionFacts, now: datetime, policy: DispositionPolicy
) -> list[Effect]:
    debt_id, tz, agent = facts.debt_id, facts.debtor_timezone, facts.agent
    match record:
        case PromiseToPay(amount=amount, due_on=due_on):
            reminder = local_moment(
                due_on - timedelta(days=policy.reminder_days_before), policy.follow_up_time, tz
            )
            check = local_moment(
                due_on + timedelta(days=policy.check_days_after), policy.follow_up_time, tz
            )
            steps: list[Effect] = [CreatePromise(debt_id, amount, due_on, agent)]
            if reminder > now:
                steps.append(
                    ScheduleFollowUp(FollowUpKind.PROMISE_REMINDER, debt_id, reminder, agent,
                                     f"remind: {amount} due {due_on.isoformat()}",
                                     of_new_promise=True)
                )  # fmt: skip
            steps.append(
                ScheduleFollowUp(FollowUpKind.PROMISE_CHECK, debt_id, check, agent,
                                 f"check: {amount} was due {due_on.isoformat()}",
                                 of_new_promise=True)
            )  # fmt: skip
            steps.append(UpdateLeads(debt_id, LeadStatus.DONE))
            return steps
        case Dispute(bucket=bucket, description=description):
            return [
                OpenIssue(debt_id, bucket, facts.buckets[bucket], description.strip()),
                UpdateLeads(debt_id, LeadStatus.REMOVED, removed_reason=DISPUTE_REASON),
            ]
        case Callback(at=at, note=note):
            return [
                ScheduleFollowUp(FollowUpKind.CALLBACK, debt_id, at.astimezone(UTC), agent, note),
                _leads(facts, LeadStatus.READY, next_at=at.astimezone(UTC)),
            ]
        case WrongParty(phone=phone):
            others = [p for p in facts.phones if p != phone]
            lead = (
                _leads(facts, LeadStatus.READY, next_at=now + policy.wrong_party_retry)
                if others
                else _leads(facts, LeadStatus.REMOVED, None, "wrong party: no number left")
            )
            return [SuppressPhone(facts.debtor_id, phone, "wrong party"), lead]
        case Refused():
            return [_leads(facts, LeadStatus.READY, next_at=now + policy.refused_retry)]
        case Paid(note=note):
            check = now + timedelta(days=policy.payment_check_days)
            return [
                ScheduleFollowUp(FollowUpKind.PAYMENT_CHECK, debt_id, check, agent,
                                 note or "debtor says it is paid: check payments"),
                UpdateLeads(debt_id, LeadStatus.DONE),
            ]  # fmt: skip
        case NoConversation(outcome=outcome):
            wait = policy.retry_after.get(outcome, timedelta(hours=1))
            return [_leads(facts, LeadStatus.READY, next_at=now + wait)]
        case _:
            assert_never(record)


def plan_disposition(
    record: DispositionRecord, facts: DispositionFacts, now: datetime, policy: DispositionPolicy
) -> list[Effect]:
    """The effects of ``record``, in the order to write them; refused with every problem."""
    problems = validate_disposition(record, facts, now, policy)
    if problems:
        raise DispositionRefusedError(problems)
    effects: list[Effect] = []
    if facts.attempt_id is not None:
        effects.append(
            RecordOutcome(facts.attempt_id, record.code, record.code.is_conversation, facts.agent)
        )
    effects.extend(_next_steps(record, facts, now, policy))
    return effects
