"""An agent's double-click sends the same disposition twice at once: one promise, not two."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from recoup.dispositions.apply import apply_disposition
from recoup.dispositions.plan import DispositionRefusedError
from recoup.dispositions.record import PromiseToPay
from recoup.domain.money import Money
from recoup.storage import tables as t
from tests.conftest import DatabaseUnderTest
from tests.integration.dispositions.test_dispositions_on_databases import (
    NOW,
    a_call,
    a_campaign_on_the_sample_book,
    rows,
)


async def test_a_promise_submitted_twice_at_once_on_one_call_is_recorded_once(
    database: DatabaseUnderTest,
) -> None:
    if database.backend != "postgresql":
        pytest.skip("SQLite runs one writer at a time: only PostgreSQL can race")
    await a_campaign_on_the_sample_book(database)
    attempt = await a_call(database, "INV-1001-2", "ACC-1001", "+12125550142")
    promise = PromiseToPay(Money.parse("50.00", "USD"), date(2026, 11, 25))

    async def second_click() -> None:
        async with database.engine.begin() as c:
            await apply_disposition(c, promise, now=NOW, attempt_id=attempt)

    async with database.engine.begin() as first:
        await apply_disposition(first, promise, now=NOW, attempt_id=attempt)
        second = asyncio.create_task(second_click())
        await asyncio.sleep(0.3)  # the second click reaches the database before the first commits
    with pytest.raises(DispositionRefusedError, match="already recorded as promise_to_pay"):
        await asyncio.wait_for(second, 10)
    assert len(await rows(database, t.promise)) == 1
