"""The compliance audit: the whole stored call history replayed against the gate's rules.

What a collections firm shows a regulator. Every call attempt (``channel='call'``) is judged as
the gate would have judged it at its own instant, with the history before it:

- placed outside the calling window (or on a configured holiday) in any of the debtor's
  candidate zones (``debtor.timezone_candidates``), with the campaign's window;
- the 8th counted attempt about the debt in 7 consecutive days, or a call within 7 days after a
  conversation about it (Reg F; channels and reading as the policy says; a call an agent took
  with no disposition recorded is a conversation, as the gate reads it);
- a call to a debtor flagged do-not-call or cease-communication;
- UK-mode campaigns: a call to a number within 72 hours after an abandoned call to it (from the
  abandoned call's end), unless the attempt's ``detail`` says ``agent_reserved``;

and each campaign's abandon rate is measured over its history (rolling 30 days; UK mode per
calendar day, see :mod:`recoup.compliance.abandon_cap`).

Limitations, printed with every report:

- Do-not-call and cease-communication flags are the debtor's *current* state; the schema keeps
  no date for them. A call to a flagged debtor is reported as a breach unless it can be told to
  predate the flag, and nothing stored tells that; when the gate refused a dial for the flag, the
  finding names the first such refusal (the flag was set by then). A ``*_since`` timestamp on
  ``debtor`` would let the audit clear calls placed before the flag.
- Zones are the debtor's current ones; a debtor who moved is judged where they live now.
- Paid, disputed and promised debts are not replayed: their past states are not stored.
- Each campaign's calls are judged under its current settings (window, holidays, UK mode).
- Abandon rates count the abandons stored. The live meter also adds an estimate of the people
  AMD took for machines (its false-positive rate), which no stored call shows.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from recoup.compliance.abandon_cap import (
    AbandonCapPolicy,
    AbandonPeriod,
    DayCount,
    breaches_over_days,
)
from recoup.compliance.calling_window import check_calling_window
from recoup.compliance.campaign_policy import (
    abandon_policy_from_campaign_config,
    policy_from_campaign_config,
)
from recoup.compliance.contact_cap import Contact, check_contact_cap
from recoup.compliance.facts import (
    abandon_instant,
    contact_channel,
    counts_as_conversation,
    debtor_zones,
)
from recoup.compliance.gate import CompliancePolicy, GateRule
from recoup.compliance.local_time import zone_named
from recoup.domain.model import ContactChannel
from recoup.storage import tables as t

LIMITATIONS = (
    "do-not-call and cease-communication flags are current state (no date is stored): every "
    "call to a flagged debtor is reported",
    "calling hours are judged in the debtor's current timezone candidates",
    "paid, disputed and promised debts are not replayed (their past states are not stored)",
    "each campaign's calls are judged under its current settings (window, holidays, UK mode)",
    "abandon rates count the abandons stored; the live meter also adds an estimate of the "
    "people AMD took for machines, which no stored call shows",
)


class AuditRule(StrEnum):
    CALLING_WINDOW = GateRule.CALLING_WINDOW.value
    HOLIDAY = GateRule.HOLIDAY.value
    CONTACT_CAP_7IN7 = GateRule.CONTACT_CAP_7IN7.value
    CONVERSATION_PAUSE = GateRule.CONVERSATION_PAUSE.value
    DO_NOT_CALL = GateRule.DO_NOT_CALL.value
    CEASE_COMMUNICATION = GateRule.CEASE_COMMUNICATION.value
    UK_ABANDON_72H = GateRule.UK_ABANDON_72H.value
    ABANDON_CAP_30D = "abandon_cap_30d"
    ABANDON_CAP_DAILY = "abandon_cap_daily"


@dataclass(frozen=True, slots=True)
class Finding:
    """One breach: a call the gate would have refused, or a campaign over the abandon cap."""

    rule: AuditRule
    campaign_id: str
    detail: str
    at: datetime | None = None  # the call's instant; None for a campaign's abandon rate
    debt_id: str = ""
    debtor_id: str = ""
    attempt_id: int | None = None
    day: date | None = None  # the first day over the cap, for abandon findings

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule.value, "campaign_id": self.campaign_id, "detail": self.detail,
            "at": self.at.isoformat() if self.at else None, "debt_id": self.debt_id or None,
            "debtor_id": self.debtor_id or None, "attempt_id": self.attempt_id,
            "day": self.day.isoformat() if self.day else None,
        }  # fmt: skip


@dataclass(frozen=True, slots=True)
class AuditReport:
    findings: tuple[Finding, ...]
    calls_checked: int
    debts_checked: int
    campaigns: tuple[str, ...]
    first_call: datetime | None
    last_call: datetime | None
    limitations: tuple[str, ...] = LIMITATIONS

    @property
    def clean(self) -> bool:
        return not self.findings

    def counts(self) -> dict[str, int]:
        counted: dict[str, int] = defaultdict(int)
        for f in self.findings:
            counted[f.rule.value] += 1
        return dict(sorted(counted.items()))

    def to_json(self) -> dict[str, Any]:
        return {
            "clean": self.clean,
            "calls_checked": self.calls_checked,
            "debts_checked": self.debts_checked,
            "campaigns": list(self.campaigns),
            "first_call": self.first_call.isoformat() if self.first_call else None,
            "last_call": self.last_call.isoformat() if self.last_call else None,
            "breaches": self.counts(),
            "findings": [f.to_json() for f in self.findings],
            "limitations": list(self.limitations),
        }


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    """A stored contact attempt, as the audit replays it."""

    id: int
    debt_id: str
    debtor_id: str
    campaign_id: str
    contact: Contact
    live_answer: bool = False
    agent_reserved: bool = False


@dataclass(frozen=True, slots=True)
class DebtorRecord:
    zones: tuple[str, ...]
    do_not_call: bool = False
    cease_communication: bool = False
    flag_seen_at: Mapping[str, datetime] = field(default_factory=dict)  # rule -> first refusal


@dataclass(frozen=True)
class AuditPolicies:
    """Each campaign's policy, and the one for attempts of no (or an unknown) campaign."""

    default: CompliancePolicy = field(default_factory=CompliancePolicy)
    by_campaign: Mapping[str, CompliancePolicy] = field(default_factory=dict)

    def of(self, campaign_id: str) -> CompliancePolicy:
        return self.by_campaign.get(campaign_id, self.default)


