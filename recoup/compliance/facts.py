"""The gate's facts, read from the database, and its refusals, written to it.

The dialer, before every Originate::

    facts = await load_dial_facts(connection, DialRequest(debt_id, phone), now, policy)
    verdict = check_dial(facts, now, policy)
    if not verdict.allowed:
        await record_refusal(connection, campaign_id, debt_id, verdict, now)

or all three in one call, :func:`guard_dial`. :func:`load_dial_facts_batch` reads the facts of
many debts in the same handful of queries (one per table), for a dialer that checks a batch of
claimed leads at once.

A number that is not one of the debtor's stored numbers counts as suppressed: the gate cannot
show it is the debtor's. A contact attempt on a channel this version does not know counts as a
call (the stricter reading). A call an agent took with no disposition recorded counts as a
conversation (:func:`counts_as_conversation`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, func, insert, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from recoup.compliance.contact_cap import Contact
from recoup.compliance.gate import CompliancePolicy, DialFacts, GateVerdict, check_dial
from recoup.domain.model import ContactChannel, DebtStatus, IssueStatus, PromiseStatus
from recoup.storage import tables as t

_REASON_LENGTH = 400


class UnknownDebtError(LookupError):
    """The debt named for a dial is not in the database."""


@dataclass(frozen=True, slots=True)
class DialRequest:
    """A dial the dialer is about to place."""

    debt_id: str
    phone: str
    agent_reserved: bool = False  # an agent is held for this call (UK redial after an abandon)
    promise_follow_up: bool = False  # the promise's own reminder or check


def debtor_zones(timezone: str, candidates: str) -> tuple[str, ...]:
    """Every zone a debtor may be in: the stored candidates (comma-separated) and the zone."""
    named = [z.strip() for z in candidates.split(",") if z.strip()]
    return tuple(dict.fromkeys([*named, timezone] if timezone else named))


def contact_channel(value: str) -> ContactChannel:
    """A stored channel; one this version does not know counts as a call (stricter)."""
    try:
        return ContactChannel(value)
    except ValueError:
        return ContactChannel.CALL


def counts_as_conversation(
    conversation: bool, connected_at: datetime | None, outcome: str | None
) -> bool:
    """Whether a stored attempt was a telephone conversation about the debt (Reg F
    1006.14(b)(2)(ii)).

    A recorded disposition says so itself (a wrong party is no conversation). A call bridged to
    an agent with none recorded yet (wrap-up, or a dialer that stopped before the wrap-up timer)
    is read as one: a person answered and an agent talked to them. It is the conservative
    reading, and what the wrap-up timer records when it runs out.
    """
    return conversation or (connected_at is not None and outcome is None)


def abandon_instant() -> ColumnElement[datetime]:
    """When a stored call was abandoned: its end, else its answer, else its start, as
    :attr:`Contact.abandoned_at <recoup.compliance.contact_cap.Contact.abandoned_at>` reads it."""
    ca = t.contact_attempt
    return func.coalesce(ca.c.closed_at, ca.c.answered_at, ca.c.at, type_=ca.c.at.type)


async def load_dial_facts_batch(
    connection: AsyncConnection,
    requests: Sequence[DialRequest],
    now: datetime,
    policy: CompliancePolicy,
) -> dict[str, DialFacts]:
    """The facts of each request, by debt id; a debt not in the database is left out."""
    debt_ids = list(dict.fromkeys(r.debt_id for r in requests))
    if not debt_ids:
        return {}
    debts = {
        r.id: r
        for r in await connection.execute(
            select(
                t.debt.c.id, t.debt.c.status, t.debt.c.balance_minor, t.account.c.debtor_id,
                t.debtor.c.timezone, t.debtor.c.timezone_candidates, t.debtor.c.do_not_call,
                t.debtor.c.cease_communication,
            )
            .join(t.account, t.account.c.id == t.debt.c.account_id)
            .join(t.debtor, t.debtor.c.id == t.account.c.debtor_id)
            .where(t.debt.c.id.in_(debt_ids))
        )
    }  # fmt: skip
    ca = t.contact_attempt
    history: dict[str, list[Contact]] = defaultdict(list)
    for r in await connection.execute(
        select(ca.c.debt_id, ca.c.at, ca.c.channel, ca.c.conversation, ca.c.connected_at,
               ca.c.outcome, ca.c.abandoned, ca.c.answered_at, ca.c.phone, ca.c.closed_at)
        .where(ca.c.debt_id.in_(debt_ids), ca.c.at >= now - policy.lookback)
        .order_by(ca.c.at, ca.c.id)
    ):  # fmt: skip
        talked = counts_as_conversation(bool(r.conversation), r.connected_at, r.outcome)
        history[r.debt_id].append(
            Contact(r.at, contact_channel(r.channel), talked, bool(r.abandoned), r.answered_at,
                    r.phone, r.closed_at)
        )  # fmt: skip
    open_issues: dict[str, int] = {
        debt_id: int(n)
        for debt_id, n in await connection.execute(
            select(t.issue.c.debt_id, func.count())
            .where(t.issue.c.debt_id.in_(debt_ids), t.issue.c.status != IssueStatus.RESOLVED.value)
            .group_by(t.issue.c.debt_id)
        )
    }
    promises: dict[str, list[date]] = defaultdict(list)
    for debt_id, due_on in await connection.execute(
        select(t.promise.c.debt_id, t.promise.c.due_on).where(
            t.promise.c.debt_id.in_(debt_ids), t.promise.c.status == PromiseStatus.PENDING.value
        )
    ):
        promises[debt_id].append(due_on)
    pairs = [(debts[r.debt_id].debtor_id, r.phone) for r in requests if r.debt_id in debts]
    usable: set[tuple[str, str]] = set()
    if pairs:
        for debtor_id, number in await connection.execute(
            select(t.phone.c.debtor_id, t.phone.c.number).where(
                tuple_(t.phone.c.debtor_id, t.phone.c.number).in_(pairs),
                t.phone.c.suppressed.is_(False),
            )
        ):
            usable.add((debtor_id, number))
    abandons: dict[str, list[datetime]] = defaultdict(list)
    numbers = sorted({r.phone for r in requests})
    if policy.uk_mode and numbers:
        abandoned_at = abandon_instant()
        for number, at in await connection.execute(
            select(ca.c.phone, abandoned_at).where(
                ca.c.phone.in_(numbers),
                ca.c.abandoned.is_(True),
                abandoned_at >= now - policy.uk_abandon_pause,
            )
        ):
            abandons[number].append(at)
    facts: dict[str, DialFacts] = {}
    for request in requests:
        d = debts.get(request.debt_id)
        if d is None:
            continue
        facts[request.debt_id] = DialFacts(
            debt_id=request.debt_id, debtor_id=d.debtor_id, phone=request.phone,
            zones=debtor_zones(d.timezone, d.timezone_candidates),
            debt_status=DebtStatus(d.status), balance_minor=int(d.balance_minor),
            do_not_call=bool(d.do_not_call), cease_communication=bool(d.cease_communication),
            phone_suppressed=(d.debtor_id, request.phone) not in usable,
            history=tuple(history[request.debt_id]),
            open_issues=open_issues.get(request.debt_id, 0),
            pending_promises=tuple(sorted(promises[request.debt_id])),
            phone_abandons=tuple(abandons[request.phone]),
            agent_reserved=request.agent_reserved, promise_follow_up=request.promise_follow_up,
        )  # fmt: skip
    return facts


async def load_dial_facts(
    connection: AsyncConnection, request: DialRequest, now: datetime, policy: CompliancePolicy
) -> DialFacts:
    """The facts of one dial; :class:`UnknownDebtError` if the debt is not stored."""
    facts = await load_dial_facts_batch(connection, [request], now, policy)
    if request.debt_id not in facts:
        msg = f"debt {request.debt_id!r} is not in the database"
        raise UnknownDebtError(msg)
    return facts[request.debt_id]


async def record_refusal(
    connection: AsyncConnection,
    campaign_id: str,
    debt_id: str,
    verdict: GateVerdict,
    now: datetime,
) -> int:
    """Write the gate's refusal (rule, reason, next allowed instant); its id is returned."""
    if verdict.allowed or verdict.rule is None:
        msg = "only a refusal is recorded"
        raise ValueError(msg)
    result = await connection.execute(
        insert(t.dial_refusal)
        .values(
            campaign_id=campaign_id, debt_id=debt_id, at=now, rule=verdict.rule.value,
            reason=(verdict.reason or verdict.rule.value)[:_REASON_LENGTH],
            next_allowed_at=verdict.next_allowed_at,
        )
        .returning(t.dial_refusal.c.id)
    )  # fmt: skip
    return int(result.scalar_one())


async def guard_dial(
    connection: AsyncConnection,
    campaign_id: str,
    request: DialRequest,
    now: datetime,
    policy: CompliancePolicy,
) -> GateVerdict:
    """Read the facts, ask the gate, and record a refusal, in the caller's transaction.

    A debt that is not stored raises :class:`UnknownDebtError`: nothing may be dialed for it.
    """
    facts = await load_dial_facts(connection, request, now, policy)
    verdict = check_dial(facts, now, policy)
    if not verdict.allowed:
        await record_refusal(connection, campaign_id, request.debt_id, verdict, now)
    return verdict
