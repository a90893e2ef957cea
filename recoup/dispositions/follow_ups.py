"""What happens after the call: due follow-ups, resolved issues and promises checked.

- :func:`due_follow_ups` lists what the scheduler must act on now (callbacks for an agent,
  promise reminders and checks, calls after a resolved issue, payment checks);
  :func:`complete_follow_up` marks one done (or void).
- :func:`resolve_issue` closes an issue; once no issue is open on the debt, it schedules an
  ``issue_resolved_call`` and puts the leads the dispute took off the list back on it (neither
  when the debt has been paid off meanwhile).
- :func:`check_promises` brings every open promise up to date from the payments posted
  (:func:`recoup.ledger.posting.promise_status`), each on its debtor's calendar (due on the
  25th is not broken while the 25th lasts where the debtor lives): a kept promise voids its
  reminders and checks; a promise past its date and not kept (broken, or only partly paid)
  puts the debt back on the dialing list once, where the broken-promise script waits for it.
- :func:`check_payment_claims`: a debtor who said "it's paid" was taken off the lists until
  the payment check; a debt still not paid off by then goes back on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from recoup.dispositions.apply import insert_follow_up
from recoup.dispositions.events import IssueResolved, PromiseBroken, PromiseKept
from recoup.dispositions.plan import FollowUpKind, ScheduleFollowUp, local_today
from recoup.dispositions.promises import (
    DONE,
    ITS_FOLLOW_UPS,
    PENDING,
    VOID,
    debtor_timezones,
    open_promises,
    payments_on,
    settle_follow_ups,
)
from recoup.domain.model import (
    IssueStatus,
    LeadStatus,
    PromiseStatus,
)
from recoup.ledger.posting import promise_status
from recoup.storage import tables as t
from recoup.storage.debts import paid_debts

# The dialer's lead release takes a "paid" lead off the list as "debtor says paid: ...".
REMOVED_FOR_PAID_CLAIM = "debtor says paid"
# ``dispute`` (apply_disposition) and ``disputed: ...`` (the dialer's lead release) alike.
REMOVED_FOR_DISPUTE = "disput"


class IssueNotOpenError(LookupError):
    """No issue with that id is open."""


@dataclass(frozen=True, slots=True)
class FollowUp:
    id: int
    kind: FollowUpKind
    debt_id: str
    debtor_id: str
    due_at: datetime
    agent: str  # who asked for it: a callback goes back to them when they are free
    promise_id: int | None
    issue_id: int | None
    note: str


async def due_follow_ups(
    connection: AsyncConnection, now: datetime, *, limit: int | None = None
) -> list[FollowUp]:
    """Pending follow-ups due at or before ``now``, the oldest first."""
    query = (
        select(t.follow_up, t.account.c.debtor_id)
        .join(t.debt, t.debt.c.id == t.follow_up.c.debt_id)
        .join(t.account, t.account.c.id == t.debt.c.account_id)
        .where(t.follow_up.c.status == PENDING, t.follow_up.c.due_at <= now)
        .order_by(t.follow_up.c.due_at, t.follow_up.c.id)
        .limit(limit)
    )
    return [
        FollowUp(r["id"], FollowUpKind(r["kind"]), r["debt_id"], r["debtor_id"], r["due_at"],
                 r["agent"], r["promise_id"], r["issue_id"], r["note"])
        for r in (await connection.execute(query)).mappings()
    ]  # fmt: skip


async def complete_follow_up(
    connection: AsyncConnection, follow_up_id: int, *, void: bool = False
) -> bool:
    """Mark a pending follow-up done (or void); False if it was not pending."""
    result = await connection.execute(
        update(t.follow_up)
        .where(t.follow_up.c.id == follow_up_id, t.follow_up.c.status == PENDING)
        .values(status=VOID if void else DONE)
    )
    return bool(result.rowcount)


async def resolve_issue(
    connection: AsyncConnection,
    issue_id: int,
    resolution: str,
    now: datetime,
    *,
    call_at: datetime | None = None,
) -> IssueResolved:
    """Close the issue; with none left open on its debt, schedule the call (at ``call_at``,
    else now: the dialer's gate keeps it inside the calling window) and put the leads the
    dispute removed back on their lists (any removed with a reason starting ``disput``:
    ``dispute`` from here, ``disputed: ...`` from the dialer's lead release)."""
    # Locked: a second resolution at the same moment waits, then finds it resolved.
    issue = select(t.issue).where(t.issue.c.id == issue_id).with_for_update()
    row = (await connection.execute(issue)).mappings().first()
    if row is None or row["status"] == IssueStatus.RESOLVED.value:
        msg = f"issue {issue_id} is not open"
        raise IssueNotOpenError(msg)
    if not resolution.strip():
        msg = "say how the issue was resolved"
        raise ValueError(msg)
    debt_id: str = row["debt_id"]
    await connection.execute(
        update(t.issue)
        .where(t.issue.c.id == issue_id)
        .values(status=IssueStatus.RESOLVED.value, resolution=resolution.strip(), resolved_at=now)
    )
    still_open = (
        await connection.execute(
            select(t.issue.c.id).where(
                t.issue.c.debt_id == debt_id, t.issue.c.status != IssueStatus.RESOLVED.value
            )
        )
    ).first()
    when: datetime | None = None
    if still_open is None and not await _is_paid(connection, debt_id):
        when = call_at or now
        step = ScheduleFollowUp(
            FollowUpKind.ISSUE_RESOLVED_CALL, debt_id, when,
            note=f"{row['bucket']} issue resolved: {resolution.strip()}",
        )  # fmt: skip
        await insert_follow_up(connection, step, now, issue_id=issue_id)
        await _restore_leads(connection, debt_id, removed_for=REMOVED_FOR_DISPUTE, next_at=when)
    return IssueResolved(debt_id, issue_id, row["bucket"], resolution.strip(), when, now)


async def check_promises(
    connection: AsyncConnection, now: datetime
) -> list[PromiseKept | PromiseBroken]:
    """Bring every pending or partial promise up to date with the payments (see module), each
    judged on its debtor's calendar at ``now``."""
    promises = await open_promises(connection)
    if not promises:
        return []
    debt_ids = {p.debt_id for p in promises}
    payments = await payments_on(connection, debt_ids)
    zones = await debtor_timezones(connection, debt_ids)
    events: list[PromiseKept | PromiseBroken] = []
    paid_off = await paid_debts(connection, debt_ids)
    for promise in promises:
        today = local_today(now, zones[promise.debt_id])
        status, paid = promise_status(
            promise, payments[promise.debt_id], today, debt_paid=promise.debt_id in paid_off
        )
        if (status, paid) != (promise.status, promise.paid_minor):
            await connection.execute(
                update(t.promise)
                .where(t.promise.c.id == promise.id)
                .values(status=status.value, paid_minor=paid)
            )
        if status is PromiseStatus.KEPT:
            await settle_follow_ups(connection, promise.id, ITS_FOLLOW_UPS, VOID)
            events.append(PromiseKept(promise.debt_id, promise.id, paid, promise.currency, today))
        elif today > promise.due_on:
            await settle_follow_ups(connection, promise.id, (FollowUpKind.PROMISE_REMINDER,), VOID)
            checked = await settle_follow_ups(
                connection, promise.id, (FollowUpKind.PROMISE_CHECK,), DONE
            )
            if status is PromiseStatus.BROKEN or checked:
                await _back_on_the_list(connection, promise.debt_id)
            if status is PromiseStatus.BROKEN:
                events.append(
                    PromiseBroken(promise.debt_id, promise.id, promise.amount_minor, paid,
                                  promise.currency, promise.due_on, today)
                )  # fmt: skip
    return events


async def check_payment_claims(connection: AsyncConnection, now: datetime) -> list[str]:
    """Each payment check due by ``now`` is done; where the debt is still not paid off, the
    debtor's "it's paid" did not hold and the debt goes back on the dialing lists. The debts
    put back, in the order of their checks."""
    due = await connection.execute(
        select(t.follow_up.c.id, t.follow_up.c.debt_id)
        .where(
            t.follow_up.c.kind == FollowUpKind.PAYMENT_CHECK.value,
            t.follow_up.c.status == PENDING,
            t.follow_up.c.due_at <= now,
        )
        .order_by(t.follow_up.c.due_at, t.follow_up.c.id)
    )
    checks = list(due.tuples())
    paid = await paid_debts(connection, {debt_id for _, debt_id in checks})
    back: list[str] = []
    for follow_up_id, debt_id in checks:
        await complete_follow_up(connection, follow_up_id)
        if debt_id in paid or debt_id in back:
            continue
        await _back_on_the_list(connection, debt_id)
        await _restore_leads(connection, debt_id, removed_for=REMOVED_FOR_PAID_CLAIM)
        back.append(debt_id)
    return back


async def _restore_leads(
    connection: AsyncConnection, debt_id: str, *, removed_for: str, next_at: datetime | None = None
) -> None:
    """The debt's leads taken off the lists for ``removed_for`` (a reason's start) are ready
    again, from ``next_at`` (None: at once)."""
    lead = t.campaign_lead
    await connection.execute(
        update(lead)
        .where(
            lead.c.debt_id == debt_id,
            lead.c.status == LeadStatus.REMOVED.value,
            lead.c.removed_reason.like(f"{removed_for}%"),
        )
        .values(status=LeadStatus.READY.value, next_at=next_at, removed_reason="",
                claimed_by=None, claimed_at=None)
    )  # fmt: skip


async def _is_paid(connection: AsyncConnection, debt_id: str) -> bool:
    return debt_id in await paid_debts(connection, (debt_id,))


async def _back_on_the_list(connection: AsyncConnection, debt_id: str) -> None:
    """The debt's leads finished by the promise are ready to be called again (unless the
    debt has been paid off meanwhile: nobody is called about a paid debt)."""
    if await _is_paid(connection, debt_id):
        return
    await connection.execute(
        update(t.campaign_lead)
        .where(and_(t.campaign_lead.c.debt_id == debt_id,
                    t.campaign_lead.c.status == LeadStatus.DONE.value))
        .values(status=LeadStatus.READY.value, next_at=None, claimed_by=None, claimed_at=None)
    )  # fmt: skip
