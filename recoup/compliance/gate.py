"""The compliance gate: the dialer asks it before every single dial, and a refused dial never
reaches Asterisk.

Each refusal carries a stable ``rule`` code (stored in ``dial_refusal.rule``), a ``reason`` in
plain words for the supervisor, and ``next_allowed_at``: the earliest instant at which every
time-bound rule would let the dial through (None while a standing fact forbids it). Rules, in
the order a refusal names them:

=======================  ==================================================================
``do_not_call``          the debtor asked not to be called (FDCPA 1692c(a), TCPA / internal list)
``cease_communication``  the debtor told the collector in writing to stop (FDCPA 1692c(c))
``debt_paid``            nothing is owed: status paid or no balance left
``debt_closed``          handed to lawyers or written off: not the contact centre's to call
``dispute_open``         the debt is disputed or has an open issue (FDCPA 1692g(b): collection
                         stops until the dispute is answered)
``phone_suppressed``     this number is suppressed (wrong party, the debtor's request)
``promise_pending``      a promise to pay is not yet due (plus the policy's grace days)
``conversation_pause``   Reg F 1006.14(b)(2)(ii), see :mod:`recoup.compliance.contact_cap`
``contact_cap_7in7``     Reg F 1006.14(b)(2)(i), same module
``uk_abandon_72h``       UK mode: no call to a number within 72 h after an abandoned call to it
                         (counted from the abandon: the call's end), unless an agent is reserved
                         for it (Ofcom's persistent misuse policy)
``holiday``              the debtor's local date is a configured holiday (any candidate zone)
``calling_window``       outside calling hours in some candidate zone (FDCPA 1692c(a)(1), Reg F
                         1006.6(b)(1)(i)), see :mod:`recoup.compliance.calling_window`
=======================  ==================================================================

Pure: the facts are a snapshot the caller read (:mod:`recoup.compliance.facts`), ``now`` and the
policy come in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from recoup.compliance.calling_window import CallingWindow, check_calling_window
from recoup.compliance.contact_cap import Contact, ContactCapPolicy, check_contact_cap
from recoup.compliance.local_time import start_of_day, zone_named
from recoup.domain.model import DebtStatus

_SETTLE_STEPS = 64  # time-bound rules agree within a few steps; this only bounds a bad policy


class GateRule(StrEnum):
    DO_NOT_CALL = "do_not_call"
    CEASE_COMMUNICATION = "cease_communication"
    DEBT_PAID = "debt_paid"
    DEBT_CLOSED = "debt_closed"
    DISPUTE_OPEN = "dispute_open"
    PHONE_SUPPRESSED = "phone_suppressed"
    PROMISE_PENDING = "promise_pending"
    CONVERSATION_PAUSE = "conversation_pause"
    CONTACT_CAP_7IN7 = "contact_cap_7in7"
    UK_ABANDON_72H = "uk_abandon_72h"
    HOLIDAY = "holiday"
    CALLING_WINDOW = "calling_window"


@dataclass(frozen=True, slots=True)
class DialFacts:
    """What the gate knows about one dial: a snapshot of the debt, its debtor and the number."""

    debt_id: str
    debtor_id: str
    phone: str  # the number about to be dialed (E.164)
    zones: tuple[str, ...]  # every zone the debtor may be in (debtor.timezone_candidates)
    debt_status: DebtStatus = DebtStatus.OPEN
    balance_minor: int = 0  # what is owed; 0 (nothing owed) is refused as paid
    do_not_call: bool = False
    cease_communication: bool = False
    phone_suppressed: bool = False
    history: tuple[Contact, ...] = ()  # the debt's contact attempts on every channel
    open_issues: int = 0  # issues about the debt not yet resolved
    pending_promises: tuple[date, ...] = ()  # due dates of the debt's pending promises
    phone_abandons: tuple[datetime, ...] = ()  # when calls to this number were abandoned
    agent_reserved: bool = False  # an agent waits for this call (UK: redial after an abandon)
    promise_follow_up: bool = False  # this dial is the promise's own reminder or check


@dataclass(frozen=True, slots=True)
class CompliancePolicy:
    """The figures of one campaign or jurisdiction (defaults: US federal law)."""

    window: CallingWindow = field(default_factory=CallingWindow)
    contact_cap: ContactCapPolicy = field(default_factory=ContactCapPolicy)
    promise_grace_days: int = 0  # days after a promise's due date before calling about it
    uk_mode: bool = False
    uk_abandon_pause: timedelta = timedelta(hours=72)

    @property
    def lookback(self) -> timedelta:
        """How much history the gate needs to judge a dial now."""
        return max(self.contact_cap.lookback, self.uk_abandon_pause)


@dataclass(frozen=True, slots=True)
class GateVerdict:
    allowed: bool
    rule: GateRule | None = None
    reason: str | None = None  # plain words, for the supervisor and the refusal record
    next_allowed_at: datetime | None = None

    @classmethod
    def refuse(
        cls, rule: GateRule, reason: str, next_allowed_at: datetime | None = None
    ) -> GateVerdict:
        return cls(False, rule, reason, next_allowed_at)


_ALLOW = GateVerdict(True)
_Rule = Callable[[DialFacts, datetime, CompliancePolicy], GateVerdict]


def _standing(facts: DialFacts, _now: datetime, _policy: CompliancePolicy) -> GateVerdict:
    """Facts that forbid the dial until someone changes them."""
    status = facts.debt_status
    if facts.do_not_call:
        return GateVerdict.refuse(GateRule.DO_NOT_CALL, "the debtor is on the do-not-call list")
    if facts.cease_communication:
        return GateVerdict.refuse(
            GateRule.CEASE_COMMUNICATION, "the debtor asked in writing that we stop contacting them"
        )
    if status is DebtStatus.PAID or facts.balance_minor <= 0:
        return GateVerdict.refuse(GateRule.DEBT_PAID, "the debt is paid: nothing is owed")
    if status in (DebtStatus.LEGAL, DebtStatus.WRITTEN_OFF):
        what = "handed to lawyers" if status is DebtStatus.LEGAL else "written off"
        return GateVerdict.refuse(GateRule.DEBT_CLOSED, f"the debt was {what}")
    if status is DebtStatus.DISPUTED or facts.open_issues:
        count = f"{facts.open_issues} open issue(s)" if facts.open_issues else "status disputed"
        return GateVerdict.refuse(
            GateRule.DISPUTE_OPEN, f"the debt is disputed ({count}): no call until it is resolved"
        )
    if facts.phone_suppressed:
        return GateVerdict.refuse(
            GateRule.PHONE_SUPPRESSED, f"the number {facts.phone} is suppressed"
        )
    return _ALLOW


def _promise(facts: DialFacts, now: datetime, policy: CompliancePolicy) -> GateVerdict:
    if facts.promise_follow_up or not facts.pending_promises:
        return _ALLOW
    last_day = max(facts.pending_promises) + timedelta(days=policy.promise_grace_days)
    zones = [z for z in (zone_named(n) for n in facts.zones) if z is not None]
    zones = zones or [ZoneInfo("UTC")]
    if all(now.astimezone(z).date() > last_day for z in zones):
        return _ALLOW
    resume = max(start_of_day(last_day + timedelta(days=1), z) for z in zones)
    grace = f" and {policy.promise_grace_days} day(s) of grace" if policy.promise_grace_days else ""
    return GateVerdict.refuse(
        GateRule.PROMISE_PENDING,
        f"the debtor promised to pay by {max(facts.pending_promises):%Y-%m-%d}; no call until "
        f"that date{grace} has passed",
        resume,
    )


def _contact_cap(facts: DialFacts, now: datetime, policy: CompliancePolicy) -> GateVerdict:
    verdict = check_contact_cap(facts.history, now, policy.contact_cap, facts.zones)
    if verdict.allowed or verdict.rule is None or verdict.reason is None:
        return _ALLOW
    return GateVerdict.refuse(GateRule(verdict.rule.value), verdict.reason, verdict.next_allowed_at)


def _uk_abandon(facts: DialFacts, now: datetime, policy: CompliancePolicy) -> GateVerdict:
    if not policy.uk_mode or facts.agent_reserved:
        return _ALLOW
    abandons = [*facts.phone_abandons]
    abandons += [
        c.abandoned_at for c in facts.history if c.abandoned and c.phone in ("", facts.phone)
    ]
    # An abandon stored after ``now`` holds the number too: the clock reading ``now`` is behind.
    blocking = [a for a in abandons if now < a + policy.uk_abandon_pause]
    if not blocking:
        return _ALLOW
    last = max(blocking)
    hours = policy.uk_abandon_pause / timedelta(hours=1)
    return GateVerdict.refuse(
        GateRule.UK_ABANDON_72H,
        f"a call to {facts.phone} was abandoned at {last.astimezone(UTC):%Y-%m-%d %H:%M} UTC; "
        f"no redial for {hours:g} hours unless an agent is reserved for it",
        last + policy.uk_abandon_pause,
    )


def _window(facts: DialFacts, now: datetime, policy: CompliancePolicy) -> GateVerdict:
    verdict = check_calling_window(facts.zones, now, policy.window)
    if verdict.allowed or verdict.rule is None or verdict.reason is None:
        return _ALLOW
    return GateVerdict.refuse(GateRule(verdict.rule.value), verdict.reason, verdict.next_allowed_at)


_TIMED: tuple[_Rule, ...] = (_promise, _contact_cap, _uk_abandon, _window)


def _earliest_clear(facts: DialFacts, start: datetime, policy: CompliancePolicy) -> datetime | None:
    """The first instant at or after ``start`` at which no time-bound rule refuses.

    Each rule names the earliest instant it would allow; moving to the latest of those and
    asking again never passes a time all rules allow, so the first instant that satisfies all
    of them is found in a few steps.
    """
    at = start
    for _ in range(_SETTLE_STEPS):
        refusals = [v for v in (rule(facts, at, policy) for rule in _TIMED) if not v.allowed]
        if not refusals:
            return at
        nexts = [v.next_allowed_at for v in refusals]
        if any(n is None for n in nexts):
            return None
        at = max(n for n in nexts if n is not None)
    return None


def check_dial(facts: DialFacts, now: datetime, policy: CompliancePolicy) -> GateVerdict:
    """Whether the dialer may place this call at ``now``; if not, which rule says no and why."""
    if now.tzinfo is None:
        msg = "now must be timezone-aware"
        raise ValueError(msg)
    now = now.astimezone(UTC)
    standing = _standing(facts, now, policy)
    if not standing.allowed:
        return standing
    for rule in _TIMED:
        verdict = rule(facts, now, policy)
        if not verdict.allowed:
            return GateVerdict(
                False, verdict.rule, verdict.reason, _earliest_clear(facts, now, policy)
            )
    return _ALLOW


@dataclass(frozen=True, slots=True)
class ComplianceGate:
    """The gate with one campaign's policy bound in."""

    policy: CompliancePolicy = field(default_factory=CompliancePolicy)

    def check(self, facts: DialFacts, now: datetime) -> GateVerdict:
        return check_dial(facts, now, self.policy)
