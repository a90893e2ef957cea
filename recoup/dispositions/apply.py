"""Writing a disposition: load the debt's facts, plan (pure), write the effects in the
caller's transaction, and return the domain events for the bus.

The caller owns the transaction (``async with engine.begin() as connection``) and publishes the
events once it has committed: a refused disposition (:class:`DispositionRefusedError`) or a
failure leaves nothing behind.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from recoup.dispositions.events import (
    CallbackScheduled,
    DispositionEvent,
    DispositionRecorded,
    IssueOpened,
    PhoneSuppressed,
    PromiseRecorded,
)
from recoup.dispositions.plan import (
    CreatePromise,
    DispositionFacts,
    DispositionPolicy,
    DispositionRefusedError,
    Effect,
    FollowUpKind,
    LeadFacts,
    OpenIssue,
    OpenPromise,
    RecordOutcome,
    ScheduleFollowUp,
    SuppressPhone,
    UpdateLeads,
    local_today,
    plan_disposition,
)
from recoup.dispositions.promises import OPEN, PENDING, end_running_promises
from recoup.dispositions.record import DispositionRecord
from recoup.domain.model import Disposition, IssueStatus, LeadStatus
from recoup.domain.money import Money
from recoup.storage import tables as t

# Outcomes only an agent records: a second one on the same call is a double submission.
_AGENT_OUTCOMES = frozenset(d.value for d in Disposition if d.is_conversation) | {
    Disposition.WRONG_PARTY.value
}
# Outcomes of a call that never reached anyone: not for a call bridged to an agent, where they
# would erase a conversation and free the debt inside Reg F's 7 days after one (1006.14(b)(2)).
_UNREACHED = frozenset(
    {Disposition.NO_ANSWER, Disposition.BUSY, Disposition.ABANDONED, Disposition.FAILED}
)


async def _attempt(
    connection: AsyncConnection,
    attempt_id: int,
    debt_id: str | None,
    agent: str | None,
    code: Disposition,
) -> tuple[str, str, str]:
    """The attempt's debt, campaign and agent; refused if it already has the agent's outcome,
    if ``agent`` is not the agent who had the call, or if ``code`` says nobody was reached on a
    call an agent had."""
    row = (
        (
            await connection.execute(
                # Locked: a double-click's second request waits for the first to commit, then
                # sees its outcome and is refused, instead of writing a second promise.
                select(t.contact_attempt)
                .where(t.contact_attempt.c.id == attempt_id)
                .with_for_update()
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        msg = f"no contact attempt {attempt_id}"
        raise DispositionRefusedError((msg,))
    if debt_id is not None and row["debt_id"] != debt_id:
        msg = f"contact attempt {attempt_id} is about debt {row['debt_id']}, not {debt_id}"
        raise DispositionRefusedError((msg,))
    if agent is not None and row["agent"] and agent != row["agent"]:
        msg = f"contact attempt {attempt_id} is {row['agent']}'s call, not {agent}'s"
        raise DispositionRefusedError((msg,))
    if row["outcome"] in _AGENT_OUTCOMES:
        msg = f"contact attempt {attempt_id} is already recorded as {row['outcome']}"
        raise DispositionRefusedError((msg,))
    if code in _UNREACHED and row["connected_at"] is not None:
        msg = (
            f"contact attempt {attempt_id} reached an agent: record what came of it, "
            f"not {code.value}"
        )
        raise DispositionRefusedError((msg,))
    return row["debt_id"], row["campaign_id"], row["agent"]


async def _lock_debt(connection: AsyncConnection, debt_id: str) -> None:
    """Hold the debt's row until the caller commits: a disposition without a call has no
    attempt to lock, and a double-click's second request must wait for the first and see what
    it wrote. An update, not ``SELECT ... FOR UPDATE``, so that SQLite (which ignores that) takes
    its write lock here too, before anything is read."""
    await connection.execute(
        update(t.debt).where(t.debt.c.id == debt_id).values(status=t.debt.c.status)
    )


async def load_disposition_facts(
    connection: AsyncConnection,
    debt_id: str,
    *,
    attempt_id: int | None = None,
    campaign_id: str = "",
    agent: str = "",
) -> DispositionFacts:
    debt = (
        (
            await connection.execute(
                select(t.debt, t.account.c.debtor_id, t.debtor.c.timezone)
                .join(t.account, t.account.c.id == t.debt.c.account_id)
                .join(t.debtor, t.debtor.c.id == t.account.c.debtor_id)
                .where(t.debt.c.id == debt_id)
            )
        )
        .mappings()
        .first()
    )
    if debt is None:
        msg = f"no debt {debt_id}"
        raise DispositionRefusedError((msg,))
    phones = await connection.execute(
        select(t.phone.c.number)
        .where(t.phone.c.debtor_id == debt["debtor_id"], t.phone.c.suppressed.is_(False))
        .order_by(t.phone.c.rank, t.phone.c.id)
    )
    buckets = await connection.execute(select(t.issue_bucket.c.name, t.issue_bucket.c.owner))
    leads = await connection.execute(
        select(t.campaign_lead.c.campaign_id, t.campaign_lead.c.status,
               t.campaign_lead.c.removed_reason)
        .where(t.campaign_lead.c.debt_id == debt_id)
        .order_by(t.campaign_lead.c.campaign_id)
    )  # fmt: skip
    promises = await connection.execute(
        select(t.promise.c.id, t.promise.c.amount_minor, t.promise.c.currency, t.promise.c.due_on)
        .where(t.promise.c.debt_id == debt_id, t.promise.c.status.in_(OPEN))
        .order_by(t.promise.c.id)
    )
    issues = await connection.execute(
        select(t.issue.c.bucket, t.issue.c.description).where(
            t.issue.c.debt_id == debt_id, t.issue.c.status != IssueStatus.RESOLVED.value
        )
    )
    callbacks = await connection.execute(
        select(t.follow_up.c.due_at).where(
            t.follow_up.c.debt_id == debt_id,
            t.follow_up.c.kind == FollowUpKind.CALLBACK.value,
            t.follow_up.c.status == PENDING,
        )
    )
    return DispositionFacts(
        debt_id=debt_id,
        debtor_id=debt["debtor_id"],
        balance=Money(debt["balance_minor"], debt["currency"]),
        debtor_timezone=debt["timezone"],
        phones=tuple(phones.scalars()),
        buckets=dict(buckets.tuples().all()),
        leads=tuple(LeadFacts(c, LeadStatus(s), r) for c, s, r in leads.tuples()),
        open_promises=tuple(OpenPromise(i, Money(m, c), d) for i, m, c, d in promises.tuples()),
        open_issues=tuple(issues.tuples().all()),
        pending_callbacks=tuple(callbacks.scalars()),
        attempt_id=attempt_id,
        campaign_id=campaign_id,
        agent=agent,
    )


async def update_leads(connection: AsyncConnection, change: UpdateLeads) -> int:
    """Apply ``change`` to the debt's leads that are not removed; how many changed."""
    query = update(t.campaign_lead).where(
        t.campaign_lead.c.debt_id == change.debt_id,
        t.campaign_lead.c.status != LeadStatus.REMOVED.value,
    )
    if change.campaign_id is not None:
        query = query.where(t.campaign_lead.c.campaign_id == change.campaign_id)
    result = await connection.execute(
        query.values(
            status=change.status.value,
            next_at=change.next_at,
            removed_reason=change.removed_reason,
            claimed_by=None,
            claimed_at=None,
        )
    )
    return int(result.rowcount)


