"""A campaign's dialing list: which debts it calls, and in which order.

:func:`build_dialing_list` selects the debts the campaign's :class:`ListSelection` names, skips
debtors who must not be called (do-not-call, cease communication), who owe nothing, who have no
number left to dial or whose payment profile the campaign does not call, and writes one
``campaign_lead`` row per debt with its priority (:func:`~dialer.campaigns.priority.lead_priority`).

Run again (each morning, after a payment file), it refreshes the priorities of leads still on
the list, adds new debts, and takes off ready leads that no longer qualify (with the reason).
A lead that is done or removed is never put back; a claimed lead is left to its dialer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from dialer.campaigns.config import CampaignConfig, load_campaign_config
from dialer.campaigns.priority import LeadFacts, lead_priority
from recoup.domain.model import DebtStatus, LeadStatus, PromiseStatus
from recoup.rules.payment_profile import PaymentProfile, ProfilePolicy
from recoup.scripts.choice import ScriptRule
from recoup.scripts.library import add_script_rule
from recoup.storage import tables as t
from recoup.storage.debtor_file import DebtorFile, load_debtor_files

_READY = LeadStatus.READY.value
BATCH = 500  # ids per IN (...) list: far below SQLite's and asyncpg's parameter limits


class CampaignNotFoundError(LookupError):
    """No campaign has this id."""


@dataclass
class ListBuild:
    """What one build did, for the manager's screen and the log."""

    campaign_id: str
    added: int = 0
    refreshed: int = 0
    removed: Counter[str] = field(default_factory=Counter)  # reason -> leads taken off
    skipped: Counter[str] = field(default_factory=Counter)  # reason -> debts not added

    @property
    def on_list(self) -> int:
        return self.added + self.refreshed


async def create_campaign(
    connection: AsyncConnection,
    campaign_id: str,
    name: str,
    config: CampaignConfig,
    *,
    now: datetime,
    active: bool = False,
) -> None:
    """Store a new campaign; its dial mode and abandon target are copied into their columns."""
    await connection.execute(
        insert(t.campaign).values(
            id=campaign_id,
            name=name,
            dial_mode=config.dial_mode.value,
            abandon_target=config.abandon_target_basis_points,
            active=active,
            config=config.to_json(),
            created_at=now,
        )
    )
    await store_script_rules(connection, campaign_id, config)


async def store_script_rules(
    connection: AsyncConnection, campaign_id: str, config: CampaignConfig
) -> None:
    """The campaign's script rules join the rule table the screen pop reads (replacing the
    campaign's earlier ones). A rule naming a script that does not exist is refused by the
    database (``script_rule.script_id`` references ``script``): nothing is stored."""
    await connection.execute(
        delete(t.script_rule).where(t.script_rule.c.campaign_id == campaign_id)
    )
    for rule in config.scripts:
        await add_script_rule(
            connection,
            ScriptRule(
                script_id=rule.script_id, profile=rule.profile, segment=rule.segment,
                language=rule.language, campaign_id=campaign_id, priority=rule.priority,
            ),
        )  # fmt: skip


async def update_campaign_config(
    connection: AsyncConnection, campaign_id: str, config: CampaignConfig
) -> None:
    result = await connection.execute(
        update(t.campaign)
        .where(t.campaign.c.id == campaign_id)
        .values(
            dial_mode=config.dial_mode.value,
            abandon_target=config.abandon_target_basis_points,
            config=config.to_json(),
        )
    )
    if result.rowcount == 0:
        raise CampaignNotFoundError(campaign_id)
    await store_script_rules(connection, campaign_id, config)


async def campaign_config(connection: AsyncConnection, campaign_id: str) -> CampaignConfig:
    """The campaign's stored configuration, validated again (the rules may have tightened)."""
    row = await connection.execute(
        select(t.campaign.c.config).where(t.campaign.c.id == campaign_id)
    )
    data = row.scalar_one_or_none()
    if data is None:
        raise CampaignNotFoundError(campaign_id)
    return load_campaign_config(data)


@dataclass(frozen=True, slots=True)
class _Candidate:
    debt_id: str
    debtor_id: str
    balance_minor: int
    due_date: date


def _chunks(items: Sequence[str]) -> Iterable[list[str]]:
    for start in range(0, len(items), BATCH):
        yield list(items[start : start + BATCH])


async def _candidates(
    connection: AsyncConnection, config: CampaignConfig, today: date, build: ListBuild
) -> list[_Candidate]:
    """The debts the selection names, but for debtors who must not be called (counted)."""
    sel = config.selection
    debt, account, debtor = t.debt, t.account, t.debtor
    query = (
        select(
            debt.c.id,
            account.c.debtor_id,
            debt.c.balance_minor,
            debt.c.due_date,
            debtor.c.do_not_call,
            debtor.c.cease_communication,
        )
        .join(account, debt.c.account_id == account.c.id)
        .join(debtor, account.c.debtor_id == debtor.c.id)
        .where(
            debt.c.status.in_([s.value for s in sel.statuses]),
            debt.c.balance_minor >= sel.min_balance_minor,
        )
        .order_by(debt.c.id)
    )
    if sel.max_balance_minor is not None:
        query = query.where(debt.c.balance_minor <= sel.max_balance_minor)
    if sel.min_days_past_due > 0:
        query = query.where(debt.c.due_date <= today - timedelta(days=sel.min_days_past_due))
    if sel.max_days_past_due is not None:
        query = query.where(debt.c.due_date >= today - timedelta(days=sel.max_days_past_due))
    if sel.segments:
        query = query.where(account.c.segment.in_(list(sel.segments)))
    candidates = []
    for r in await connection.execute(query):
        if r.do_not_call:
            build.skipped["do not call"] += 1
        elif r.cease_communication:
            build.skipped["cease communication"] += 1
        else:
            candidates.append(_Candidate(r.id, r.debtor_id, r.balance_minor, r.due_date))
    return candidates


