"""Counting the callers a campaign loses, on sampled futures of its next minute."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialer.pacing.estimates import CampaignEstimates, RateEstimate
from dialer.pacing.sampled_forecast import SampledForecast, callers_lost
from tests.unit.pacing.campaigns import a_campaign

seconds = st.floats(min_value=0.0, max_value=60.0, allow_nan=False)


def served_first_come_first_served(
    answered: list[float], free_at: list[float], connect_limit: float, free_now: int
) -> int:
    """Callers lost when each, in answer order, takes the agent free earliest, if in time."""
    agents = sorted([0.0] * free_now + free_at)
    lost = 0
    for answer in sorted(a for a in answered if math.isfinite(a)):
        if agents and agents[0] <= answer + connect_limit:
            agents.pop(0)
        else:
            lost += 1
    return lost


@settings(max_examples=300, deadline=None)
@given(
    answered=st.lists(st.one_of(seconds, st.just(math.inf)), max_size=12),
    free_at=st.lists(seconds, max_size=8),
    free_now=st.integers(0, 4),
)
def test_the_lost_callers_formula_is_first_come_first_served(
    answered: list[float], free_at: list[float], free_now: int
) -> None:
    expected = served_first_come_first_served(answered, free_at, 2.0, free_now)
    rows = np.array([answered], dtype=float).reshape(1, len(answered))
    agents = np.array([sorted(free_at)], dtype=float).reshape(1, len(free_at))
    assert callers_lost(rows, agents, 2.0, free_now).tolist() == [expected]


def test_each_future_is_counted_on_its_own() -> None:
    answered = np.array([[1.0, 2.0, math.inf], [1.0, 2.0, 3.0]])
    free_at = np.array([[10.0], [2.5]])
    # Future 1: one free agent takes the first caller; the second finds nobody by 4 s.
    # Future 2: the busy agent is free at 2.5 s, in time for the second; the third is lost.
    assert callers_lost(answered, free_at, 2.0, 1).tolist() == [1, 1]
    assert callers_lost(answered, free_at, 2.0, 2).tolist() == [0, 0]


def everyone_answers() -> CampaignEstimates:
    return CampaignEstimates(live=RateEstimate(1.0, prior_weight=1e6))


def test_one_free_agent_can_take_one_person_and_a_second_is_lost() -> None:
    forecast = SampledForecast()
    snapshot = a_campaign(agents_free=1, estimates=everyone_answers())
    # Every call reaches a person: the first costs nothing, each one after it loses a caller.
    assert forecast.most_calls_within(snapshot, np.zeros(0), 0.01, 10) == 1
    assert forecast.most_calls_within(snapshot, np.zeros(0), 0.99, 10) == 1
    assert forecast.most_calls_within(snapshot, np.zeros(0), 1.0, 10) == 10


def test_a_person_already_ringing_for_the_only_free_agent_leaves_no_room() -> None:
    forecast = SampledForecast()
    snapshot = a_campaign(agents_free=1, ringing=(5.0,), estimates=everyone_answers())
    assert forecast.most_calls_within(snapshot, np.ones(1), 0.01, 10) == 0
    assert forecast.most_calls_within(snapshot, np.zeros(1), 0.01, 10) == 1


def test_agents_ending_their_wrap_up_take_the_calls_placed_now() -> None:
    estimates = everyone_answers()
    for _ in range(400):
        estimates.wrap.observe(15.0)
    forecast = SampledForecast()
    busy = a_campaign(wrapping=(14.0,) * 5, estimates=estimates)
    # Five agents free within a second: five people answered 3 s or more from now are safe.
    assert forecast.most_calls_within(busy, np.zeros(0), 0.001, 20) == 5


def test_more_allowance_never_buys_fewer_calls() -> None:
    snapshot = a_campaign(
        agents_free=3, talking=(30.0, 200.0, 5.0, 80.0), wrapping=(3.0,), ringing=(2.0, 9.0)
    )
    wants = np.array([0.3, 0.2])
    counts = [
        SampledForecast(seed=7).most_calls_within(snapshot, wants, b, 40)
        for b in (0.0005, 0.002, 0.008, 0.03, 0.1)
    ]
    assert counts == sorted(counts)
    assert counts[-1] > counts[0]


def test_a_forecast_needs_enough_futures_to_be_steady() -> None:
    with pytest.raises(ValueError, match="at least 10 futures"):
        SampledForecast(futures=3)


def test_no_call_is_placed_when_nobody_would_want_an_agent() -> None:
    nobody = CampaignEstimates(live=RateEstimate(0.0, prior_weight=1e6))
    nobody_machines = CampaignEstimates(
        live=RateEstimate(0.0, prior_weight=1e6), machine=RateEstimate(0.0, prior_weight=1e6)
    )
    snapshot = a_campaign(agents_free=4, estimates=nobody)
    assert SampledForecast().most_calls_within(snapshot, np.zeros(0), 0.01, 10) == 0
    snapshot = a_campaign(agents_free=4, estimates=nobody_machines, amd_on=False)
    assert SampledForecast().most_calls_within(snapshot, np.zeros(0), 0.01, 10) == 0
