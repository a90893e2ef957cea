"""Contact attempts for calls: written before the Originate, closed from the events after it.

A crash at any moment leaves a row: an attempt with no ``closed_at``. On start the dialer
reconciles those against Asterisk's live channels (:func:`reconcile_open_attempts`): a call still
up is followed again, one that is gone is closed as ``failed`` with the reason (one an agent had
is counted as a conversation instead, as if nothing was recorded), so nothing is lost and
nothing is dialed twice.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from recoup.domain.model import ContactChannel, Disposition
from recoup.storage import tables as t

UNDISPOSED_NOTE = "no disposition: counted as a conversation"


@dataclass(frozen=True, slots=True)
class OpenAttempt:
    attempt_id: int
    channel_id: str
    campaign_id: str
    debt_id: str
    debtor_id: str
    phone: str
    at: datetime
    abandoned: bool = False  # the dialer counted an abandon on it (record_abandon)
    connected: bool = False  # an agent had the call


async def open_attempt(
    connection: AsyncConnection,
    *,
    channel_id: str,
    campaign_id: str,
    debt_id: str,
    debtor_id: str,
    phone: str,
    now: datetime,
) -> int:
    """Write the attempt before the Originate goes out; its id travels with the call."""
    result = await connection.execute(
        insert(t.contact_attempt)
        .values(
            debtor_id=debtor_id, debt_id=debt_id, campaign_id=campaign_id,
            channel=ContactChannel.CALL.value, phone=phone, at=now,
            pbx_channel_id=channel_id, conversation=False, abandoned=False,
        )
        .returning(t.contact_attempt.c.id)
    )  # fmt: skip
    return int(result.scalar_one())


async def record_answer(
    connection: AsyncConnection, attempt_id: int, *, at: datetime, live: bool | None,
    amd_status: str | None = None, uniqueid: str = "", linkedid: str = "",
) -> None:  # fmt: skip
    values: dict[str, object] = {"answered_at": at, "live_answer": live, "amd_status": amd_status}
    if uniqueid:
        values |= {"uniqueid": uniqueid, "linkedid": linkedid or uniqueid}
    await connection.execute(
        update(t.contact_attempt).where(t.contact_attempt.c.id == attempt_id).values(**values)
    )


async def record_live(connection: AsyncConnection, attempt_id: int, *, amd_status: str) -> None:
    await connection.execute(
        update(t.contact_attempt)
        .where(t.contact_attempt.c.id == attempt_id)
        .values(live_answer=True, amd_status=amd_status)
    )


async def record_connect(
    connection: AsyncConnection, attempt_id: int, *, at: datetime, agent: str
) -> None:
    await connection.execute(
        update(t.contact_attempt)
        .where(t.contact_attempt.c.id == attempt_id)
        .values(connected_at=at, agent=agent, live_answer=True)
    )


async def close_attempt(
    connection: AsyncConnection,
    attempt_id: int,
    *,
    at: datetime,
    outcome: Disposition | None,
    abandoned: bool = False,
    hangup_cause: int | None = None,
    note: str = "",
) -> None:
    """Close the call's attempt. An agent's disposition may set the outcome later.

    What the attempt already says stays: an abandon (:func:`record_abandon`), an outcome the
    agent recorded while the call was up; the note joins the rest of its ``detail``.
    """
    a = t.contact_attempt
    still_open = and_(a.c.id == attempt_id, a.c.closed_at.is_(None))
    # Read and written back in the caller's transaction: the row locked on PostgreSQL, and
    # SQLite lets one writer in at a time.
    row = (
        await connection.execute(
            select(a.c.outcome, a.c.detail).where(still_open).with_for_update()
        )
    ).one_or_none()
    if row is None:
        return
    values: dict[str, object] = {"closed_at": at}
    if abandoned:
        values["abandoned"] = True
    if outcome is not None and row.outcome is None:
        values |= {"outcome": outcome.value, "conversation": outcome.is_conversation}
    if hangup_cause is not None:
        values["hangup_cause"] = hangup_cause
    if note:
        values["detail"] = _with(row.detail, note=note)
    await connection.execute(update(a).where(still_open).values(**values))


async def record_abandon(connection: AsyncConnection, attempt_id: int) -> None:
    """The dialer counted the call as abandoned (on its meter, as it happened): say so on the
    attempt at once, open or closed, so a restart before the close does not lose it."""
    a = t.contact_attempt
    await connection.execute(update(a).where(a.c.id == attempt_id).values(abandoned=True))


def _with(detail: object, **entries: object) -> dict[str, object]:
    """An attempt's ``detail`` with ``entries`` added."""
    return {**(detail if isinstance(detail, Mapping) else {}), **entries}


