"""Online estimates: they start from a prior and learn the campaign's own calls."""

from __future__ import annotations

import random

import numpy as np
import pytest

from dialer.pacing.estimates import CampaignEstimates, DurationEstimate, RateEstimate
from dialer.pacing.scenario import Duration


def test_a_cold_rate_is_its_prior() -> None:
    assert RateEstimate(0.25).value == pytest.approx(0.25)


def test_a_rate_learns_the_campaigns_answer_rate() -> None:
    rate = RateEstimate(0.25, prior_weight=20, memory=300)
    rng = random.Random(1)
    for _ in range(2000):
        rate.observe(rng.random() < 0.10)
    assert rate.value == pytest.approx(0.10, abs=0.03)


def test_a_rate_follows_an_answer_rate_that_changes_in_the_day() -> None:
    rate = RateEstimate(0.3, memory=200)
    for _ in range(1000):
        rate.observe(hit=True)
    for _ in range(1000):
        rate.observe(hit=False)
    assert rate.value < 0.05


def test_a_cold_duration_is_its_prior() -> None:
    talk = DurationEstimate(Duration("exponential", 120.0))
    assert talk.mean == pytest.approx(120.0, rel=0.1)


def test_real_talk_times_push_the_prior_out() -> None:
    talk = DurationEstimate(Duration("exponential", 300.0), window=200, prior_samples=100)
    for _ in range(200):
        talk.observe(60.0)
    assert talk.mean == pytest.approx(60.0)
    assert talk.cdf(59.0) == 0.0
    assert talk.cdf(60.0) == 1.0


def test_a_constant_wrap_up_tells_exactly_when_the_agent_is_free() -> None:
    wrap = DurationEstimate(Duration("constant", 15.0))
    for _ in range(400):
        wrap.observe(15.0)
    assert wrap.done_within(elapsed=10.0, horizon=6.0) == 1.0
    assert wrap.done_within(elapsed=10.0, horizon=4.0) == 0.0


def test_an_exponential_talk_has_no_memory() -> None:
    talk = DurationEstimate(Duration("exponential", 120.0), window=4000, prior_samples=4000)
    early = talk.done_within(elapsed=0.0, horizon=20.0)
    late = talk.done_within(elapsed=200.0, horizon=20.0)
    assert early == pytest.approx(1 - np.exp(-20 / 120), abs=0.02)
    assert late == pytest.approx(early, abs=0.03)


def test_a_call_longer_than_all_recent_ones_still_ends_sometime() -> None:
    talk = DurationEstimate(Duration("uniform", 60.0, 100.0))
    table = talk.done_within_table(np.array([5000.0]), (30.0,))
    assert 0.0 < table[0, 0] < 1.0


def test_sampled_remainders_agree_with_the_residual_probabilities() -> None:
    talk = DurationEstimate(Duration("lognormal", 240.0, 180.0), window=400, prior_samples=400)
    elapsed = np.array([0.0, 100.0, 300.0])
    shares = (np.arange(4000)[:, None] + 0.5) / 4000 * np.ones((1, 3))
    remaining = talk.remaining(elapsed, shares)
    assert (remaining >= 0).all()
    for column, spent in enumerate(elapsed):
        sampled = float((remaining[:, column] <= 60.0).mean())
        assert sampled == pytest.approx(talk.done_within(spent, 60.0), abs=0.01)


def test_a_constant_wrap_up_samples_exactly_what_is_left_of_it() -> None:
    wrap = DurationEstimate(Duration("constant", 20.0))
    shares = np.array([[0.01, 0.5], [0.99, 0.7]])
    assert wrap.remaining(np.array([5.0, 19.0]), shares).tolist() == [[15.0, 1.0], [15.0, 1.0]]
    assert wrap.quantiles(np.array([0.0, 0.999])).tolist() == [20.0, 20.0]


def test_a_call_longer_than_all_recent_ones_samples_the_exponential_tail() -> None:
    talk = DurationEstimate(Duration("uniform", 60.0, 100.0))
    shares = (np.arange(2000)[:, None] + 0.5) / 2000
    remaining = talk.remaining(np.array([5000.0]), shares)
    assert float((remaining <= 30.0).mean()) == pytest.approx(
        talk.done_within(5000.0, 30.0), abs=0.01
    )


def test_campaign_estimates_learn_live_and_machine_shares_together() -> None:
    estimates = CampaignEstimates()
    for i in range(3000):
        estimates.observe_dial(live=i % 4 == 0, machine=i % 4 == 1)
    assert estimates.live.value == pytest.approx(0.25, abs=0.03)
    assert estimates.machine.value == pytest.approx(0.25, abs=0.03)
