"""Two dialer processes on one PostgreSQL claim from one list: no debt is ever claimed twice, and
no debtor is ever held twice (two of their debts at once).

Each process has its own engine and connection pool on the test's schema (``claim_worker.py``)
and runs three claim loops at once; both start on one signal and claim until the list is empty.
The processes claim from one campaign, or from two campaigns whose lists hold the same debts.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from recoup.storage import tables as t
from tests.conftest import DatabaseUnderTest
from tests.integration.campaigns.campaign_builders import (
    a_campaign,
    build,
    import_debts,
    import_many,
    two_debts_each,
)

ROOT = Path(__file__).resolve().parents[3]
WORKER = Path(__file__).with_name("claim_worker.py")
LEADS = 300


async def start_dialer(
    db: DatabaseUnderTest, campaign_id: str, dialer_id: str
) -> asyncio.subprocess.Process:
    assert db.schema is not None
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(WORKER), db.url, db.schema, campaign_id, dialer_id, "3",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), 30)
    assert line == b"ready\n", line + (await process.stderr.read() if process.stderr else b"")
    return process


async def finish(process: asyncio.subprocess.Process) -> list[str]:
    stdout, stderr = await asyncio.wait_for(process.communicate(b"go\n"), 60)
    assert process.returncode == 0, stderr.decode()
    claimed: list[str] = json.loads(stdout)["claimed"]
    return claimed


def postgresql_only(database: DatabaseUnderTest) -> None:
    if database.backend == "sqlite":
        pytest.skip(
            "SQLite is documented as single-process for the dialer; one process's concurrent "
            "claimers are tested in test_lead_claims and test_one_call_per_debtor"
        )


@pytest.mark.parametrize("campaigns", [("late", "late"), ("late", "big")], ids=["one", "two"])
async def test_two_dialer_processes_never_claim_one_debt_twice(
    database: DatabaseUnderTest, tmp_path: Path, campaigns: tuple[str, str]
) -> None:
    postgresql_only(database)
    debt_ids = await import_many(database, tmp_path, LEADS)
    for campaign_id in sorted(set(campaigns)):
        await a_campaign(database, campaign_id)
        await build(database, campaign_id)
    dialers = ("dialer-1", "dialer-2")
    first, second = [
        await start_dialer(database, c, d) for c, d in zip(campaigns, dialers, strict=True)
    ]
    one, two = await asyncio.gather(finish(first), finish(second))

    assert len(one) == len(set(one))
    assert len(two) == len(set(two))
    assert set(one).isdisjoint(two), f"claimed by both: {sorted(set(one) & set(two))[:10]}"
    assert sorted(one + two) == debt_ids
    assert one
    assert two  # both processes really claimed
    cl = t.campaign_lead
    async with database.engine.connect() as c:
        rows = (await c.execute(select(cl.c.campaign_id, cl.c.debt_id, cl.c.claimed_by))).all()
    for campaign_id, dialer_id, mine in zip(campaigns, dialers, (one, two), strict=True):
        held = {
            r.debt_id for r in rows if r.campaign_id == campaign_id and r.claimed_by == dialer_id
        }
        assert held == set(mine)


@pytest.mark.parametrize("campaigns", [("late", "late"), ("late", "big")], ids=["one", "two"])
async def test_two_dialer_processes_never_hold_two_debts_of_one_debtor(
    database: DatabaseUnderTest, tmp_path: Path, campaigns: tuple[str, str]
) -> None:
    postgresql_only(database)
    debts = two_debts_each(LEADS // 2)
    await import_debts(database, tmp_path, debts)
    for campaign_id in sorted(set(campaigns)):
        await a_campaign(database, campaign_id)
        await build(database, campaign_id)
    dialers = [
        await start_dialer(database, c, d) for c, d in zip(campaigns, ("d-1", "d-2"), strict=True)
    ]
    one, two = await asyncio.gather(*(finish(dialer) for dialer in dialers))

    debtor_of = {debt_id: debtor_id for debtor_id, _, debt_id, _ in debts}
    held = sorted(debtor_of[debt_id] for debt_id in one + two)
    assert len(held) == len(set(held)), (
        f"held twice: {sorted({d for d in held if held.count(d) > 1})[:10]}"
    )
    assert held == sorted(set(debtor_of.values()))  # every debtor once: the claims did not starve
    assert one
    assert two