async def record_undisposed(connection: AsyncConnection, attempt_id: int) -> None:
    """An agent had the call and recorded nothing: count it as a conversation (a person answered
    and an agent talked to them; the safe side of Reg F 1006.14(b)(2)), and say why."""
    a = t.contact_attempt
    undisposed = and_(a.c.id == attempt_id, a.c.outcome.is_(None))
    row = await connection.execute(select(a.c.detail).where(undisposed).with_for_update())
    for (detail,) in list(row):
        await connection.execute(
            update(a)
            .where(undisposed)
            .values(conversation=True, detail=_with(detail, note=UNDISPOSED_NOTE))
        )


async def open_call_attempts(connection: AsyncConnection, dialer_id: str) -> list[OpenAttempt]:
    """Call attempts ``dialer_id`` placed, written but never closed (it stopped while they were
    up). Another dialer's open attempts are its own: its calls may well be up on its Asterisk."""
    a = t.contact_attempt
    rows = await connection.execute(
        select(a.c.id, a.c.pbx_channel_id, a.c.campaign_id, a.c.debt_id, a.c.debtor_id,
               a.c.phone, a.c.at, a.c.abandoned, a.c.connected_at)
        .where(and_(a.c.channel == ContactChannel.CALL.value, a.c.closed_at.is_(None),
                    a.c.pbx_channel_id.like(f"{dialer_id}-%")))
        .order_by(a.c.id)
    )  # fmt: skip
    return [
        OpenAttempt(r[0], r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7]), r[8] is not None)
        for r in rows
    ]


async def reconcile_open_attempts(
    connection: AsyncConnection,
    live_channel_ids: Collection[str] | None,
    *,
    dialer_id: str,
    now: datetime,
) -> tuple[list[OpenAttempt], list[OpenAttempt]]:
    """Split ``dialer_id``'s open attempts into calls still up in Asterisk and calls that are
    gone.

    The gone ones are closed (:func:`close_gone_attempt`); their leads are released by the
    caller. The live ones are returned so the dialer follows them again. With
    ``live_channel_ids`` None (Asterisk could not be asked) none can be told gone: all are
    returned, and the channel snapshot at the next connection closes those that ended.
    """
    still_up: list[OpenAttempt] = []
    gone: list[OpenAttempt] = []
    for attempt in await open_call_attempts(connection, dialer_id):
        if live_channel_ids is None or attempt.channel_id in live_channel_ids:
            still_up.append(attempt)
            continue
        gone.append(attempt)
        await close_gone_attempt(
            connection, attempt.attempt_id, at=now,
            note="closed on restart: the call was no longer up in Asterisk",
        )  # fmt: skip
    return still_up, gone


async def close_gone_attempt(
    connection: AsyncConnection, attempt_id: int, *, at: datetime, note: str
) -> None:
    """Close an attempt whose call's end the dialer did not see (it was down, or never dialed).

    A call an agent had, with nothing recorded, is not a failed call: it is closed with no
    outcome and counted as a conversation (:func:`record_undisposed`), as the wrap-up timer
    would have; its lead is held 7 days by whoever releases it. An outcome the agent recorded
    stays. The others are closed as ``failed`` with the note, or ``abandoned`` when the dialer
    had counted an abandon on them.
    """
    a = t.contact_attempt
    row = (
        await connection.execute(
            select(a.c.connected_at, a.c.outcome, a.c.abandoned).where(a.c.id == attempt_id)
        )
    ).one_or_none()
    if row is None:
        return
    if row.connected_at is not None and row.outcome is None:
        await close_attempt(connection, attempt_id, at=at, outcome=None)
        await record_undisposed(connection, attempt_id)
        return
    outcome = Disposition.ABANDONED if row.abandoned else Disposition.FAILED
    await close_attempt(connection, attempt_id, at=at, outcome=outcome, note=note)
