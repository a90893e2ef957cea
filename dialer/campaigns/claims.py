"""Claiming leads to dial, so that no debtor is ever dialed twice at once.

A claim moves ``campaign_lead`` rows from ready to claimed, stamped with the dialer's id, in one
transaction; a read-then-write claim double-claims under concurrency (measured, DESIGN.md). The
pick itself is :mod:`dialer.campaigns.claim_pick`.

- PostgreSQL (several dialer processes): ``SELECT … ORDER BY priority DESC LIMIT n FOR UPDATE
  SKIP LOCKED``, then ``UPDATE … SET status='claimed'`` on the rows it locked, in the same
  transaction. A concurrent claimer skips the locked rows instead of waiting for them, and a
  row changed since the snapshot is re-checked by PostgreSQL before it is locked.
- SQLite (one process): one atomic ``UPDATE … SET status='claimed' WHERE rowid IN (SELECT …
  LIMIT n) AND status='ready' RETURNING …``. SQLite lets one writer at a time in, so the
  statement sees and changes the rows with nobody in between. SQLite is documented as
  single-process for the dialer.

One call at a time per debtor (Reg F 1006.14(b)(1); a second call would ring the same numbers).
A debtor is held while any lead of theirs is claimed: any debt, account, campaign or dialer. The
pick takes no lead of a held debtor, and of a debtor's due leads in the campaign only the first
(highest priority, then lowest debt id), so a batch never holds two of one debtor's debts; the
others stay ready, untouched (``attempts``, ``next_at``). Both are conditions of the pick
(``NOT EXISTS`` over campaign_lead → debt → account with the same ``debtor_id``), not filters
after it, so the claim's next round does not pick again what it left. A debt on several
campaigns' lists is one case of this: it is never claimed by two at once.

On PostgreSQL that check alone would race (two claimers each miss the other's uncommitted
claim), so the pick also locks the debtors' rows (``FOR NO KEY UPDATE OF campaign_lead, debtor
SKIP LOCKED``: it does not block inserts that reference the debtor) and then, holding them,
checks again in a fresh statement, which sees every committed claim of those debtors; a claim
in flight holds its debtor's lock. The lock skips rather than waits. Waiting, even in debtor id
order, deadlocks (it did in the two-process test): a claim locks over several rounds
(statements), so two claimers can each hold a debtor the other's next round wants; and it would
stall the one-second pacing tick behind any transaction updating a debtor. A skipped debtor
misses nothing: their leads stay ready for the next pick, a second later.

A claimed lead whose debtor became do-not-call or cease-communication, whose debt was paid, or
who has no unsuppressed number left is taken off the list in the same transaction and not
returned; the claim goes on to the next leads, so an empty answer means nothing is due (the
compliance gate checks again before the Originate).

A dialer holds its claims for the length of the call: it calls :func:`renew_claims` every minute
or so, and at start :func:`reclaim_stale_claims` puts back claims nobody renewed (a dialer that
died). :func:`release_lead` ends a claim with the call's outcome. A claim put back whose last
call an agent had, with nothing recorded, is released as that call's wrap-up timer would have
(:func:`hold_after_undisposed_calls`): the debtor is not dialed for 7 days.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from dialer.campaigns.claim_pick import PickedLead, pick_leads
from dialer.campaigns.config import CampaignConfig, CampaignConfigError
from dialer.campaigns.lists import campaign_config
from dialer.campaigns.retry import (
    AFTER_CONVERSATION,
    UNDISPOSED,
    LeadRelease,
    NoDisposition,
    plan_release,
)
from dialer.engine.attempts import close_attempt, record_undisposed
from recoup.domain.model import ContactChannel, DebtStatus, Disposition, LeadStatus
from recoup.storage import tables as t

_READY, _CLAIMED = LeadStatus.READY.value, LeadStatus.CLAIMED.value
_MAX_ROUNDS = 20  # claims that find only leads no longer dialable give up after this many


class LeadNotHeldError(RuntimeError):
    """The dialer no longer holds this lead (its claim went stale and was taken back)."""


@dataclass(frozen=True, slots=True)
class ClaimedLead:
    """A debt a dialer holds for a call."""

    campaign_id: str
    debt_id: str
    debtor_id: str
    phones: tuple[str, ...]  # unsuppressed, primary first
    timezone: str  # the debtor's, for the calling window
    attempts: int  # dials before this one
    priority: int
    dialer_id: str
    claimed_at: datetime


@dataclass(frozen=True, slots=True, order=True)
class LeadKey:
    campaign_id: str
    debt_id: str


async def claim_next_leads(
    database: AsyncEngine | AsyncConnection,
    campaign_id: str,
    dialer_id: str,
    n: int,
    now: datetime,
) -> list[ClaimedLead]:
    """Claim up to ``n`` ready leads due by ``now``, highest priority first.

    With an engine, the claim is its own transaction, committed on return. With a connection,
    it runs in the caller's transaction, which the caller commits (keep it short: on SQLite it
    holds the write lock, on PostgreSQL the row locks).
    """
    if n <= 0:
        return []
    if isinstance(database, AsyncEngine):
        async with database.begin() as connection:
            return await _claim_dialable(connection, campaign_id, dialer_id, n, now)
    return await _claim_dialable(database, campaign_id, dialer_id, n, now)


async def _claim_dialable(
    connection: AsyncConnection, campaign_id: str, dialer_id: str, n: int, now: datetime
) -> list[ClaimedLead]:
    """Claim until ``n`` dialable leads are held or none is ready: an empty list means none."""
    claimed: list[ClaimedLead] = []
    for _ in range(_MAX_ROUNDS):
        if len(claimed) >= n:
            break
        rows = await pick_leads(connection, campaign_id, dialer_id, n - len(claimed), now)
        if rows is None:
            break
        if rows:
            claimed += await _dialable(connection, campaign_id, dialer_id, now, rows)
    return claimed


async def _dialable(
    connection: AsyncConnection,
    campaign_id: str,
    dialer_id: str,
    now: datetime,
    rows: Sequence[PickedLead],
) -> list[ClaimedLead]:
    """The claimed leads that may be dialed; the others are taken off the list here."""
    debt, account, debtor, phone = t.debt, t.account, t.debtor, t.phone
    ids = [r.debt_id for r in rows]
    info = {
        r.id: r
        for r in await connection.execute(
            select(
                debt.c.id,
                debt.c.balance_minor,
                debt.c.status,
                account.c.debtor_id,
                debtor.c.timezone,
                debtor.c.do_not_call,
                debtor.c.cease_communication,
            )
            .join(account, debt.c.account_id == account.c.id)
            .join(debtor, account.c.debtor_id == debtor.c.id)
            .where(debt.c.id.in_(ids))
        )
    }
    phones: dict[str, list[str]] = defaultdict(list)
    for debtor_id, number in await connection.execute(
        select(phone.c.debtor_id, phone.c.number)
        .where(
            phone.c.debtor_id.in_({i.debtor_id for i in info.values()}),
            phone.c.suppressed.is_(False),
        )
        .order_by(phone.c.debtor_id, phone.c.rank, phone.c.id)
    ):
        phones[debtor_id].append(number)
    claimed: list[ClaimedLead] = []
    removed: dict[str, str] = {}
    for row in rows:
        i = info[row.debt_id]
        if i.balance_minor <= 0 or i.status == DebtStatus.PAID.value:
            removed[row.debt_id] = "paid"
        elif i.do_not_call:
            removed[row.debt_id] = "do not call"
        elif i.cease_communication:
            removed[row.debt_id] = "cease communication"
        elif not phones[i.debtor_id]:
            removed[row.debt_id] = "no phone number to dial"
        else:
            claimed.append(
                ClaimedLead(
                    campaign_id=campaign_id, debt_id=row.debt_id, debtor_id=i.debtor_id,
                    phones=tuple(phones[i.debtor_id]), timezone=i.timezone,
                    attempts=row.attempts, priority=row.priority, dialer_id=dialer_id,
                    claimed_at=now,
                )
            )  # fmt: skip
    for debt_id, reason in removed.items():
        await connection.execute(
            update(t.campaign_lead)
            .where(t.campaign_lead.c.campaign_id == campaign_id)
            .where(t.campaign_lead.c.debt_id == debt_id)
            .values(status=LeadStatus.REMOVED.value, removed_reason=reason, claimed_by=None,
                    claimed_at=None)
        )  # fmt: skip
    return claimed


async def release_lead(
    connection: AsyncConnection,
    lead: ClaimedLead,
    outcome: Disposition | NoDisposition | None,
    now: datetime,
    config: CampaignConfig,
    *,
    retry_at: datetime | None = None,
) -> LeadRelease:
    """End the dialer's claim on ``lead`` with the call's outcome (``None``: not dialed).

    The lead goes back to ready (with ``next_at`` from the campaign's retry rules), done or
    removed: see :func:`~dialer.campaigns.retry.plan_release`. How often this outcome happened
    before is counted from the campaign's ``contact_attempt`` rows for the debt, leaving out the
    newest: this call's own, which the engine writes before the Originate (DESIGN.md). Raises
    :class:`LeadNotHeldError` when the dialer no longer holds the lead.
    """
    cl = t.campaign_lead
    held = (
        cl.c.campaign_id == lead.campaign_id,
        cl.c.debt_id == lead.debt_id,
        cl.c.status == _CLAIMED,
        cl.c.claimed_by == lead.dialer_id,
    )
    current = (await connection.execute(select(cl.c.attempts).where(*held))).one_or_none()
    if current is None:
        msg = f"dialer {lead.dialer_id} no longer holds lead {lead.debt_id} of {lead.campaign_id}"
        raise LeadNotHeldError(msg)
    earlier = 0
    if isinstance(outcome, Disposition):
        ca = t.contact_attempt
        outcomes = (
            await connection.execute(
                select(ca.c.outcome)
                .where(ca.c.campaign_id == lead.campaign_id, ca.c.debt_id == lead.debt_id)
                .order_by(ca.c.at.desc(), ca.c.id.desc())
                .offset(1)  # the newest attempt is this call's, written before its Originate
            )
        ).scalars()
        earlier = sum(1 for o in outcomes if o == outcome.value)
    plan = plan_release(
        outcome, attempts=current.attempts, earlier_same_outcome=earlier, now=now,
        config=config, retry_at=retry_at,
    )  # fmt: skip
    result = await connection.execute(
        update(cl)
        .where(*held)
        .values(
            status=plan.status.value,
            next_at=plan.next_at,
            attempts=plan.attempts,
            claimed_by=None,
            claimed_at=None,
            removed_reason=plan.reason if plan.status is not LeadStatus.READY else "",
        )
    )
    if result.rowcount != 1:
        msg = f"dialer {lead.dialer_id} lost lead {lead.debt_id} of {lead.campaign_id}"
        raise LeadNotHeldError(msg)
    return plan


async def renew_claims(connection: AsyncConnection, dialer_id: str, now: datetime) -> int:
    """Mark every claim of ``dialer_id`` as alive at ``now``; returns how many it holds."""
    cl = t.campaign_lead
    result = await connection.execute(
        update(cl)
        .where(cl.c.status == _CLAIMED, cl.c.claimed_by == dialer_id)
        .values(claimed_at=now)
    )
    return int(result.rowcount)


async def reclaim_stale_claims(
    connection: AsyncConnection,
    older_than: datetime,
    *,
    dialer_id: str | None = None,
    now: datetime | None = None,
) -> list[LeadKey]:
    """Put back to ready the claims not renewed since ``older_than`` (a dialer died).

    With ``dialer_id``, only that dialer's claims, whatever their age: what a restarted dialer
    does with its own. A lead whose last call an agent had, with nothing recorded, waits 7 days
    from ``now`` (:func:`hold_after_undisposed_calls`; without ``now``, from ``older_than``).
    Returns the leads put back, for reconciling their attempts with Asterisk.
    """
    cl = t.campaign_lead
    query = update(cl).where(cl.c.status == _CLAIMED)
    if dialer_id is None:
        query = query.where(cl.c.claimed_at < older_than)
    else:
        query = query.where(cl.c.claimed_by == dialer_id)
    result = await connection.execute(
        query.values(status=_READY, claimed_by=None, claimed_at=None).returning(
            cl.c.campaign_id, cl.c.debt_id
        )
    )
    back = sorted(LeadKey(r.campaign_id, r.debt_id) for r in result)
    await hold_after_undisposed_calls(connection, back, now=now or older_than)
    return back


async def hold_after_undisposed_calls(
    connection: AsyncConnection, leads: Sequence[LeadKey], *, now: datetime
) -> list[LeadKey]:
    """Of ``leads``, just put back to ready without their call's outcome (their dialer died or
    restarted), hold those whose last call an agent had and recorded nothing on, as the wrap-up
    timer does: the call counts as a conversation, closed now if it was open, and the lead is
    released as :data:`~dialer.campaigns.retry.UNDISPOSED` (7 days, Reg F 1006.14(b)(2)).

    A lead already held 7 days past that call (the timer gave it back; it was claimed again for
    a preview, say) is left as it is. Returns the leads held.
    """
    ca, cl = t.contact_attempt, t.campaign_lead
    held: list[LeadKey] = []
    configs: dict[str, CampaignConfig | None] = {}
    for key in leads:
        of_lead = (cl.c.campaign_id == key.campaign_id, cl.c.debt_id == key.debt_id)
        last = (
            await connection.execute(
                select(ca.c.id, ca.c.connected_at, ca.c.outcome, ca.c.closed_at)
                .where(ca.c.campaign_id == key.campaign_id, ca.c.debt_id == key.debt_id,
                       ca.c.channel == ContactChannel.CALL.value)
                .order_by(ca.c.at.desc(), ca.c.id.desc())
                .limit(1)
            )
        ).one_or_none()  # fmt: skip
        if last is None or last.connected_at is None or last.outcome is not None:
            continue
        lead = (await connection.execute(select(cl.c.attempts, cl.c.next_at).where(*of_lead))).one()
        ended = last.closed_at or now
        if lead.next_at is not None and lead.next_at >= ended + AFTER_CONVERSATION:
            continue  # the wrap-up timer gave it back: held already
        if last.closed_at is None:
            await close_attempt(connection, last.id, at=now, outcome=None)
        await record_undisposed(connection, last.id)
        if key.campaign_id not in configs:
            configs[key.campaign_id] = await _config_or_none(connection, key.campaign_id)
        plan = _undisposed_release(lead.attempts, max(now, ended), configs[key.campaign_id])
        await connection.execute(
            update(cl)
            .where(*of_lead, cl.c.status == _READY)
            .values(
                status=plan.status.value, next_at=plan.next_at, attempts=plan.attempts,
                removed_reason=plan.reason if plan.status is not LeadStatus.READY else "",
            )
        )  # fmt: skip
        held.append(key)
    return held


async def _config_or_none(connection: AsyncConnection, campaign_id: str) -> CampaignConfig | None:
    try:
        return await campaign_config(connection, campaign_id)
    except CampaignConfigError:  # the rules tightened since it was stored
        return None


def _undisposed_release(attempts: int, now: datetime, config: CampaignConfig | None) -> LeadRelease:
    if config is not None:
        return plan_release(
            UNDISPOSED, attempts=attempts, earlier_same_outcome=0, now=now, config=config
        )
    # With no valid configuration, the hold still applies (the campaign's own limit unknown).
    reason = "no disposition: 7 days, as after a conversation"
    return LeadRelease(LeadStatus.READY, now + AFTER_CONVERSATION, attempts + 1, reason)


async def set_aside_lead(connection: AsyncConnection, lead: ClaimedLead, reason: str) -> None:
    """Take a held lead off the list for good (the gate refused it with no date it could clear:
    do-not-call, cease communication, paid ...), so it is not claimed and refused again."""
    cl = t.campaign_lead
    result = await connection.execute(
        update(cl)
        .where(
            cl.c.campaign_id == lead.campaign_id,
            cl.c.debt_id == lead.debt_id,
            cl.c.status == _CLAIMED,
            cl.c.claimed_by == lead.dialer_id,
        )
        .values(
            status=LeadStatus.REMOVED.value, claimed_by=None, claimed_at=None,
            removed_reason=reason[:200],
        )
    )  # fmt: skip
    if result.rowcount != 1:
        msg = f"dialer {lead.dialer_id} no longer holds lead {lead.debt_id} of {lead.campaign_id}"
        raise LeadNotHeldError(msg)