def _promise_due(file: DebtorFile, debt_id: str) -> date | None:
    open_ = (PromiseStatus.PENDING, PromiseStatus.PARTIAL)
    dates = [p.due_on for p in file.promises if p.debt_id == debt_id and p.status in open_]
    return min(dates, default=None)


async def _priorities(
    connection: AsyncConnection,
    config: CampaignConfig,
    candidates: Sequence[_Candidate],
    *,
    today: date,
    policy: ProfilePolicy,
    build: ListBuild,
) -> dict[str, int]:
    """debt id -> priority for every candidate that qualifies; the others counted as skipped."""
    debtor_ids = sorted({c.debtor_id for c in candidates})
    files: dict[str, DebtorFile] = {}
    for chunk in _chunks(debtor_ids):
        files.update((f.debtor.id, f) for f in await load_debtor_files(connection, chunk))
    wanted = set(config.selection.profiles)
    eligible: dict[str, int] = {}
    for candidate in candidates:
        file = files[candidate.debtor_id]
        if not file.debtor.phones:
            build.skipped["no phone number to dial"] += 1
            continue
        profile = file.profile(today, policy).profile
        if profile is PaymentProfile.PAID_UP:
            build.skipped["paid up"] += 1
            continue
        if wanted and profile not in wanted:
            build.skipped[f"payment profile {profile.value} not selected"] += 1
            continue
        facts = LeadFacts(
            balance_minor=candidate.balance_minor,
            days_past_due=max(0, (today - candidate.due_date).days),
            promise_due=_promise_due(file, candidate.debt_id),
            risk_score=config.risk_by_profile[profile],
        )
        eligible[candidate.debt_id] = lead_priority(facts, config.order, today)
    return eligible


async def _removal_reasons(connection: AsyncConnection, debt_ids: Sequence[str]) -> dict[str, str]:
    """Why each of these debts no longer qualifies, in the words stored with the lead."""
    reasons: dict[str, str] = {}
    debt, account, debtor = t.debt, t.account, t.debtor
    for chunk in _chunks(debt_ids):
        rows = await connection.execute(
            select(
                debt.c.id,
                debt.c.balance_minor,
                debt.c.status,
                debtor.c.do_not_call,
                debtor.c.cease_communication,
            )
            .join(account, debt.c.account_id == account.c.id)
            .join(debtor, account.c.debtor_id == debtor.c.id)
            .where(debt.c.id.in_(chunk))
        )
        for r in rows:
            if r.balance_minor <= 0 or r.status == DebtStatus.PAID.value:
                reasons[r.id] = "paid"
            elif r.do_not_call:
                reasons[r.id] = "do not call"
            elif r.cease_communication:
                reasons[r.id] = "cease communication"
            else:
                reasons[r.id] = "no longer matches the campaign's selection"
    return reasons


def _insert_leads(connection: AsyncConnection) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING: two builds at once never fail on each other's rows."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(t.campaign_lead).on_conflict_do_nothing()


async def build_dialing_list(
    connection: AsyncConnection,
    campaign_id: str,
    today: date,
    profile_policy: ProfilePolicy,
) -> ListBuild:
    """Select the campaign's debts and write its leads (see the module's description)."""
    config = await campaign_config(connection, campaign_id)
    build = ListBuild(campaign_id)
    candidates = await _candidates(connection, config, today, build)
    eligible = await _priorities(
        connection, config, candidates, today=today, policy=profile_policy, build=build
    )
    lead = t.campaign_lead
    stored = await connection.execute(
        select(lead.c.debt_id, lead.c.status).where(lead.c.campaign_id == campaign_id)
    )
    existing: dict[str, str] = {r.debt_id: r.status for r in stored}
    new = [d for d in eligible if d not in existing]
    live = (_READY, LeadStatus.CLAIMED.value)
    keep = [d for d in eligible if existing.get(d) in live]
    stale = sorted(d for d, s in existing.items() if s == _READY and d not in eligible)
    if new:
        await connection.execute(
            _insert_leads(connection),
            [
                {"campaign_id": campaign_id, "debt_id": d, "status": _READY,
                 "priority": eligible[d], "attempts": 0}
                for d in new
            ],
        )  # fmt: skip
    if keep:
        await connection.execute(
            update(lead)
            .where(lead.c.campaign_id == campaign_id, lead.c.debt_id == bindparam("d"))
            .values(priority=bindparam("p")),
            [{"d": d, "p": eligible[d]} for d in keep],
        )
    if stale:
        reasons = await _removal_reasons(connection, stale)
        await connection.execute(
            update(lead)
            .where(
                lead.c.campaign_id == campaign_id,
                lead.c.debt_id == bindparam("d"),
                lead.c.status == LeadStatus.READY.value,
            )
            .values(status=LeadStatus.REMOVED.value, removed_reason=bindparam("r")),
            [{"d": d, "r": reasons.get(d, "debt no longer on file")} for d in stale],
        )
        build.removed.update(reasons.get(d, "debt no longer on file") for d in stale)
    build.added, build.refreshed = len(new), len(keep)
    if new and connection.dialect.name == "postgresql":
        # Fresh statistics, or the claim query plans a freshly filled list as if it were empty
        # and scans it once per lead (measured: 20 ms a claim at 600 leads instead of 3 ms).
        await connection.execute(text("ANALYZE campaign_lead"))
    return build
