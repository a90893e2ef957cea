"""A lead's place in the dialing order, as one integer the claim query can sort on.

The campaign orders its leads by a list of keys (balance, days past due, promise due date, risk
score), each ascending or descending. :func:`lead_priority` packs the keys into one integer,
most significant key first, so that ``ORDER BY priority DESC`` is exactly the lexicographic
order of the configured keys. Every key has a fixed range; a value beyond it saturates (ties at
the top), which only happens for balances above 2^30 - 1 minor units (10.7 million at two
decimals) when all four keys are used, and never in practice with balance alone (62 bits):

===============  =====================================================================  =====
key              value                                                                  bits
===============  =====================================================================  =====
balance          balance in minor units                                                 rest
days_past_due    0 to 4,095 days                                                        12
promise_due      days from the list's build date, -2,048 to 2,047; no promise sorts     13
                 after every promise in either direction
risk_score       0 to 100                                                               7
===============  =====================================================================  =====

Pure: ``today`` comes in, so a list built on one day holds comparable priorities.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from dialer.campaigns.config import MAX_RISK_SCORE, Direction, OrderBy, OrderKey

PRIORITY_BITS = 62  # campaign_lead.priority is a signed 64-bit integer; keep it positive
DAYS_PAST_DUE_MAX = (1 << 12) - 1
PROMISE_SPAN = 1 << 11  # promise offsets in [-2048, 2047]
_FIXED_BITS = {OrderKey.DAYS_PAST_DUE: 12, OrderKey.PROMISE_DUE: 13, OrderKey.RISK_SCORE: 7}


@dataclass(frozen=True, slots=True)
class LeadFacts:
    """What the order keys are computed from, for one debt."""

    balance_minor: int
    days_past_due: int
    promise_due: date | None  # the earliest pending promise on the debt
    risk_score: int


def _bits(key: OrderKey, order: Sequence[OrderBy]) -> int:
    if key is OrderKey.BALANCE:
        return PRIORITY_BITS - sum(_FIXED_BITS[o.key] for o in order if o.key in _FIXED_BITS)
    return _FIXED_BITS[key]


def _field(key: OrderKey, direction: Direction, facts: LeadFacts, today: date, bits: int) -> int:
    """The key's value in ``[0, 2**bits)``, larger meaning earlier in the dialing order."""
    top = (1 << bits) - 1
    if key is OrderKey.PROMISE_DUE:
        if facts.promise_due is None:
            return 0
        offset = min(max((facts.promise_due - today).days, -PROMISE_SPAN), PROMISE_SPAN - 1)
        value = offset + PROMISE_SPAN  # in [0, 2 * PROMISE_SPAN)
        ranked = value if direction is Direction.DESC else 2 * PROMISE_SPAN - 1 - value
        return 1 + ranked  # 0 is kept for "no promise"
    if key is OrderKey.BALANCE:
        value = min(max(facts.balance_minor, 0), top)
    elif key is OrderKey.DAYS_PAST_DUE:
        value = min(max(facts.days_past_due, 0), DAYS_PAST_DUE_MAX)
    else:
        value = min(max(facts.risk_score, 0), MAX_RISK_SCORE)
    return value if direction is Direction.DESC else top - value


def lead_priority(facts: LeadFacts, order: Sequence[OrderBy], today: date) -> int:
    """The lead's priority: higher is dialed first (see the module's table)."""
    priority = 0
    for item in order:
        bits = _bits(item.key, order)
        priority = (priority << bits) | _field(item.key, item.direction, facts, today, bits)
    return priority