async def insert_follow_up(
    connection: AsyncConnection,
    step: ScheduleFollowUp,
    now: datetime,
    *,
    promise_id: int | None = None,
    issue_id: int | None = None,
) -> int:
    result = await connection.execute(
        insert(t.follow_up)
        .values(kind=step.kind.value, debt_id=step.debt_id, due_at=step.due_at,
                status="pending", agent=step.agent, promise_id=promise_id, issue_id=issue_id,
                note=step.note, created_at=now)
        .returning(t.follow_up.c.id)
    )  # fmt: skip
    return int(result.scalar_one())


async def _write(
    connection: AsyncConnection, effects: list[Effect], facts: DispositionFacts, now: datetime
) -> list[DispositionEvent]:
    events: list[DispositionEvent] = []
    promise: tuple[int, CreatePromise] | None = None
    issue_id: int | None = None
    promise_times: dict[FollowUpKind, datetime] = {}
    for effect in effects:
        match effect:
            case RecordOutcome():
                values: dict[str, object] = {
                    "outcome": effect.disposition.value,
                    "conversation": effect.conversation,
                }
                if effect.agent:
                    values["agent"] = effect.agent
                await connection.execute(
                    update(t.contact_attempt)
                    .where(t.contact_attempt.c.id == effect.attempt_id)
                    .values(**values)
                )
            case CreatePromise():
                result = await connection.execute(
                    insert(t.promise)
                    .values(debt_id=effect.debt_id, amount_minor=effect.amount.minor,
                            currency=effect.amount.currency, due_on=effect.due_on, made_at=now,
                            made_by=effect.made_by, status="pending", paid_minor=0)
                    .returning(t.promise.c.id)
                )  # fmt: skip
                promise = (int(result.scalar_one()), effect)
                events.extend(
                    await end_running_promises(
                        connection, effect.debt_id, promise[0],
                        local_today(now, facts.debtor_timezone), now,
                    )
                )  # fmt: skip
            case OpenIssue():
                result = await connection.execute(
                    insert(t.issue)
                    .values(bucket=effect.bucket, debt_id=effect.debt_id,
                            description=effect.description, owner=effect.owner, status="open",
                            opened_at=now)
                    .returning(t.issue.c.id)
                )  # fmt: skip
                issue_id = int(result.scalar_one())
                events.append(IssueOpened(effect.debt_id, issue_id, effect.bucket, effect.owner,
                                          effect.description, now))  # fmt: skip
            case ScheduleFollowUp():
                follow_up_id = await insert_follow_up(
                    connection, effect, now,
                    promise_id=promise[0] if promise and effect.of_new_promise else None,
                    issue_id=issue_id if effect.of_new_issue else None,
                )  # fmt: skip
                if effect.of_new_promise:
                    promise_times[effect.kind] = effect.due_at
                if effect.kind is FollowUpKind.CALLBACK:
                    events.append(CallbackScheduled(effect.debt_id, follow_up_id, facts.campaign_id,
                                                    effect.agent, effect.due_at, now))  # fmt: skip
            case UpdateLeads():
                await update_leads(connection, effect)
            case SuppressPhone():
                await connection.execute(
                    update(t.phone)
                    .where(
                        t.phone.c.debtor_id == effect.debtor_id, t.phone.c.number == effect.phone
                    )
                    .values(suppressed=True, suppressed_reason=effect.reason)
                )
                events.append(PhoneSuppressed(effect.debtor_id, effect.phone, effect.reason, now))
    if promise is not None:
        promise_id, made = promise
        events.insert(
            0,
            PromiseRecorded(made.debt_id, promise_id, made.amount.minor, made.amount.currency,
                            made.due_on, made.made_by,
                            promise_times.get(FollowUpKind.PROMISE_REMINDER),
                            promise_times[FollowUpKind.PROMISE_CHECK], now),
        )  # fmt: skip
    return events


