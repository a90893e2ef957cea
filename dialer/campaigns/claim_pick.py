"""The claim's pick: due leads marked claimed, none whose debt another campaign holds.

How and why, on PostgreSQL and on SQLite: :mod:`dialer.campaigns.claims`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, exists, literal_column, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from recoup.domain.model import LeadStatus
from recoup.storage import tables as t

_READY, _CLAIMED = LeadStatus.READY.value, LeadStatus.CLAIMED.value


@dataclass(frozen=True, slots=True)
class PickedLead:
    debt_id: str
    attempts: int
    priority: int


def _due(campaign_id: str, now: datetime) -> list[ColumnElement[bool]]:
    lead = t.campaign_lead
    elsewhere = t.campaign_lead.alias("elsewhere")
    return [
        lead.c.campaign_id == campaign_id,
        lead.c.status == _READY,
        (lead.c.next_at.is_(None)) | (lead.c.next_at <= now),
        ~exists().where(
            elsewhere.c.debt_id == lead.c.debt_id,
            elsewhere.c.status == _CLAIMED,
            elsewhere.c.campaign_id != campaign_id,
        ),
    ]


async def _claimed_elsewhere(
    connection: AsyncConnection, campaign_id: str, debt_ids: list[str]
) -> set[str]:
    lead = t.campaign_lead
    rows = await connection.execute(
        select(lead.c.debt_id).where(
            lead.c.debt_id.in_(debt_ids),
            lead.c.status == _CLAIMED,
            lead.c.campaign_id != campaign_id,
        )
    )
    return set(rows.scalars())


async def pick_leads(
    connection: AsyncConnection, campaign_id: str, dialer_id: str, n: int, now: datetime
) -> list[PickedLead] | None:
    """Mark up to ``n`` due leads claimed; None when none was due."""
    lead = t.campaign_lead
    order = lead.c.priority.desc()  # alone, so the pick index is read in order up to LIMIT
    stamp = {"status": _CLAIMED, "claimed_by": dialer_id, "claimed_at": now}
    if connection.dialect.name == "postgresql":
        picked = (
            await connection.execute(
                select(lead.c.debt_id, lead.c.attempts, lead.c.priority)
                .join(t.debt, t.debt.c.id == lead.c.debt_id)
                .where(*_due(campaign_id, now))
                .order_by(order)
                .limit(n)
                .with_for_update(skip_locked=True, key_share=True, of=[lead, t.debt])
            )
        ).all()
        if not picked:
            return None
        # Holding the debts' locks, a fresh statement sees every claim of them committed by
        # another campaign's claimer; one still in flight would hold the lock we hold.
        busy = await _claimed_elsewhere(connection, campaign_id, [r.debt_id for r in picked])
        rows = [
            PickedLead(r.debt_id, r.attempts, r.priority) for r in picked if r.debt_id not in busy
        ]
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
    else:
        rowid: ColumnElement[int] = literal_column("rowid")
        chosen = (
            select(rowid)
            .select_from(lead)
            .where(*_due(campaign_id, now))
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
        rows = [PickedLead(r.debt_id, r.attempts, r.priority) for r in returned]
        if not rows:
            return None
        rows.sort(key=lambda r: (-r.priority, r.debt_id))
    return rows
