"""Claiming leads: highest priority first, never twice at once, released by the call's outcome."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select, update

from dialer.campaigns.claims import (
    ClaimedLead,
    LeadKey,
    LeadNotHeldError,
    claim_next_leads,
    reclaim_stale_claims,
    release_lead,
    renew_claims,
)
from dialer.campaigns.lists import campaign_config
from recoup.domain.model import Disposition, LeadStatus
from recoup.storage import tables as t
from tests.conftest import DatabaseUnderTest
from tests.integration.campaigns.campaign_builders import (
    NOW,
    a_campaign,
    build,
    import_many,
    import_samples,
)


async def lead_row(db: DatabaseUnderTest, debt_id: str, campaign_id: str = "late"):  # type: ignore[no-untyped-def]
    cl = t.campaign_lead
    async with db.engine.connect() as c:
        return (
            await c.execute(
                select(cl).where(cl.c.campaign_id == campaign_id, cl.c.debt_id == debt_id)
            )
        ).one()


async def a_sample_list(db: DatabaseUnderTest, **config: object) -> None:
    await import_samples(db)
    await a_campaign(db, **config)
    await build(db)


async def test_claims_come_highest_balance_first_with_the_debtors_numbers(
    database: DatabaseUnderTest,
) -> None:
    await a_sample_list(database)
    first = await claim_next_leads(database.engine, "late", "dialer-a", 2, NOW)
    assert [c.debt_id for c in first] == ["INV-1004-1", "INV-1012-1"]
    robert = first[0]
    assert robert.debtor_id == "ACC-1004"
    assert robert.phones == ("+14155550133", "+14155550177")  # primary first
    assert robert.timezone == "America/Los_Angeles"
    assert (robert.attempts, robert.dialer_id, robert.claimed_at) == (0, "dialer-a", NOW)
    row = await lead_row(database, "INV-1004-1")
    assert (row.status, row.claimed_by) == ("claimed", "dialer-a")
    second = await claim_next_leads(database.engine, "late", "dialer-b", 1, NOW)
    assert [c.debt_id for c in second] == ["INV-1002-1"]


async def test_a_claim_inside_the_callers_transaction_is_undone_with_it(
    database: DatabaseUnderTest,
) -> None:
    await a_sample_list(database)
    async with database.engine.connect() as c:
        claimed = await claim_next_leads(c, "late", "dialer-a", 1, NOW)
        assert [x.debt_id for x in claimed] == ["INV-1004-1"]
        await c.rollback()
    assert (await lead_row(database, "INV-1004-1")).status == "ready"


async def test_twenty_concurrent_claimers_never_claim_a_lead_twice(
    database: DatabaseUnderTest, tmp_path: Path
) -> None:
    debt_ids = await import_many(database, tmp_path, 240)
    await a_campaign(database)
    await build(database)

    async def claimer(number: int) -> list[str]:
        mine: list[str] = []
        while batch := await claim_next_leads(
            database.engine, "late", f"dialer-{number}", 1 + number % 4, NOW
        ):
            mine += [lead.debt_id for lead in batch]
        return mine

    results = await asyncio.gather(*(claimer(n) for n in range(20)))
    claimed = [debt_id for mine in results for debt_id in mine]
    assert len(claimed) == len(set(claimed)), "a lead was claimed twice"
    assert sorted(claimed) == debt_ids
    assert sum(1 for mine in results if mine) > 1  # the claimers really took turns
    cl = t.campaign_lead
    async with database.engine.connect() as c:
        holders = dict((await c.execute(select(cl.c.debt_id, cl.c.claimed_by))).tuples().all())
    for number, mine in enumerate(results):
        assert all(holders[d] == f"dialer-{number}" for d in mine)


async def test_a_debt_on_two_campaigns_is_never_claimed_by_both_at_once(
    database: DatabaseUnderTest, tmp_path: Path
) -> None:
    debt_ids = await import_many(database, tmp_path, 120)
    for campaign_id in ("late", "big"):
        await a_campaign(database, campaign_id)
        await build(database, campaign_id)

    async def claimer(number: int) -> list[str]:
        campaign_id = ("late", "big")[number % 2]
        mine: list[str] = []
        while batch := await claim_next_leads(
            database.engine, campaign_id, f"dialer-{number}", 1 + number % 3, NOW
        ):
            mine += [lead.debt_id for lead in batch]
        return mine

    results = await asyncio.gather(*(claimer(n) for n in range(20)))
    claimed = [debt_id for mine in results for debt_id in mine]
    assert len(claimed) == len(set(claimed)), "a debt was claimed by two campaigns at once"
    assert sorted(claimed) == debt_ids
    # Once the other campaign lets the debt go, this one may dial it.
    late = [d for n, mine in enumerate(results) if n % 2 == 0 for d in mine]
    cl = t.campaign_lead
    async with database.engine.begin() as c:
        await c.execute(
            update(cl)
            .where(cl.c.campaign_id == "late", cl.c.debt_id == late[0])
            .values(status=LeadStatus.DONE.value, claimed_by=None)
        )
    freed = await claim_next_leads(database.engine, "big", "dialer-x", 5, NOW)
    assert [x.debt_id for x in freed] == [late[0]]


async def test_busy_lead_comes_back_after_the_retry_delay(database: DatabaseUnderTest) -> None:
    await a_sample_list(database, retry={"busy": {"delay_minutes": 15, "max_times": 3}})
    [lead] = await claim_next_leads(database.engine, "late", "dialer-a", 1, NOW)
    async with database.engine.begin() as c:
        config = await campaign_config(c, "late")
        plan = await release_lead(c, lead, Disposition.BUSY, NOW, config)
    assert (plan.status, plan.next_at, plan.attempts) == (
        LeadStatus.READY, NOW + timedelta(minutes=15), 1
    )  # fmt: skip
    row = await lead_row(database, lead.debt_id)
    assert (row.status, row.claimed_by, row.attempts) == ("ready", None, 1)
    soon = await claim_next_leads(
        database.engine, "late", "dialer-a", 1, NOW + timedelta(minutes=5)
    )
    assert soon[0].debt_id != lead.debt_id
    later = NOW + timedelta(minutes=15)
    again = await claim_next_leads(database.engine, "late", "dialer-a", 1, later)
    assert [(x.debt_id, x.attempts) for x in again] == [(lead.debt_id, 1)]


async def test_the_max_times_th_busy_takes_the_lead_off_the_list(
    database: DatabaseUnderTest,
) -> None:
    await a_sample_list(database, retry={"busy": {"delay_minutes": 0, "max_times": 2}})
    at = NOW
    for expected in (LeadStatus.READY, LeadStatus.DONE):
        [lead] = await claim_next_leads(database.engine, "late", "dialer-a", 1, at)
        assert lead.debt_id == "INV-1004-1"
        async with database.engine.begin() as c:
            await c.execute(
                insert(t.contact_attempt).values(
                    debtor_id=lead.debtor_id, debt_id=lead.debt_id, campaign_id="late",
                    channel="call", phone=lead.phones[0], at=at, outcome="busy",
                )
            )  # fmt: skip
            await renew_claims(c, "dialer-a", at + timedelta(seconds=30))  # a long call
            config = await campaign_config(c, "late")
            plan = await release_lead(c, lead, Disposition.BUSY, at, config)
        assert plan.status is expected
        at += timedelta(minutes=1)
    row = await lead_row(database, "INV-1004-1")
    assert (row.status, row.removed_reason) == ("done", "busy 2 times: the campaign's maximum is 2")


async def test_a_dialer_cannot_release_a_lead_it_no_longer_holds(
    database: DatabaseUnderTest,
) -> None:
    await a_sample_list(database)
    [lead] = await claim_next_leads(database.engine, "late", "dialer-a", 1, NOW)
    async with database.engine.begin() as c:
        await reclaim_stale_claims(c, NOW, dialer_id="dialer-a")
    [again] = await claim_next_leads(database.engine, "late", "dialer-b", 1, NOW)
    assert again.debt_id == lead.debt_id
    async with database.engine.begin() as c:
        config = await campaign_config(c, "late")
        with pytest.raises(LeadNotHeldError, match="dialer-a no longer holds lead INV-1004-1"):
            await release_lead(c, lead, Disposition.NO_ANSWER, NOW, config)
    assert (await lead_row(database, lead.debt_id)).claimed_by == "dialer-b"


async def test_claims_of_a_dead_dialer_go_back_to_ready(database: DatabaseUnderTest) -> None:
    await a_sample_list(database)
    dead = await claim_next_leads(database.engine, "late", "dialer-dead", 2, NOW)
    alive = await claim_next_leads(database.engine, "late", "dialer-alive", 2, NOW)
    later = NOW + timedelta(minutes=3)
    async with database.engine.begin() as c:
        assert await renew_claims(c, "dialer-alive", later) == 2
        back = await reclaim_stale_claims(c, NOW + timedelta(minutes=2))
    assert back == sorted(LeadKey("late", lead.debt_id) for lead in dead)
    for lead in dead:
        row = await lead_row(database, lead.debt_id)
        assert (row.status, row.claimed_by, row.claimed_at) == ("ready", None, None)
    for lead in alive:
        assert (await lead_row(database, lead.debt_id)).status == "claimed"
    retaken = await claim_next_leads(database.engine, "late", "dialer-new", 2, later)
    assert [x.debt_id for x in retaken] == [x.debt_id for x in dead]


async def test_a_debtor_put_on_do_not_call_after_the_build_is_never_claimed(
    database: DatabaseUnderTest,
) -> None:
    await a_sample_list(database)
    async with database.engine.begin() as c:
        await c.execute(
            update(t.debtor).where(t.debtor.c.id == "ACC-1004").values(do_not_call=True)
        )
        await c.execute(
            update(t.phone).where(t.phone.c.debtor_id == "ACC-1012").values(suppressed=True)
        )
    claimed: list[ClaimedLead] = await claim_next_leads(database.engine, "late", "d", 1, NOW)
    assert [x.debt_id for x in claimed] == ["INV-1002-1"]  # the two above it left the list
    assert (await lead_row(database, "INV-1004-1")).removed_reason == "do not call"
    row = await lead_row(database, "INV-1012-1")
    assert (row.status, row.removed_reason) == ("removed", "no phone number to dial")