async def apply_disposition(
    connection: AsyncConnection,
    record: DispositionRecord,
    *,
    now: datetime,
    policy: DispositionPolicy | None = None,
    attempt_id: int | None = None,
    debt_id: str | None = None,
    campaign_id: str | None = None,
    agent: str | None = None,
) -> list[DispositionEvent]:
    """Record ``record`` for a contact attempt (or, without one, a debt) and its next steps.

    ``campaign_id`` and ``agent`` default to the attempt's; an attempt another agent had is
    refused, so that nobody records (and signs) a call that was not theirs. Raises
    :class:`DispositionRefusedError` (nothing written) when the record does not hold.
    """
    attempt_campaign = attempt_agent = ""
    if attempt_id is not None:
        debt_id, attempt_campaign, attempt_agent = await _attempt(
            connection, attempt_id, debt_id, agent, record.code
        )
    elif debt_id is not None:
        await _lock_debt(connection, debt_id)
    if debt_id is None:
        msg = "name the contact attempt or the debt"
        raise DispositionRefusedError((msg,))
    facts = await load_disposition_facts(
        connection, debt_id, attempt_id=attempt_id,
        campaign_id=attempt_campaign if campaign_id is None else campaign_id,
        agent=attempt_agent if agent is None else agent,
    )  # fmt: skip
    effects = plan_disposition(record, facts, now, policy or DispositionPolicy())
    recorded = DispositionRecorded(
        facts.debt_id, facts.debtor_id, record.code, record.code.is_conversation, facts.agent,
        facts.campaign_id, attempt_id, now,
    )  # fmt: skip
    return [recorded, *await _write(connection, effects, facts, now)]
