"""What the dialer puts right after a crash or a lost commit: attempts and claims with no call.

* :func:`reconcile_after_restart`, on start: attempts left open are checked against Asterisk's
  live channels (calls still up are returned, to be followed again; the rest are closed), and
  the claims this dialer held on leads whose calls are gone are released: a call an agent had,
  with nothing recorded, counts as a conversation and holds its lead 7 days, as the wrap-up
  timer would have.
* :func:`sweep_orphans`, at every claim renewal and on stop: when the connection dropped as a
  transaction committed, the dialer could not know whether its attempts and claims were written;
  it retried, and the first writes may stand with no call behind them. Those attempts were
  never dialed: they are closed as failed, saying so, and their leads released.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from dialer.campaigns.claims import LeadKey, hold_after_undisposed_calls
from dialer.engine.attempts import OpenAttempt, close_gone_attempt, reconcile_open_attempts
from recoup.domain.model import LeadStatus
from recoup.storage import tables as t

_CLAIMED, _READY = LeadStatus.CLAIMED.value, LeadStatus.READY.value


async def _release_claims(
    conn: AsyncConnection, dialer_id: str, keep: Collection[tuple[str, str]], *, now: datetime
) -> None:
    """Put back this dialer's claims but those in ``keep``: to ready, or held 7 days when the
    lead's last call an agent had and nothing was recorded (see
    :func:`~dialer.campaigns.claims.hold_after_undisposed_calls`)."""
    cl = t.campaign_lead
    mine = await conn.execute(
        select(cl.c.campaign_id, cl.c.debt_id).where(
            cl.c.status == _CLAIMED, cl.c.claimed_by == dialer_id
        )
    )
    released: list[LeadKey] = []
    for campaign_id, debt_id in list(mine):
        if (campaign_id, debt_id) in keep:
            continue
        await conn.execute(
            update(cl)
            .where(and_(cl.c.campaign_id == campaign_id, cl.c.debt_id == debt_id))
            .values(status=_READY, claimed_by=None, claimed_at=None)
        )
        released.append(LeadKey(campaign_id, debt_id))
    await hold_after_undisposed_calls(conn, released, now=now)


async def reconcile_after_restart(
    conn: AsyncConnection, live_channels: Collection[str] | None, *, dialer_id: str, now: datetime
) -> list[OpenAttempt]:
    """Close the attempts whose calls are gone, release their leads; return the calls still up.

    A call still up that an agent had is returned too (the dialer follows it to its end), but
    its lead is not kept: the agent is no longer on this dialer's floor and nothing can be
    recorded on it, so it counts as a conversation now and the lead is held 7 days. Only
    ``dialer_id``'s attempts are looked at; ``live_channels`` None means Asterisk could not be
    asked, and every call is followed until its snapshot tells.
    """
    still_up, _gone = await reconcile_open_attempts(
        conn, live_channels, dialer_id=dialer_id, now=now
    )
    keep = {(a.campaign_id, a.debt_id) for a in still_up if not a.connected}
    await _release_claims(conn, dialer_id, keep, now=now)
    return still_up


async def sweep_orphans(
    conn: AsyncConnection,
    *,
    dialer_id: str,
    now: datetime,
    known_calls: Collection[str],
    held_attempts: Collection[int],
    held_leads: Collection[tuple[str, str]],
) -> None:
    """Close this dialer's open attempts it does not know of, and free the leads it does not
    hold (see the module's description)."""
    a = t.contact_attempt
    rows = await conn.execute(
        select(a.c.id, a.c.pbx_channel_id).where(
            a.c.closed_at.is_(None), a.c.pbx_channel_id.like(f"{dialer_id}-%")
        )
    )
    for attempt_id, channel_id in list(rows):
        if channel_id in known_calls or attempt_id in held_attempts:
            continue
        await close_gone_attempt(
            conn, attempt_id, at=now,
            note="never dialed: the database's answer to its write was lost",
        )  # fmt: skip
    await _release_claims(conn, dialer_id, held_leads, now=now)
