"""A call an agent had, with nothing recorded, when its dialer restarted or died.

Normally the wrap-up timer gives such a call back as undisposed: a conversation (Reg F
1006.14(b)(2): no call for 7 days after one), the lead held 7 days. A dialer that restarts
before the timer, or another dialer taking over a dead one's leads, does the same: the attempt
is not closed as failed and the debtor is not dialed again at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from dialer.campaigns.claims import (
    ClaimedLead,
    LeadKey,
    claim_next_leads,
    reclaim_stale_claims,
    release_lead,
)
from dialer.campaigns.lists import campaign_config
from dialer.engine.attempts import close_attempt, open_attempt, record_answer, record_connect
from dialer.engine.recovery import reconcile_after_restart
from recoup.domain.model import Disposition
from recoup.storage import tables as t
from tests.conftest import DatabaseUnderTest
from tests.integration.campaigns.campaign_builders import NOW, a_campaign, build, import_samples

SEVEN_DAYS = timedelta(days=7)
UNDISPOSED_NOTE = "no disposition: counted as a conversation"


async def leads_claimed(db: DatabaseUnderTest, dialer: str, n: int) -> list[ClaimedLead]:
    await import_samples(db)
    await a_campaign(db)
    await build(db)
    leads = await claim_next_leads(db.engine, "late", dialer, n, NOW)
    assert len(leads) == n
    return leads


async def a_call(
    db: DatabaseUnderTest, lead: ClaimedLead, n: int, *, agent: str = "", ended: bool = False
) -> int:
    """The lead's call, answered live; handed to ``agent``; hung up 6 minutes later if ``ended``
    (the agent then in wrap-up, nothing recorded: the attempt closed with no outcome)."""
    async with db.engine.begin() as c:
        attempt_id = await open_attempt(
            c, channel_id=f"{lead.dialer_id}-{n}", campaign_id=lead.campaign_id,
            debt_id=lead.debt_id, debtor_id=lead.debtor_id, phone=lead.phones[0], now=NOW,
        )  # fmt: skip
        await record_answer(c, attempt_id, at=NOW + timedelta(seconds=8), live=True)
        if agent:
            await record_connect(c, attempt_id, at=NOW + timedelta(seconds=9), agent=agent)
        if ended:
            await close_attempt(c, attempt_id, at=NOW + timedelta(minutes=6), outcome=None)
    return attempt_id


async def attempt(db: DatabaseUnderTest, attempt_id: int) -> Any:
    a = t.contact_attempt
    async with db.engine.connect() as c:
        return (await c.execute(select(a).where(a.c.id == attempt_id))).one()


async def lead_row(db: DatabaseUnderTest, debt_id: str) -> Any:
    cl = t.campaign_lead
    async with db.engine.connect() as c:
        return (
            await c.execute(select(cl).where(cl.c.campaign_id == "late", cl.c.debt_id == debt_id))
        ).one()


def counted_as_a_conversation(row: Any) -> tuple[object, ...]:
    return (row.outcome, row.conversation, (row.detail or {}).get("note"))


async def test_a_call_an_agent_had_when_the_dialer_restarted_holds_the_debtor_for_seven_days(
    database: DatabaseUnderTest,
) -> None:
    [lead] = await leads_claimed(database, "dialer-a", 1)
    attempt_id = await a_call(database, lead, 1, agent="alice", ended=True)
    restart = NOW + timedelta(minutes=8)  # before the wrap-up timer gave the call back
    async with database.engine.begin() as c:
        await reconcile_after_restart(c, set(), dialer_id="dialer-a", now=restart)
    row = await attempt(database, attempt_id)
    assert counted_as_a_conversation(row) == (None, True, UNDISPOSED_NOTE)
    assert row.closed_at == NOW + timedelta(minutes=6)
    held = await lead_row(database, lead.debt_id)
    assert (held.status, held.claimed_by, held.attempts) == ("ready", None, 1)
    assert held.next_at == restart + SEVEN_DAYS
    next_day = await claim_next_leads(
        database.engine, "late", "dialer-b", 99, restart + timedelta(1)
    )
    assert next_day, "the other debtors are dialed"
    assert lead.debt_id not in {x.debt_id for x in next_day}


async def test_a_call_with_an_agent_when_the_dialer_died_is_not_closed_as_failed(
    database: DatabaseUnderTest,
) -> None:
    talking, ringing = await leads_claimed(database, "dialer-a", 2)
    with_agent = await a_call(database, talking, 1, agent="alice")
    no_agent = await a_call(database, ringing, 2)
    restart = NOW + timedelta(minutes=3)  # both calls gone from Asterisk by then
    async with database.engine.begin() as c:
        assert await reconcile_after_restart(c, set(), dialer_id="dialer-a", now=restart) == []
    row = await attempt(database, with_agent)
    assert counted_as_a_conversation(row) == (None, True, UNDISPOSED_NOTE)
    assert row.closed_at == restart
    held = await lead_row(database, talking.debt_id)
    assert (held.status, held.attempts, held.next_at) == ("ready", 1, restart + SEVEN_DAYS)
    # A call that never reached an agent is closed as failed and its lead is ready at once.
    row = await attempt(database, no_agent)
    assert (row.outcome, row.conversation, row.closed_at) == ("failed", False, restart)
    freed = await lead_row(database, ringing.debt_id)
    assert (freed.status, freed.attempts, freed.next_at) == ("ready", 0, None)


async def test_a_disposition_recorded_during_the_call_is_kept_when_the_dialer_restarts(
    database: DatabaseUnderTest,
) -> None:
    [lead] = await leads_claimed(database, "dialer-a", 1)
    attempt_id = await a_call(database, lead, 1, agent="alice")
    async with database.engine.begin() as c:  # what the desk writes on a disposition
        await release_lead(
            c,
            lead,
            Disposition.REFUSED,
            NOW + timedelta(minutes=2),
            await campaign_config(c, "late"),
        )
        await c.execute(
            update(t.contact_attempt)
            .where(t.contact_attempt.c.id == attempt_id)
            .values(outcome=Disposition.REFUSED.value, conversation=True)
        )
    restart = NOW + timedelta(minutes=3)
    async with database.engine.begin() as c:
        await reconcile_after_restart(c, set(), dialer_id="dialer-a", now=restart)
    row = await attempt(database, attempt_id)
    assert (row.outcome, row.conversation, row.closed_at) == ("refused", True, restart)


async def test_a_dead_dialers_calls_an_agent_had_hold_their_debtors_for_seven_days(
    database: DatabaseUnderTest,
) -> None:
    in_wrap_up, talking, previewed = await leads_claimed(database, "dialer-dead", 3)
    ended = await a_call(database, in_wrap_up, 1, agent="alice", ended=True)
    still_open = await a_call(database, talking, 2, agent="bob")
    # The previewed lead's last call was given back undisposed by the wrap-up timer 10 days
    # ago, and the lead waited its 7 days then: it is not held again.
    waited = NOW - timedelta(days=3)
    async with database.engine.begin() as c:
        await c.execute(
            update(t.campaign_lead)
            .where(t.campaign_lead.c.debt_id == previewed.debt_id)
            .values(next_at=waited, attempts=1)
        )
        earlier = await open_attempt(
            c, channel_id="dialer-dead-0", campaign_id="late", debt_id=previewed.debt_id,
            debtor_id=previewed.debtor_id, phone=previewed.phones[0], now=NOW - timedelta(10),
        )  # fmt: skip
        await record_connect(c, earlier, at=NOW - timedelta(10), agent="carol")
        await close_attempt(c, earlier, at=waited - SEVEN_DAYS, outcome=None)
        await c.execute(
            update(t.contact_attempt)
            .where(t.contact_attempt.c.id == earlier)
            .values(conversation=True, detail={"note": UNDISPOSED_NOTE})
        )
    later: datetime = NOW + timedelta(minutes=15)
    async with database.engine.begin() as c:  # another dialer, at its claim renewal
        back = await reclaim_stale_claims(c, later - timedelta(minutes=10), now=later)
    assert back == sorted(LeadKey("late", x.debt_id) for x in (in_wrap_up, talking, previewed))
    row = await attempt(database, ended)
    assert counted_as_a_conversation(row) == (None, True, UNDISPOSED_NOTE)
    assert row.closed_at == NOW + timedelta(minutes=6)
    row = await attempt(database, still_open)
    assert counted_as_a_conversation(row) == (None, True, UNDISPOSED_NOTE)
    assert row.closed_at == later
    for lead in (in_wrap_up, talking):
        held = await lead_row(database, lead.debt_id)
        assert (held.status, held.claimed_by, held.attempts) == ("ready", None, 1)
        assert held.next_at == later + SEVEN_DAYS
    freed = await lead_row(database, previewed.debt_id)
    assert (freed.status, freed.attempts, freed.next_at) == ("ready", 1, waited)


async def test_a_call_still_up_with_an_agent_at_a_restart_holds_the_debtor_for_seven_days(
    database: DatabaseUnderTest,
) -> None:
    [lead] = await leads_claimed(database, "dialer-a", 1)
    attempt_id = await a_call(database, lead, 1, agent="alice")
    restart = NOW + timedelta(minutes=3)  # the debtor and the agent still talking
    async with database.engine.begin() as c:
        followed = await reconcile_after_restart(
            c, {"dialer-a-1"}, dialer_id="dialer-a", now=restart
        )
    assert [(a.attempt_id, a.connected) for a in followed] == [(attempt_id, True)]
    # The restarted dialer no longer has the agent on its floor: nothing can be recorded on
    # the call, so it counts as a conversation now and the debtor is held 7 days.
    row = await attempt(database, attempt_id)
    assert counted_as_a_conversation(row) == (None, True, UNDISPOSED_NOTE)
    held = await lead_row(database, lead.debt_id)
    assert (held.status, held.claimed_by, held.next_at) == ("ready", None, restart + SEVEN_DAYS)
