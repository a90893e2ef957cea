"""A lead's priority: one integer whose order is the campaign's order of keys."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from dialer.campaigns.config import Direction, OrderBy, OrderKey
from dialer.campaigns.priority import PRIORITY_BITS, LeadFacts, lead_priority

TODAY = date(2026, 11, 23)
BALANCE_DESC = (OrderBy(key=OrderKey.BALANCE, direction=Direction.DESC),)


def facts(balance: int = 10_000, dpd: int = 30, promise: date | None = None, risk: int = 50):
    return LeadFacts(balance, dpd, promise, risk)


def test_highest_balance_first_by_default() -> None:
    leads = {"small": facts(9_640), "large": facts(785_000), "middle": facts(129_000)}
    ordered = sorted(
        leads, key=lambda k: lead_priority(leads[k], BALANCE_DESC, TODAY), reverse=True
    )
    assert ordered == ["large", "middle", "small"]


def test_second_key_breaks_ties_of_the_first() -> None:
    order = (
        OrderBy(key=OrderKey.DAYS_PAST_DUE),
        OrderBy(key=OrderKey.BALANCE, direction=Direction.ASC),
    )
    old_small, old_big, new = facts(100, 90), facts(900, 90), facts(1, 10)
    ranked = sorted([new, old_big, old_small], key=lambda f: -lead_priority(f, order, TODAY))
    assert ranked == [old_small, old_big, new]


def test_debts_without_a_promise_come_after_every_promise_in_both_directions() -> None:
    soon, later, none = facts(promise=TODAY), facts(promise=TODAY + timedelta(days=9)), facts()
    for direction, expected in ((Direction.ASC, [soon, later]), (Direction.DESC, [later, soon])):
        order = (OrderBy(key=OrderKey.PROMISE_DUE, direction=direction),)
        ranked = sorted([none, later, soon], key=lambda f: -lead_priority(f, order, TODAY))
        assert ranked == [*expected, none]


def test_values_beyond_their_range_saturate_instead_of_spilling_into_the_next_key() -> None:
    order = (OrderBy(key=OrderKey.DAYS_PAST_DUE), OrderBy(key=OrderKey.RISK_SCORE))
    ancient_low_risk = facts(dpd=50_000, risk=0)
    old_high_risk = facts(dpd=4_095, risk=100)
    assert lead_priority(old_high_risk, order, TODAY) > lead_priority(
        ancient_low_risk, order, TODAY
    )


def test_priority_fits_the_signed_64_bit_column() -> None:
    every_key = tuple(OrderBy(key=k) for k in OrderKey)
    huge = facts(balance=10**18, dpd=10**6, promise=TODAY + timedelta(days=10**5), risk=10**3)
    assert 0 <= lead_priority(huge, every_key, TODAY) < 2**PRIORITY_BITS
    assert 0 <= lead_priority(huge, BALANCE_DESC, TODAY) < 2**PRIORITY_BITS


# Property: the priority orders leads exactly as the configured keys do, within their ranges.

orders = st.permutations(list(OrderKey)).flatmap(
    lambda keys: st.integers(1, len(keys)).flatmap(
        lambda n: st.tuples(*[st.sampled_from(list(Direction)) for _ in range(n)]).map(
            lambda dirs: tuple(
                OrderBy(key=k, direction=d) for k, d in zip(keys, dirs, strict=False)
            )
        )
    )
)
lead_facts = st.builds(
    LeadFacts,
    balance_minor=st.integers(0, 2**30 - 1),
    days_past_due=st.integers(0, 4_095),
    promise_due=st.none() | st.integers(-2_048, 2_047).map(lambda d: TODAY + timedelta(days=d)),
    risk_score=st.integers(0, 100),
)


def sort_key(lead: LeadFacts, order: tuple[OrderBy, ...]) -> tuple[int, ...]:
    """The configured order spelled out: larger is dialed first."""
    out = []
    for item in order:
        sign = 1 if item.direction is Direction.DESC else -1
        if item.key is OrderKey.BALANCE:
            out.append(sign * lead.balance_minor)
        elif item.key is OrderKey.DAYS_PAST_DUE:
            out.append(sign * lead.days_past_due)
        elif item.key is OrderKey.RISK_SCORE:
            out.append(sign * lead.risk_score)
        elif lead.promise_due is None:
            out.append(-(10**9))  # after every promise
        else:
            out.append(sign * (lead.promise_due - TODAY).days)
    return tuple(out)


@given(orders, lead_facts, lead_facts)
def test_priority_order_is_the_configured_lexicographic_order(
    order: tuple[OrderBy, ...], a: LeadFacts, b: LeadFacts
) -> None:
    pa, pb = lead_priority(a, order, TODAY), lead_priority(b, order, TODAY)
    ka, kb = sort_key(a, order), sort_key(b, order)
    assert (pa > pb) == (ka > kb)
    assert (pa == pb) == (ka == kb)
    assert 0 <= pa < 2**PRIORITY_BITS


@given(orders, st.lists(lead_facts, min_size=3, max_size=12))
def test_priority_sorts_a_list_totally_and_consistently(
    order: tuple[OrderBy, ...], leads: list[LeadFacts]
) -> None:
    by_priority = sorted(leads, key=lambda f: -lead_priority(f, order, TODAY))
    assert [sort_key(f, order) for f in by_priority] == sorted(
        (sort_key(f, order) for f in leads), reverse=True
    )
