"""One call at a time per debtor: a debtor who owes several debts is one person with one phone.

A debt claimed for a call holds its debtor: no other of their debts is claimed meanwhile, by
this campaign or another, by this dialer or another (Reg F 1006.14(b)(1)).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import select

from dialer.campaigns.claims import claim_next_leads, release_lead
from dialer.campaigns.lists import campaign_config
from recoup.domain.model import Disposition
from recoup.storage import tables as t
from tests.conftest import DatabaseUnderTest
from tests.integration.campaigns.campaign_builders import (
    NOW,
    a_campaign,
    build,
    import_debts,
    two_debts_each,
)


async def lead_rows(
    db: DatabaseUnderTest, campaign_id: str = "late"
) -> dict[str, tuple[object, ...]]:
    cl = t.campaign_lead
    async with db.engine.connect() as c:
        rows = await c.execute(
            select(
                cl.c.debt_id, cl.c.status, cl.c.attempts, cl.c.next_at, cl.c.claimed_by,
                cl.c.claimed_at, cl.c.removed_reason,
            ).where(cl.c.campaign_id == campaign_id)
        )  # fmt: skip
        return {r.debt_id: tuple(r)[1:] for r in rows}


async def a_list(db: DatabaseUnderTest, tmp_path: Path, debts: list[tuple[str, str, str, int]],
                 *campaign_ids: str) -> None:  # fmt: skip
    await import_debts(db, tmp_path, debts)
    for campaign_id in campaign_ids or ("late",):
        await a_campaign(db, campaign_id)
        await build(db, campaign_id)


async def test_a_batch_rings_a_debtor_once_for_their_biggest_debt_and_leaves_the_other_ready(
    database: DatabaseUnderTest, tmp_path: Path
) -> None:
    debts = [("P-1", "A-1", "D-1-big", 900), ("P-1", "A-1", "D-1-small", 800),
             ("P-2", "A-2", "D-2", 700)]  # fmt: skip
    await a_list(database, tmp_path, debts)
    before = await lead_rows(database)

    batch = await claim_next_leads(database.engine, "late", "dialer-a", 3, NOW)

    assert [(x.debtor_id, x.debt_id) for x in batch] == [("P-1", "D-1-big"), ("P-2", "D-2")]
    after = await lead_rows(database)
    assert after["D-1-small"] == before["D-1-small"] == ("ready", 0, None, None, None, "")
    assert after["D-1-big"][0] == "claimed"


async def test_a_debtor_owing_many_debts_does_not_crowd_the_other_debtors_out_of_a_claim(
    database: DatabaseUnderTest, tmp_path: Path
) -> None:
    many = [("P-1", "A-1", f"D-1-{k:02d}", 9000 + k) for k in range(30)]
    others = [(f"P-{i}", f"A-{i}", f"D-{i}", 100 + i) for i in (2, 3, 4)]
    await a_list(database, tmp_path, many + others)

    batch = await claim_next_leads(database.engine, "late", "dialer-a", 3, NOW)

    assert [x.debt_id for x in batch] == ["D-1-29", "D-4", "D-3"]
    rows = await lead_rows(database)
    assert sum(1 for r in rows.values() if r[0] == "claimed") == 3
    assert all(rows[d[2]][:2] == ("ready", 0) for d in many[:-1])


async def test_a_debtor_on_a_call_for_one_campaign_is_not_claimed_by_another_until_released(
    database: DatabaseUnderTest, tmp_path: Path
) -> None:
    debts = [("P-1", "A-1", "D-1-big", 900), ("P-1", "A-1", "D-1-small", 800)]
    await a_list(database, tmp_path, debts, "late", "big")
    [held] = await claim_next_leads(database.engine, "late", "dialer-a", 1, NOW)
    assert held.debt_id == "D-1-big"

    assert await claim_next_leads(database.engine, "big", "dialer-b", 5, NOW) == []

    async with database.engine.begin() as c:
        await release_lead(c, held, Disposition.NO_ANSWER, NOW, await campaign_config(c, "late"))
    freed = await claim_next_leads(database.engine, "big", "dialer-b", 5, NOW)
    assert [(x.debtor_id, x.debt_id) for x in freed] == [("P-1", "D-1-big")]


async def test_a_debtor_with_two_accounts_is_not_rung_by_a_second_dialer_meanwhile(
    database: DatabaseUnderTest, tmp_path: Path
) -> None:
    debts = [("P-1", "A-1", "D-1", 900), ("P-1", "A-2", "D-2", 800), ("P-2", "A-3", "D-3", 700)]
    await a_list(database, tmp_path, debts)
    [first] = await claim_next_leads(database.engine, "late", "dialer-a", 1, NOW)
    second = await claim_next_leads(database.engine, "late", "dialer-b", 2, NOW)

    assert first.debt_id == "D-1"
    assert [(x.debtor_id, x.debt_id) for x in second] == [("P-2", "D-3")]


async def test_twenty_concurrent_claimers_on_two_campaigns_ring_each_debtor_once(
    database: DatabaseUnderTest, tmp_path: Path
) -> None:
    debts = two_debts_each(60)
    await a_list(database, tmp_path, debts, "late", "big")

    async def claimer(number: int) -> list[str]:
        campaign_id = ("late", "big")[number % 2]
        mine: list[str] = []
        while batch := await claim_next_leads(
            database.engine, campaign_id, f"dialer-{number}", 1 + number % 4, NOW
        ):
            mine += [lead.debtor_id for lead in batch]
        return mine

    results = await asyncio.gather(*(claimer(n) for n in range(20)))
    rung = sorted(debtor_id for mine in results for debtor_id in mine)
    assert rung == sorted({d[0] for d in debts}), "a debtor was claimed twice at once"
