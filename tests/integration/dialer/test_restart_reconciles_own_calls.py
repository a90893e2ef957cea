"""A restarting dialer reconciles its own calls, and only against an Asterisk it could ask.

Several dialers share one database. One that restarts must not close another's open attempts:
that dialer's calls are up on its own Asterisk, and closing them as failed would free their
debtors for a redial while they talk. And a dialer that starts before Asterisk answers cannot
tell a call gone from a call still up: it follows them all until the channel snapshot at the
connection says which ended.
"""

from __future__ import annotations

from datetime import timedelta

from dialer.campaigns.claims import claim_next_leads
from dialer.engine.attempts import open_attempt, record_answer
from dialer.engine.recovery import reconcile_after_restart
from tests.conftest import DatabaseUnderTest
from tests.integration.campaigns.campaign_builders import NOW, a_campaign, build, import_samples
from tests.integration.dialer.test_attempt_records import attempt

LATER = NOW + timedelta(seconds=30)


async def calls_placed_by(db: DatabaseUnderTest, *dialers: str) -> dict[str, int]:
    """One lead of the sample list claimed and dialed, answered live, by each dialer."""
    await import_samples(db)
    await a_campaign(db)
    await build(db)
    attempts: dict[str, int] = {}
    for dialer in dialers:
        [lead] = await claim_next_leads(db.engine, "late", dialer, 1, NOW)
        async with db.engine.begin() as c:
            attempts[dialer] = await open_attempt(
                c, channel_id=f"{dialer}-1", campaign_id="late", debt_id=lead.debt_id,
                debtor_id=lead.debtor_id, phone=lead.phones[0], now=NOW,
            )  # fmt: skip
            await record_answer(c, attempts[dialer], at=NOW + timedelta(seconds=8), live=True)
    return attempts


async def test_a_restarting_dialer_leaves_another_dialers_live_call_open(
    database: DatabaseUnderTest,
) -> None:
    attempts = await calls_placed_by(database, "dialer-a", "dialer-b")
    # dialer-b restarts against its own Asterisk, where dialer-a's call is not to be seen.
    async with database.engine.begin() as c:
        still_up = await reconcile_after_restart(c, set(), dialer_id="dialer-b", now=LATER)
    assert still_up == []
    theirs = await attempt(database, attempts["dialer-a"])
    mine = await attempt(database, attempts["dialer-b"])
    assert (theirs.closed_at, theirs.outcome) == (None, None)
    assert (mine.closed_at, mine.outcome) == (LATER, "failed")


async def test_a_dialer_that_cannot_ask_asterisk_follows_every_call_it_left_open(
    database: DatabaseUnderTest,
) -> None:
    attempts = await calls_placed_by(database, "dialer-a", "dialer-b")
    async with database.engine.begin() as c:
        still_up = await reconcile_after_restart(c, None, dialer_id="dialer-a", now=LATER)
    assert [a.attempt_id for a in still_up] == [attempts["dialer-a"]]
    row = await attempt(database, attempts["dialer-a"])
    assert (row.closed_at, row.outcome) == (None, None)
