"""Building a campaign's dialing list from the imported files, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from dialer.campaigns.config import CampaignConfigError
from dialer.campaigns.lists import (
    CampaignNotFoundError,
    campaign_config,
    update_campaign_config,
)
from recoup.domain.model import LeadStatus
from recoup.storage import tables as t
from tests.conftest import DatabaseUnderTest
from tests.integration.campaigns.campaign_builders import (
    TODAY,
    a_campaign,
    build,
    import_samples,
)

BY_BALANCE = [
    "INV-1004-1",  # 7,200.00
    "INV-1012-1",  # 1,025.00
    "INV-1002-1",  # 890.00 after a 400.00 payment
    "INV-1006-1",  # 640.00
    "INV-1001-2",  # 215.50
    "INV-1005-1",  # 212.99 after a 100.00 payment
    "INV-1003-1",  # 96.40
    "INV-1011-1",  # 89.90
]


async def leads(db: DatabaseUnderTest, campaign_id: str = "late") -> dict[str, tuple[str, str]]:
    cl = t.campaign_lead
    async with db.engine.connect() as c:
        rows = await c.execute(
            select(cl.c.debt_id, cl.c.status, cl.c.removed_reason)
            .where(cl.c.campaign_id == campaign_id)
            .order_by(cl.c.priority.desc(), cl.c.debt_id)
        )
        return {r.debt_id: (r.status, r.removed_reason) for r in rows}


async def test_sample_list_leaves_out_paid_and_do_not_call_and_puts_highest_balance_first(
    database: DatabaseUnderTest,
) -> None:
    await import_samples(database)
    await a_campaign(database)
    report = await build(database)
    listed = await leads(database)
    assert list(listed) == BY_BALANCE
    assert all(status == LeadStatus.READY.value for status, _ in listed.values())
    assert "INV-1007-1" not in listed  # Susan Miller: do not call
    assert "INV-1008-1" not in listed  # Peter Walsh: cease communication
    assert "INV-1010-1" not in listed  # Owen Price: paid
    assert (report.added, report.refreshed) == (8, 0)
    assert dict(report.skipped) == {"do not call": 1, "cease communication": 1}


async def test_selection_by_segment_days_past_due_and_profile(database: DatabaseUnderTest) -> None:
    await import_samples(database)
    await a_campaign(database, "telecom", selection={"segments": ["telecom"]})
    await a_campaign(database, "old", selection={"min_days_past_due": 60})
    await a_campaign(database, "broken", selection={"profiles": ["never_paid"]})
    await build(database, "telecom")
    await build(database, "old")
    report = await build(database, "broken")
    assert list(await leads(database, "telecom")) == ["INV-1006-1", "INV-1005-1", "INV-1011-1"]
    # due before 2026-09-21 and not paid: Robert (06-30), Ahmed (08-20), James (08-01), Carlos
    assert list(await leads(database, "old")) == [
        "INV-1004-1", "INV-1012-1", "INV-1002-1", "INV-1006-1",
    ]  # fmt: skip
    never_paid = await leads(database, "broken")
    assert "INV-1012-1" in never_paid  # Ahmed never paid anything
    assert "INV-1002-1" not in never_paid  # James paid 400.00
    not_never_paid = sum(n for why, n in report.skipped.items() if why.startswith("payment"))
    assert not_never_paid == len(BY_BALANCE) - len(never_paid)


async def test_rebuild_refreshes_and_removes_but_never_resurrects(
    database: DatabaseUnderTest,
) -> None:
    await import_samples(database)
    await a_campaign(database)
    await build(database)
    cl = t.campaign_lead
    async with database.engine.begin() as c:
        await c.execute(
            update(cl).where(cl.c.debt_id == "INV-1004-1").values(status=LeadStatus.DONE.value)
        )
        await c.execute(
            update(cl)
            .where(cl.c.debt_id == "INV-1012-1")
            .values(status=LeadStatus.REMOVED.value, removed_reason="dispute")
        )
        await c.execute(update(t.debt).where(t.debt.c.id == "INV-1006-1").values(status="paid"))
        await c.execute(
            update(t.debtor).where(t.debtor.c.id == "ACC-1003").values(do_not_call=True)
        )
    report = await build(database, today=TODAY + timedelta(days=1))
    listed = await leads(database)
    assert listed["INV-1004-1"] == ("done", "")
    assert listed["INV-1012-1"] == ("removed", "dispute")
    assert listed["INV-1006-1"] == ("removed", "paid")
    assert listed["INV-1003-1"] == ("removed", "do not call")
    assert report.added == 0
    assert report.refreshed == 4  # 1002-1, 1001-2, 1005-1, 1011-1
    assert dict(report.removed) == {"paid": 1, "do not call": 1}


async def test_stored_config_is_read_back_and_validated(database: DatabaseUnderTest) -> None:
    await a_campaign(database, wrap_up_s=45, dial_mode="progressive")
    async with database.engine.begin() as c:
        config = await campaign_config(c, "late")
        assert config.wrap_up_s == 45
        row = (await c.execute(select(t.campaign).where(t.campaign.c.id == "late"))).one()
        assert (row.dial_mode, row.abandon_target) == ("progressive", 300)
        await update_campaign_config(c, "late", config.model_copy(update={"wrap_up_s": 60}))
        assert (await campaign_config(c, "late")).wrap_up_s == 60
        with pytest.raises(CampaignNotFoundError):
            await campaign_config(c, "nope")
        await c.execute(
            update(t.campaign).values(config={**config.to_json(), "ring_timeout_s": 10})
        )
        with pytest.raises(CampaignConfigError, match="below the legal 15 s"):
            await campaign_config(c, "late")
