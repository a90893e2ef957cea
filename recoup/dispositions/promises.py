"""The promises on a debt, and what becomes of a running one when a newer one is recorded.

One promise runs on a debt at a time, so that a payment keeps at most the one promise it
pays. When a promise is recorded, each promise still open on its debt (pending or partial) is
brought up to date from the payments (:func:`recoup.ledger.posting.promise_status`) and ended:

- **kept** if the payments since it was made already cover it (its follow-ups are void);
- **broken** if its date has passed in the debtor's calendar with nothing paid: the debtor did
  break it, and the next scripts must know (its reminder is void, its check done);
- **superseded** otherwise (still running, or partly paid): the debtor has agreed new terms;
  what was paid towards it stays on it, its reminder and check are void, and payments from
  then on count towards the newer promise only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from recoup.dispositions.events import PromiseBroken, PromiseKept, PromiseSuperseded
from recoup.dispositions.plan import FollowUpKind
from recoup.domain.model import Payment, PromiseStatus, PromiseToPay
from recoup.ledger.posting import promise_status
from recoup.storage import tables as t
from recoup.storage.debts import paid_debts

OPEN = (PromiseStatus.PENDING.value, PromiseStatus.PARTIAL.value)
PENDING = "pending"
DONE = "done"
VOID = "void"
ITS_FOLLOW_UPS = (FollowUpKind.PROMISE_REMINDER, FollowUpKind.PROMISE_CHECK)


async def open_promises(
    connection: AsyncConnection, debt_ids: Collection[str] | None = None
) -> list[PromiseToPay]:
    """The pending and partial promises (on ``debt_ids``, or on every debt), oldest first."""
    query = select(t.promise).where(t.promise.c.status.in_(OPEN)).order_by(t.promise.c.id)
    if debt_ids is not None:
        query = query.where(t.promise.c.debt_id.in_(sorted(debt_ids)))
    return [
        PromiseToPay(r["id"], r["debt_id"], r["amount_minor"], r["currency"], r["due_on"],
                     r["made_at"], PromiseStatus(r["status"]), r["paid_minor"])
        for r in (await connection.execute(query)).mappings()
    ]  # fmt: skip


async def payments_on(
    connection: AsyncConnection, debt_ids: Collection[str]
) -> defaultdict[str, list[Payment]]:
    """The payments posted on each of ``debt_ids``."""
    payments: defaultdict[str, list[Payment]] = defaultdict(list)
    rows = await connection.execute(
        select(t.payment).where(t.payment.c.debt_id.in_(sorted(debt_ids)))
    )
    for r in rows.mappings():
        payments[r["debt_id"]].append(
            Payment(r["reference"], r["account_id"], r["debt_id"], r["amount_minor"],
                    r["currency"], r["paid_on"], r["source_file"], r["posted_at"])
        )  # fmt: skip
    return payments


async def debtor_timezones(
    connection: AsyncConnection, debt_ids: Collection[str]
) -> dict[str, str]:
    """The timezone of each debt's debtor: a promise's date is a date on their calendar."""
    rows = await connection.execute(
        select(t.debt.c.id, t.debtor.c.timezone)
        .join(t.account, t.account.c.id == t.debt.c.account_id)
        .join(t.debtor, t.debtor.c.id == t.account.c.debtor_id)
        .where(t.debt.c.id.in_(sorted(debt_ids)))
    )
    return dict(rows.tuples().all())


async def settle_follow_ups(
    connection: AsyncConnection, promise_id: int, kinds: tuple[FollowUpKind, ...], status: str
) -> int:
    """Mark the promise's pending follow-ups of ``kinds`` ``status``; how many."""
    result = await connection.execute(
        update(t.follow_up)
        .where(
            t.follow_up.c.promise_id == promise_id,
            t.follow_up.c.status == PENDING,
            t.follow_up.c.kind.in_([k.value for k in kinds]),
        )
        .values(status=status)
    )
    return int(result.rowcount)


async def end_running_promises(
    connection: AsyncConnection, debt_id: str, newer_id: int, today: date, now: datetime
) -> list[PromiseKept | PromiseBroken | PromiseSuperseded]:
    """End every open promise on ``debt_id`` but ``newer_id`` (see module); ``today`` is the
    debtor's calendar date."""
    running = [p for p in await open_promises(connection, (debt_id,)) if p.id != newer_id]
    if not running:
        return []
    payments = (await payments_on(connection, (debt_id,)))[debt_id]
    debt_paid = debt_id in await paid_debts(connection, (debt_id,))
    events: list[PromiseKept | PromiseBroken | PromiseSuperseded] = []
    for promise in running:
        status, paid = promise_status(promise, payments, today, debt_paid=debt_paid)
        if status is PromiseStatus.KEPT:
            await settle_follow_ups(connection, promise.id, ITS_FOLLOW_UPS, VOID)
            events.append(PromiseKept(debt_id, promise.id, paid, promise.currency, today))
        elif status is PromiseStatus.BROKEN:
            await settle_follow_ups(connection, promise.id, (FollowUpKind.PROMISE_REMINDER,), VOID)
            await settle_follow_ups(connection, promise.id, (FollowUpKind.PROMISE_CHECK,), DONE)
            events.append(
                PromiseBroken(debt_id, promise.id, promise.amount_minor, paid, promise.currency,
                              promise.due_on, today)
            )  # fmt: skip
        else:
            status = PromiseStatus.SUPERSEDED
            await settle_follow_ups(connection, promise.id, ITS_FOLLOW_UPS, VOID)
            events.append(PromiseSuperseded(debt_id, promise.id, newer_id, now))
        await connection.execute(
            update(t.promise)
            .where(t.promise.c.id == promise.id)
            .values(status=status.value, paid_minor=paid)
        )
    return events
