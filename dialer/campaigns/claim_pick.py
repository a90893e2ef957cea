"""The claim's pick: due leads marked claimed, one per debtor, none of a debtor already held.

How and why, on PostgreSQL and on SQLite: :mod:`dialer.campaigns.claims`. A debtor is held while
a lead of theirs (any debt, any campaign, any dialer) is claimed. Of a debtor's due leads in the
campaign only the first (highest priority, then lowest debt id) is picked: the others stay
ready, untouched, and come up when it is no longer due (claimed, retried later, taken off).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, FromClause, and_, exists, literal_column, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from recoup.domain.model import LeadStatus
from recoup.storage import tables as t

_READY, _CLAIMED = LeadStatus.READY.value, LeadStatus.CLAIMED.value
_OTHER = t.campaign_lead.alias("other")  # another lead, of the same debtor


@dataclass(frozen=True, slots=True)
class PickedLead:
    debt_id: str
    attempts: int
    priority: int


def _due_in(lead: FromClause, campaign_id: str, now: datetime) -> list[ColumnElement[bool]]:
    return [
        lead.c.campaign_id == campaign_id,
        lead.c.status == _READY,
        (lead.c.next_at.is_(None)) | (lead.c.next_at <= now),
    ]


def _a_lead_of_the_debtor(account: FromClause, *where: ColumnElement[bool]) -> ColumnElement[bool]:
    """A lead of the debtor of ``account`` (``_OTHER``) exists, meeting ``where``."""
    debt, accounts = t.debt.alias("other_debt"), t.account.alias("other_account")
    return exists().where(
        accounts.c.debtor_id == account.c.debtor_id,
        debt.c.account_id == accounts.c.id,
        _OTHER.c.debt_id == debt.c.id,
        *where,
    )


def _pickable(campaign_id: str, now: datetime) -> list[ColumnElement[bool]]:
    """Due leads, each its debtor's first, of debtors not held (the query joins ``account``)."""
    lead, other = t.campaign_lead, _OTHER
    before = and_(
        *_due_in(other, campaign_id, now),
        (other.c.priority > lead.c.priority)
        | ((other.c.priority == lead.c.priority) & (other.c.debt_id < lead.c.debt_id)),
    )
    return [
        *_due_in(lead, campaign_id, now),
        ~_a_lead_of_the_debtor(t.account, (other.c.status == _CLAIMED) | before),
    ]


async def _of_held_debtors(connection: AsyncConnection, debt_ids: list[str]) -> set[str]:
    """Of ``debt_ids``, those whose debtor has a lead claimed."""
    rows = await connection.execute(
        select(t.debt.c.id)
        .join(t.account, t.account.c.id == t.debt.c.account_id)
        .where(
            t.debt.c.id.in_(debt_ids), _a_lead_of_the_debtor(t.account, _OTHER.c.status == _CLAIMED)
        )
    )
    return set(rows.scalars())


async def pick_leads(
    connection: AsyncConnection, campaign_id: str, dialer_id: str, n: int, now: datetime
) -> list[PickedLead] | None:
    """Mark up to ``n`` due leads claimed, one per debtor, highest priority first; None when
    none was due. Fewer than ``n`` (or none) may come back while more are due: ask again."""
    lead, debt, account = t.campaign_lead, t.debt, t.account
    order = lead.c.priority.desc()  # alone, so the pick index is read in order up to LIMIT
    stamp = {"status": _CLAIMED, "claimed_by": dialer_id, "claimed_at": now}
    due = lead.join(debt, debt.c.id == lead.c.debt_id).join(
        account, account.c.id == debt.c.account_id
    )
    if connection.dialect.name == "postgresql":
        picked = (
            await connection.execute(
                select(lead.c.debt_id, lead.c.attempts, lead.c.priority)
                .select_from(due.join(t.debtor, t.debtor.c.id == account.c.debtor_id))
                .where(*_pickable(campaign_id, now))
                .order_by(order)
                .limit(n)
                .with_for_update(skip_locked=True, key_share=True, of=[lead, t.debtor])
            )
        ).all()
        if not picked:
            return None
        # Holding the debtors' locks, a fresh statement sees every claim of theirs committed by
        # another claimer; one still in flight would hold a lock we hold.
        held = await _of_held_debtors(connection, [r.debt_id for r in picked])
        rows = [PickedLead(*r) for r in picked if r.debt_id not in held]
        if rows:
            await connection.execute(
                update(lead)
                .where(
                    lead.c.campaign_id == campaign_id,
                    lead.c.debt_id.in_([r.debt_id for r in rows]),
                    lead.c.status == _READY,
                )
                .values(**stamp)
            )
        return rows
    rowid: ColumnElement[int] = literal_column("rowid")
    chosen = (
        select(literal_column("campaign_lead.rowid"))
        .select_from(due)
        .where(*_pickable(campaign_id, now))
        .order_by(order)
        .limit(n)
        .scalar_subquery()
    )
    returned = await connection.execute(
        update(lead)
        .where(rowid.in_(chosen), lead.c.status == _READY)
        .values(**stamp)
        .returning(lead.c.debt_id, lead.c.attempts, lead.c.priority)
    )
    rows = [PickedLead(*r) for r in returned]
    if not rows:
        return None
    return sorted(rows, key=lambda r: (-r.priority, r.debt_id))