def audit_debt(
    attempts: Sequence[AttemptRecord],
    debtor: DebtorRecord,
    policies: AuditPolicies,
    judged: Callable[[AttemptRecord], bool] = lambda _a: True,
    phone_abandons: Mapping[str, Sequence[datetime]] | None = None,
) -> list[Finding]:
    """Replay one debt's attempts (in the order they were placed) against the gate's rules.

    ``judged`` picks the calls to report on (a campaign, a date range); every attempt still
    counts as history. ``phone_abandons``: sorted abandon instants per number, any debt.
    """
    findings: list[Finding] = []
    times = [a.contact.at for a in attempts]
    for index, attempt in enumerate(attempts):
        if attempt.contact.channel is not ContactChannel.CALL or not judged(attempt):
            continue
        policy = policies.of(attempt.campaign_id)
        at = attempt.contact.at

        def found(rule: AuditRule, detail: str, a: AttemptRecord = attempt) -> None:
            findings.append(
                Finding(rule, a.campaign_id, detail, a.contact.at, a.debt_id, a.debtor_id, a.id)
            )

        for flag, rule in (
            (debtor.do_not_call, AuditRule.DO_NOT_CALL),
            (debtor.cease_communication, AuditRule.CEASE_COMMUNICATION),
        ):
            if flag:
                seen = debtor.flag_seen_at.get(rule.value)
                when = (
                    f"the gate saw the flag at {seen:%Y-%m-%d %H:%M} UTC"
                    if seen is not None and seen <= at
                    else "when the flag was set is not stored"
                )
                found(rule, f"called a debtor flagged {rule.value.replace('_', '-')} ({when})")
        window = check_calling_window(debtor.zones, at, policy.window, find_next=False)
        if not window.allowed and window.rule is not None:
            found(AuditRule(window.rule.value), window.reason or window.rule.value)
        first = bisect.bisect_left(times, at - policy.lookback)
        prior = [_as_known_at(a.contact, at) for a in attempts[first:index]]
        cap = check_contact_cap(prior, at, policy.contact_cap, debtor.zones, find_next=False)
        if not cap.allowed and cap.rule is not None:
            found(AuditRule(cap.rule.value), cap.reason or cap.rule.value)
        if policy.uk_mode and not attempt.agent_reserved:
            abandons = (phone_abandons or {}).get(attempt.contact.phone, ())
            lo = bisect.bisect_right(abandons, at - policy.uk_abandon_pause)  # as the gate
            recent = abandons[lo : bisect.bisect_left(abandons, at)]
            if recent:
                found(
                    AuditRule.UK_ABANDON_72H,
                    f"a call to {attempt.contact.phone} was abandoned at "
                    f"{recent[-1]:%Y-%m-%d %H:%M} UTC and redialed within "
                    f"{policy.uk_abandon_pause / timedelta(hours=1):g} h with no agent reserved",
                )
    return findings


