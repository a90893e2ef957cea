"""Before a call goes out: the compliance gate, then the attempt row, in the caller's transaction.

A dial the gate refuses never reaches Asterisk: the refusal is recorded with its reason
(:func:`~recoup.compliance.facts.guard_dial`) and the lead goes back to the list for the moment
the gate names, or off the list when nothing will clear it (do-not-call, cease communication,
a paid debt ...). A dial it allows gets its ``contact_attempt`` row before the Originate, so a
crash between the two loses nothing. A dial an agent is reserved for says so in the row's
``detail`` (``agent_reserved``): the compliance audit reads it to tell a lawful UK redial within
72 h of an abandon from an unlawful one.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from dialer.campaigns.claims import ClaimedLead, LeadNotHeldError, release_lead, set_aside_lead
from dialer.engine.attempts import open_attempt
from dialer.engine.campaign_run import CampaignRun
from recoup.compliance.facts import DialRequest, guard_dial
from recoup.compliance.gate import GateVerdict
from recoup.scripts.recording_notice import in_all_party_consent_state
from recoup.storage import tables as t


@dataclass(frozen=True, slots=True)
class GatedDial:
    lead: ClaimedLead
    channel_id: str
    phone: str
    verdict: GateVerdict
    attempt_id: int | None  # None: refused, nothing to dial
    all_party_consent: bool = False


async def gate_and_open(
    conn: AsyncConnection,
    run: CampaignRun,
    lead: ClaimedLead,
    *,
    channel_id: str,
    now: datetime,
    agent_reserved: bool = False,
) -> GatedDial:
    phone = lead.phones[0] if lead.phones else ""
    request = DialRequest(lead.debt_id, phone, agent_reserved=agent_reserved)
    verdict = await guard_dial(conn, run.campaign_id, request, now, run.policy)
    if not verdict.allowed:
        with contextlib.suppress(LeadNotHeldError):
            if verdict.next_allowed_at is None:  # nothing will clear it: off the list
                await set_aside_lead(conn, lead, verdict.reason or "refused by the gate")
            else:
                await release_lead(
                    conn, lead, None, now, run.config, retry_at=verdict.next_allowed_at
                )
        return GatedDial(lead, channel_id, phone, verdict, None)
    debtor = (
        await conn.execute(
            select(t.debtor.c.all_party_consent, t.debtor.c.region, t.debtor.c.country).where(
                t.debtor.c.id == lead.debtor_id
            )
        )
    ).one_or_none()
    # The file's flag, or an address in an all-party-consent state (as the script's notice).
    consent = debtor is not None and (
        bool(debtor.all_party_consent)
        or in_all_party_consent_state(debtor.region or "", debtor.country or "")
    )
    attempt_id = await open_attempt(
        conn, channel_id=channel_id, campaign_id=run.campaign_id, debt_id=lead.debt_id,
        debtor_id=lead.debtor_id, phone=phone, now=now,
    )  # fmt: skip
    if agent_reserved:
        await conn.execute(
            update(t.contact_attempt)
            .where(t.contact_attempt.c.id == attempt_id)
            .values(detail={"agent_reserved": True})
        )
    return GatedDial(lead, channel_id, phone, verdict, attempt_id, consent)
