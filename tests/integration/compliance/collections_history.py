"""A collections history written row by row with SQLAlchemy Core, in the domain's words."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from recoup.storage import tables as t

CREATED = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass
class History:
    """Debtors, debts, campaigns and the calls made to them, written as they are told."""

    engine: AsyncEngine
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def _insert(self, table: Any, **values: Any) -> int | None:
        async with self.engine.begin() as c:
            result = await c.execute(insert(table).values(**values))
            key = result.inserted_primary_key
            return int(key[0]) if key and isinstance(key[0], int) else None

    async def debtor(
        self, debtor_id: str, *, zone: str = "America/New_York", candidates: str = "",
        phone: str = "+12125550100", do_not_call: bool = False, cease: bool = False,
        suppressed: bool = False,
    ) -> str:  # fmt: skip
        await self._insert(
            t.debtor, id=debtor_id, first_name="Ann", last_name=debtor_id, timezone=zone,
            timezone_source="explicit", timezone_candidates=candidates or zone,
            do_not_call=do_not_call, cease_communication=cease, created_at=CREATED,
        )  # fmt: skip
        await self._insert(t.phone, debtor_id=debtor_id, number=phone, suppressed=suppressed)
        await self._insert(
            t.account, id=f"ACC-{debtor_id}", debtor_id=debtor_id, created_at=CREATED
        )
        return debtor_id

    async def debt(
        self, debt_id: str, debtor_id: str, *, balance: int = 120_00, status: str = "open"
    ) -> str:
        await self._insert(
            t.debt, id=debt_id, account_id=f"ACC-{debtor_id}", original_minor=max(balance, 1),
            balance_minor=balance, currency="USD", due_date=date(2025, 12, 1), status=status,
        )  # fmt: skip
        return debt_id

    async def campaign(self, campaign_id: str, **config: Any) -> str:
        await self._insert(
            t.campaign, id=campaign_id, name=campaign_id, config=config, created_at=CREATED
        )
        return campaign_id

    async def call(
        self, debt_id: str, debtor_id: str, at: datetime, *, campaign: str = "C1",
        channel: str = "call", conversation: bool = False, abandoned: bool = False,
        live: bool | None = None, phone: str = "+12125550100", detail: dict[str, Any] | None = None,
        agent: str = "", outcome: str | None = None, closed_at: datetime | None = None,
    ) -> int:  # fmt: skip
        """One attempt; ``agent`` names who the call was bridged to (5 s after the Originate)."""
        live = live if live is not None else (conversation or abandoned or bool(agent))
        attempt_id = await self._insert(
            t.contact_attempt, debtor_id=debtor_id, debt_id=debt_id, campaign_id=campaign,
            channel=channel, phone=phone, at=at, conversation=conversation, abandoned=abandoned,
            live_answer=live, answered_at=at if (conversation or abandoned or live) else None,
            detail=detail, agent=agent, connected_at=at + timedelta(seconds=5) if agent else None,
            outcome=outcome, closed_at=closed_at,
        )  # fmt: skip
        assert attempt_id is not None
        return attempt_id

    async def issue(self, debt_id: str, *, status: str = "open") -> None:
        await self._insert(
            t.issue, bucket="service", debt_id=debt_id, description="never delivered",
            status=status, opened_at=CREATED,
        )  # fmt: skip

    async def promise(self, debt_id: str, due_on: date, *, status: str = "pending") -> None:
        await self._insert(
            t.promise, debt_id=debt_id, amount_minor=50_00, currency="USD", due_on=due_on,
            made_at=CREATED, status=status,
        )  # fmt: skip

    async def refusal(self, debt_id: str, rule: str, at: datetime) -> None:
        await self._insert(
            t.dial_refusal, campaign_id="C1", debt_id=debt_id, at=at, rule=rule, reason=rule
        )