def _as_known_at(contact: Contact, at: datetime) -> Contact:
    """An earlier attempt as the gate saw it at ``at``: a conversation that began later (a call
    still ringing or being answered) was not yet one."""
    if contact.conversation and contact.conversation_at > at:
        return replace(contact, conversation=False)
    return contact


def abandon_findings(
    campaign_id: str,
    counts: Mapping[date, DayCount],
    policy: AbandonCapPolicy,
    since: date | None,
    origin: date | None = None,
) -> list[Finding]:
    rule = (
        AuditRule.ABANDON_CAP_DAILY
        if policy.period is AbandonPeriod.CALENDAR_DAY
        else AuditRule.ABANDON_CAP_30D
    )
    return [
        Finding(rule, campaign_id, b.describe(policy.cap), day=b.from_day)
        for b in breaches_over_days(counts, policy, origin)
        if since is None or b.to_day >= since
    ]


async def run_audit(
    connection: AsyncConnection,
    *,
    campaign_id: str | None = None,
    since: datetime | None = None,
    base_policy: CompliancePolicy | None = None,
    us_abandon: AbandonCapPolicy | None = None,
) -> AuditReport:
    """Audit the stored history (calls at or after ``since``, of ``campaign_id`` if given).

    A campaign whose stored configuration cannot be read raises
    :class:`~recoup.compliance.campaign_policy.CampaignPolicyError`.
    """
    base = base_policy or CompliancePolicy()
    policies, abandon_policies = await _campaign_policies(connection, base, us_abandon)
    lookback = max([base.lookback, *(p.lookback for p in policies.by_campaign.values())])
    start = since - max(lookback, timedelta(days=31)) if since is not None else None
    flags = await _flags_seen(connection)
    abandons = await _abandons_by_phone(connection)
    ca = t.contact_attempt

    def judged(a: AttemptRecord) -> bool:
        in_campaign = campaign_id is None or a.campaign_id == campaign_id
        return in_campaign and (since is None or a.contact.at >= since)

    query = (
        select(ca.c.id, ca.c.debt_id, ca.c.debtor_id, ca.c.campaign_id, ca.c.channel, ca.c.phone,
               ca.c.at, ca.c.conversation, ca.c.connected_at, ca.c.outcome, ca.c.abandoned,
               ca.c.answered_at, ca.c.closed_at, ca.c.live_answer,
               ca.c.detail, t.debtor.c.timezone, t.debtor.c.timezone_candidates,
               t.debtor.c.do_not_call, t.debtor.c.cease_communication)
        .join(t.debtor, t.debtor.c.id == ca.c.debtor_id)
        .order_by(ca.c.debt_id, ca.c.at, ca.c.id)
    )  # fmt: skip
    if start is not None:
        query = query.where(ca.c.at >= start)
    findings: list[Finding] = []
    days: dict[str, dict[date, DayCount]] = defaultdict(dict)
    calls = 0
    debts: set[str] = set()
    first_call: datetime | None = None
    last_call: datetime | None = None
    current: list[AttemptRecord] = []
    debtor: DebtorRecord | None = None

    def close_debt() -> None:
        if current and debtor is not None:
            findings.extend(audit_debt(current, debtor, policies, judged, abandons))
        current.clear()

    result = await connection.stream(query)
    async for r in result:
        if current and current[0].debt_id != r.debt_id:
            close_debt()
        if not current:
            debtor = DebtorRecord(
                debtor_zones(r.timezone, r.timezone_candidates), bool(r.do_not_call),
                bool(r.cease_communication), flags.get(r.debtor_id, {}),
            )  # fmt: skip
        detail = r.detail if isinstance(r.detail, Mapping) else {}
        talked = counts_as_conversation(bool(r.conversation), r.connected_at, r.outcome)
        record = AttemptRecord(
            r.id, r.debt_id, r.debtor_id, r.campaign_id,
            Contact(r.at, contact_channel(r.channel), talked, bool(r.abandoned), r.answered_at,
                    r.phone, r.closed_at),
            bool(r.live_answer), bool(detail.get("agent_reserved")),
        )  # fmt: skip
        current.append(record)
        if record.contact.channel is not ContactChannel.CALL:
            continue
        _count_day(days[r.campaign_id], record, abandon_policies.get(r.campaign_id, us_abandon))
        if judged(record):
            calls += 1
            debts.add(r.debt_id)
            first_call = min(first_call or r.at, r.at)
            last_call = max(last_call or r.at, r.at)
    close_debt()

    campaigns = sorted(c for c in days if c and (campaign_id is None or c == campaign_id))
    began = await _campaigns_began(connection) if start is not None else {}
    for cid in campaigns:
        policy = abandon_policies.get(cid, us_abandon or AbandonCapPolicy())
        origin = (
            began[cid].astimezone(zone_named(policy.zone) or UTC).date() if cid in began else None
        )
        findings.extend(
            abandon_findings(cid, days[cid], policy, since.date() if since else None, origin)
        )
    findings.sort(key=_when)
    return AuditReport(tuple(findings), calls, len(debts), tuple(campaigns), first_call, last_call)


