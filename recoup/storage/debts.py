"""What the stored debts say, read for the collections workflow."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from recoup.domain.model import DebtStatus
from recoup.storage import tables as t


async def paid_debts(connection: AsyncConnection, debt_ids: Collection[str]) -> set[str]:
    """Of ``debt_ids``, those paid off: nobody is called about them, and a promise on one is
    kept, however it was paid."""
    rows = await connection.execute(
        select(t.debt.c.id).where(
            t.debt.c.id.in_(sorted(debt_ids)), t.debt.c.status == DebtStatus.PAID.value
        )
    )
    return set(rows.scalars())
