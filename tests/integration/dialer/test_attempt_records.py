"""A call's attempt row keeps what was written on it before the call closed.

The abandon is counted on the meter while the identification message plays, before the call
ends; the attempt says so at once (``record_abandon``), and neither the call's close nor a
restart in between takes it back. What the attempt's ``detail`` said when it was opened (an
agent reserved for the call ...) is still there after the close adds its note.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from dialer.campaigns.claims import ClaimedLead, claim_next_leads
from dialer.engine.attempts import (
    close_attempt,
    open_attempt,
    record_abandon,
    record_answer,
    record_connect,
    record_undisposed,
)
from dialer.engine.recovery import reconcile_after_restart
from recoup.domain.model import Disposition
from recoup.storage import tables as t
from tests.conftest import DatabaseUnderTest
from tests.integration.campaigns.campaign_builders import NOW, a_campaign, build, import_samples

DIALER = "dialer-a"


async def a_reserved_call_placed(db: DatabaseUnderTest) -> int:
    """:func:`a_call_placed`, whose attempt says an agent was reserved for it (as the dialer
    writes it for a preview or a UK redial); returns the attempt's id."""
    _, attempt_id = await a_call_placed(db)
    async with db.engine.begin() as c:
        await c.execute(
            update(t.contact_attempt)
            .where(t.contact_attempt.c.id == attempt_id)
            .values(detail={"agent_reserved": True})
        )
    return attempt_id


async def a_call_placed(db: DatabaseUnderTest) -> tuple[ClaimedLead, int]:
    """A lead of the sample list claimed by ``dialer-a`` and its call's attempt, answered live."""
    await import_samples(db)
    await a_campaign(db)
    await build(db)
    [lead] = await claim_next_leads(db.engine, "late", DIALER, 1, NOW)
    async with db.engine.begin() as c:
        attempt_id = await open_attempt(
            c, channel_id=f"{DIALER}-1", campaign_id="late", debt_id=lead.debt_id,
            debtor_id=lead.debtor_id, phone=lead.phones[0], now=NOW,
        )  # fmt: skip
        await record_answer(c, attempt_id, at=NOW + timedelta(seconds=8), live=True)
    return lead, attempt_id


async def attempt(db: DatabaseUnderTest, attempt_id: int) -> Any:
    a = t.contact_attempt
    async with db.engine.connect() as c:
        return (await c.execute(select(a).where(a.c.id == attempt_id))).one()


async def test_an_abandon_is_on_the_attempt_as_soon_as_it_is_counted(
    database: DatabaseUnderTest,
) -> None:
    _, attempt_id = await a_call_placed(database)
    async with database.engine.begin() as c:
        await record_abandon(c, attempt_id)
    row = await attempt(database, attempt_id)
    assert (row.abandoned, row.closed_at) == (True, None)


async def test_an_abandon_counted_before_a_restart_is_still_an_abandon_after_it(
    database: DatabaseUnderTest,
) -> None:
    _, attempt_id = await a_call_placed(database)
    async with database.engine.begin() as c:
        await record_abandon(c, attempt_id)
    # The dialer dies while the identification message plays; the call is gone when it is back.
    later = NOW + timedelta(seconds=30)
    async with database.engine.begin() as c:
        still_up = await reconcile_after_restart(c, set(), dialer_id=DIALER, now=later)
    assert still_up == []
    row = await attempt(database, attempt_id)
    assert (row.abandoned, row.outcome, row.closed_at) == (True, "abandoned", later)


async def test_closing_an_attempt_never_takes_back_an_abandon_already_recorded(
    database: DatabaseUnderTest,
) -> None:
    _, attempt_id = await a_call_placed(database)
    async with database.engine.begin() as c:
        await record_abandon(c, attempt_id)
        await close_attempt(
            c, attempt_id, at=NOW + timedelta(seconds=20), outcome=Disposition.ABANDONED
        )
    assert (await attempt(database, attempt_id)).abandoned is True


async def test_an_abandon_recorded_after_the_close_is_kept(database: DatabaseUnderTest) -> None:
    _, attempt_id = await a_call_placed(database)
    async with database.engine.begin() as c:
        await close_attempt(c, attempt_id, at=NOW + timedelta(seconds=20), outcome=None)
        await record_abandon(c, attempt_id)
    assert (await attempt(database, attempt_id)).abandoned is True


async def test_closing_an_attempt_keeps_what_its_detail_already_said(
    database: DatabaseUnderTest,
) -> None:
    attempt_id = await a_reserved_call_placed(database)
    async with database.engine.begin() as c:
        await close_attempt(
            c, attempt_id, at=NOW + timedelta(seconds=20), outcome=Disposition.FAILED,
            note="never dialed: the database's answer to its write was lost",
        )  # fmt: skip
    assert (await attempt(database, attempt_id)).detail == {
        "agent_reserved": True,
        "note": "never dialed: the database's answer to its write was lost",
    }


async def test_a_call_left_undisposed_keeps_what_its_detail_already_said(
    database: DatabaseUnderTest,
) -> None:
    attempt_id = await a_reserved_call_placed(database)
    async with database.engine.begin() as c:
        await record_connect(c, attempt_id, at=NOW + timedelta(seconds=9), agent="alice")
        await close_attempt(c, attempt_id, at=NOW + timedelta(minutes=5), outcome=None)
        await record_undisposed(c, attempt_id)
    row = await attempt(database, attempt_id)
    assert row.conversation is True
    assert row.detail == {
        "agent_reserved": True,
        "note": "no disposition: counted as a conversation",
    }
