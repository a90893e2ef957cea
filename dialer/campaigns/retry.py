"""What becomes of a lead after a call (or a claim that was not dialed).

:func:`plan_release` is pure: the caller passes the lead's attempts so far, how many times this
outcome already happened on it, the time and the campaign's rules.

- Not dialed (``outcome`` None: a gate refused it, the dialer stopped): back to ready at
  ``retry_at`` (or at once), the attempt count unchanged.
- :data:`UNDISPOSED` (an agent had the call and recorded nothing: the wrap-up ran out, or they
  went ready without a disposition): a person answered and an agent talked to them, so the
  lead waits 7 days as after a conversation (the safe side of Reg F 1006.14(b)(2)).
- No contact (busy, no answer, machine, message left, abandoned, failed): ready again after the
  outcome's retry delay, until the outcome happened ``max_times`` times or the lead reached
  ``max_attempts``; then done.
- Promise to pay: done (the follow-ups remind and check). Paid, dispute: removed (nobody is
  pressed about a debt said to be paid, or disputed before it is verified: FDCPA 1692g(b)).
- Callback: ready at the agreed time (``retry_at``). Refused: ready in 7 days (Reg F
  1006.14(b)(2): no call for 7 days after a conversation). Wrong party: ready at once, the
  dispositions suppress the number and the next claim dials the next one or removes the lead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from dialer.campaigns.config import CampaignConfig
from recoup.domain.model import Disposition, LeadStatus

AFTER_CONVERSATION = timedelta(days=7)


class NoDisposition(Enum):
    """An agent's call that ended with nothing recorded."""

    UNDISPOSED = "no disposition"


UNDISPOSED = NoDisposition.UNDISPOSED

_REMOVED_BY = {
    Disposition.PAID: "debtor says paid: check payments",
    Disposition.DISPUTE: "disputed: no collection until verified",
}


@dataclass(frozen=True, slots=True)
class LeadRelease:
    """The lead's next state on the list."""

    status: LeadStatus
    next_at: datetime | None
    attempts: int
    reason: str  # why; stored as ``removed_reason`` when the lead leaves the list


def plan_release(
    outcome: Disposition | NoDisposition | None,
    *,
    attempts: int,
    earlier_same_outcome: int,
    now: datetime,
    config: CampaignConfig,
    retry_at: datetime | None = None,
) -> LeadRelease:
    """The lead's next state; ``earlier_same_outcome`` excludes this call."""
    if outcome is None:
        return LeadRelease(LeadStatus.READY, retry_at, attempts, "not dialed")
    dialed = attempts + 1
    if outcome in _REMOVED_BY:
        return LeadRelease(LeadStatus.REMOVED, None, dialed, _REMOVED_BY[outcome])
    if outcome is Disposition.PROMISE_TO_PAY:
        return LeadRelease(LeadStatus.DONE, None, dialed, "promise to pay")
    if outcome is Disposition.CALLBACK:
        when = retry_at or now + AFTER_CONVERSATION
        return LeadRelease(LeadStatus.READY, when, dialed, "callback")
    if dialed >= config.max_attempts:
        reason = f"{dialed} attempts: the campaign's maximum is {config.max_attempts}"
        return LeadRelease(LeadStatus.DONE, None, dialed, reason)
    if outcome is Disposition.REFUSED:
        when = max(retry_at or now, now + AFTER_CONVERSATION)
        return LeadRelease(LeadStatus.READY, when, dialed, "refused: 7 days after a conversation")
    if outcome is UNDISPOSED:
        when = max(retry_at or now, now + AFTER_CONVERSATION)
        reason = "no disposition: 7 days, as after a conversation"
        return LeadRelease(LeadStatus.READY, when, dialed, reason)
    if outcome is Disposition.WRONG_PARTY:
        return LeadRelease(LeadStatus.READY, retry_at or now, dialed, "wrong party")
    rule = config.retry.for_outcome(outcome)
    if rule is None:  # a conversation outcome added to Disposition without a rule here
        msg = f"no release rule for outcome {outcome.value!r}"
        raise ValueError(msg)
    times = earlier_same_outcome + 1
    if times >= rule.max_times:
        reason = f"{outcome.value} {times} times: the campaign's maximum is {rule.max_times}"
        return LeadRelease(LeadStatus.DONE, None, dialed, reason)
    when = now + timedelta(minutes=rule.delay_minutes)
    if retry_at is not None:
        when = max(when, retry_at)
    return LeadRelease(LeadStatus.READY, when, dialed, f"{outcome.value}: retry")