def _when(finding: Finding) -> tuple[datetime, str]:
    day = finding.day or date.min
    return finding.at or datetime.combine(day, datetime.min.time(), UTC), finding.rule.value


def _count_day(
    counts: dict[date, DayCount], record: AttemptRecord, policy: AbandonCapPolicy | None
) -> None:
    c = record.contact
    if not (record.live_answer or c.abandoned):
        return
    day = c.at.astimezone(zone_named((policy or AbandonCapPolicy()).zone) or UTC).date()
    old = counts.get(day, DayCount())
    counts[day] = DayCount(old.live_answered + 1, old.abandoned + int(c.abandoned))


async def _campaign_policies(
    connection: AsyncConnection, base: CompliancePolicy, us_abandon: AbandonCapPolicy | None
) -> tuple[AuditPolicies, dict[str, AbandonCapPolicy]]:
    by_campaign: dict[str, CompliancePolicy] = {}
    abandon_policies: dict[str, AbandonCapPolicy] = {}
    for cid, stored in await connection.execute(select(t.campaign.c.id, t.campaign.c.config)):
        config = stored if isinstance(stored, Mapping) else {}
        by_campaign[cid] = policy_from_campaign_config(config, base)
        abandon_policies[cid] = abandon_policy_from_campaign_config(config, us_abandon)
    return AuditPolicies(base, by_campaign), abandon_policies


async def _campaigns_began(connection: AsyncConnection) -> dict[str, datetime]:
    """Per campaign, its first call answered by a person: day 1 of its 30-day periods."""
    ca = t.contact_attempt
    began: dict[str, datetime] = {}
    for cid, first in await connection.execute(
        select(ca.c.campaign_id, func.min(ca.c.at))
        .where(
            ca.c.channel == ContactChannel.CALL.value,
            ca.c.campaign_id.is_not(None),
            ca.c.live_answer.is_(True) | ca.c.abandoned.is_(True),
        )
        .group_by(ca.c.campaign_id)
    ):
        began[cid] = first if first.tzinfo else first.replace(tzinfo=UTC)
    return began


async def _flags_seen(connection: AsyncConnection) -> dict[str, dict[str, datetime]]:
    """Per debtor, the first time the gate refused a dial for do-not-call / cease-communication."""
    dr = t.dial_refusal
    flags: dict[str, dict[str, datetime]] = defaultdict(dict)
    for debtor_id, rule, first in await connection.execute(
        select(t.account.c.debtor_id, dr.c.rule, func.min(dr.c.at))
        .join(t.debt, t.debt.c.id == dr.c.debt_id)
        .join(t.account, t.account.c.id == t.debt.c.account_id)
        .where(dr.c.rule.in_([AuditRule.DO_NOT_CALL.value, AuditRule.CEASE_COMMUNICATION.value]))
        .group_by(t.account.c.debtor_id, dr.c.rule)
    ):
        flags[debtor_id][rule] = first if first.tzinfo else first.replace(tzinfo=UTC)
    return flags


async def _abandons_by_phone(connection: AsyncConnection) -> dict[str, list[datetime]]:
    """Per number, when calls to it were abandoned (their end), in order."""
    ca = t.contact_attempt
    abandoned_at = abandon_instant()
    abandons: dict[str, list[datetime]] = defaultdict(list)
    for number, at in await connection.execute(
        select(ca.c.phone, abandoned_at)
        .where(ca.c.abandoned.is_(True), ca.c.channel == ContactChannel.CALL.value)
        .order_by(abandoned_at)
    ):
        abandons[number].append(at)
    return abandons
