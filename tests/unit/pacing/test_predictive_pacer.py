"""The predictive pacer's choices in situations a supervisor would recognise."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialer.pacing.abandon_meter import AbandonReading
from dialer.pacing.estimates import CampaignEstimates
from dialer.pacing.predictive import (
    PredictivePacer,
    expected_excess,
    expected_excess_of_count,
    forecast_lines,
)
from dialer.pacing.snapshot import DialMode
from tests.unit.pacing.campaigns import NOW, a_campaign


def test_free_agents_with_nothing_ringing_get_more_calls_than_agents() -> None:
    decision = PredictivePacer().decide(a_campaign(agents_free=10))
    # About a quarter of dials reach a person: ten idle agents want far more than ten lines.
    assert decision.dials > 10
    assert decision.mode is DialMode.PREDICTIVE


def test_agents_all_early_in_long_calls_with_calls_ringing_get_no_more_calls() -> None:
    decision = PredictivePacer().decide(a_campaign(talking=(1.0,) * 10, ringing=(2.0,) * 10))
    assert decision.dials == 0


def test_agents_about_to_finish_wrap_up_are_dialed_for_ahead_of_time() -> None:
    estimates = CampaignEstimates()
    for _ in range(400):
        estimates.wrap.observe(15.0)
    decision = PredictivePacer().decide(a_campaign(wrapping=(10.0,) * 10, estimates=estimates))
    assert decision.dials > 0


def test_agents_who_often_take_a_break_after_wrap_up_are_not_dialed_for_ahead() -> None:
    steady, restless = CampaignEstimates(), CampaignEstimates()
    for estimates in (steady, restless):
        for _ in range(400):
            estimates.wrap.observe(15.0)
    for i in range(400):
        steady.observe_wrap_end(available=True)
        restless.observe_wrap_end(available=i % 10 != 0)  # one wrap-up in ten ends in a break
    assert restless.break_after_wrap.value == pytest.approx(0.1, abs=0.02)
    # Ten agents a second from the end of a constant wrap-up: surely free, unless they may
    # take a break instead.
    steady_floor = a_campaign(estimates=steady, wrapping=(14.0,) * 10)
    restless_floor = a_campaign(estimates=restless, wrapping=(14.0,) * 10)
    pacer = PredictivePacer()
    assert forecast_lines(steady_floor, pacer._tables_for(steady_floor)).safe_calls == 10
    assert forecast_lines(restless_floor, pacer._tables_for(restless_floor)).safe_calls == 0
    assert pacer.decide(restless_floor).dials < PredictivePacer().decide(steady_floor).dials


def test_a_call_ringing_longer_than_anyone_takes_to_answer_holds_no_agent() -> None:
    estimates = CampaignEstimates()
    for i in range(400):
        estimates.answer_delay.observe(4.0 + i % 17)  # people answer within 4-20 s
    pacer = PredictivePacer()
    # Two agents free. Calls rung 22 s and 23 s only wait for their no-answer timeout; one
    # rung 10 s may still reach a person, who needs one of the two.
    for ringing, safe in (((22.0, 23.0), 2), ((10.0, 23.0), 1)):
        floor = a_campaign(agents_free=2, ringing=ringing, estimates=estimates)
        assert forecast_lines(floor, pacer._tables_for(floor)).safe_calls == safe


def test_calls_amd_is_still_listening_to_keep_agents_for_the_people_among_them() -> None:
    estimates = CampaignEstimates()
    for i in range(400):
        estimates.observe_dial(live=i % 2 == 0, machine=i % 2 == 1)  # answers: half people
    tight = AbandonReading(80.0, 0.0, 0.0, 0.03)  # under 3 abandons left: no risk at all
    # Four agents free, four calls answered and under analysis: any may be a person who
    # wants an agent within seconds, so no call is safe, and none is placed.
    screened = a_campaign(agents_free=4, screening=4, estimates=estimates, abandon=tight)
    pacer = PredictivePacer()
    assert forecast_lines(screened, pacer._tables_for(screened)).safe_calls == 0
    assert pacer.decide(screened).dials == 0
    # With room to risk abandons, the people among them still count against the agents.
    roomy = a_campaign(agents_free=4, screening=4, estimates=estimates)
    assert (
        PredictivePacer().decide(roomy).dials
        < PredictivePacer().decide(a_campaign(agents_free=4, estimates=estimates)).dials
    )
    assert roomy.calls_in_progress == 4  # their lines are in use


def test_with_fewer_than_three_abandons_left_the_pacer_takes_no_risk() -> None:
    # Five agents free, ten finishing a wrap-up, ten talking, a spotless record: with 30
    # abandons left the pacer takes some risk; with 2.4 left (80 live answers) it takes none.
    campaign = {"agents_free": 5, "wrapping": (5.0,) * 10, "talking": (60.0,) * 10}
    roomy = AbandonReading(1000.0, 0.0, 0.0, 0.03)
    tight = AbandonReading(80.0, 0.0, 0.0, 0.03)
    assert tight.headroom < 3.0 <= roomy.headroom
    pacer = PredictivePacer()
    risky = pacer.decide(a_campaign(abandon=roomy, **campaign)).dials
    careful = PredictivePacer().decide(a_campaign(abandon=tight, **campaign)).dials
    assert 5 <= careful < risky
    assert "0.00%" in PredictivePacer().decide(a_campaign(abandon=tight, **campaign)).reason


def test_at_the_cap_the_pacer_falls_back_to_one_to_one_and_says_so() -> None:
    over = AbandonReading(1000.0, 31.0, 0.0, 0.03)
    decision = PredictivePacer().decide(
        a_campaign(agents_free=10, ringing=(3.0,) * 4, abandon=over)
    )
    assert decision.dials == 6
    assert decision.mode is DialMode.PROGRESSIVE
    assert "cap" in decision.reason


def test_near_the_cap_the_pacer_dials_less_than_with_a_clean_record() -> None:
    near = AbandonReading(1000.0, 29.0, 0.0, 0.03)
    # Five agents free, ten finishing a wrap-up, ten talking: calls beyond the safe ones risk
    # callers, and near the cap the pacer takes less of that risk.
    campaign = {"agents_free": 5, "wrapping": (5.0,) * 10, "talking": (60.0,) * 10}
    clean = PredictivePacer().decide(a_campaign(**campaign)).dials
    close = PredictivePacer().decide(a_campaign(abandon=near, **campaign)).dials
    assert close < clean


def test_expected_excess_of_a_certain_count_is_the_count() -> None:
    assert expected_excess(3.0, 0.0) == 3.0
    assert expected_excess(-3.0, 0.0) == 0.0


def test_expected_excess_of_an_even_chance_is_sd_over_root_two_pi() -> None:
    assert abs(expected_excess(0.0, 1.0) - 0.39894) < 1e-4


def test_two_unlikely_early_answers_with_no_agent_yet_are_not_ignored() -> None:
    # Two new calls, each 4% likely to be answered before the only agent is free: a normal law
    # would call the risk negligible; the count's own law gives the expected 0.08 abandons.
    assert expected_excess_of_count(0.08, 0.0768) == pytest.approx(0.08)


def test_the_excess_of_a_poisson_count_over_fixed_agents_is_exact() -> None:
    # Callers Poisson(2), three agents sure to be free.
    exact = sum((k - 3) * math.exp(-2) * 2**k / math.factorial(k) for k in range(4, 60))
    assert expected_excess_of_count(-1.0, 2.0) == pytest.approx(exact)


def test_large_counts_use_the_normal_law() -> None:
    assert expected_excess_of_count(0.5, 100.0) == pytest.approx(expected_excess(0.0, 10.0))


def _translated_poisson_excess(mean: float, variance: float) -> float:
    shift = variance - mean
    return sum(
        max(0.0, k - shift) * math.exp(k * math.log(variance) - variance - math.lgamma(k + 1))
        for k in range(400)
    )


@given(
    mean=st.floats(-80.0, 10.0),
    variance=st.floats(0.01, 29.9),
    at_least=st.sampled_from([0.0, 1e-9, 1e-4, 0.01, 0.3]),
)
def test_the_largest_excess_so_far_never_changes_the_answer(
    mean: float, variance: float, at_least: float
) -> None:
    # Skipping a tail that a bound puts under the largest so far is only a shortcut.
    exact = max(0.0, mean) if variance - mean <= 0 else _translated_poisson_excess(mean, variance)
    got = expected_excess_of_count(mean, variance, at_least)
    assert got == pytest.approx(max(at_least, exact), abs=1e-10)


def test_a_clock_set_back_does_not_freeze_what_the_pacer_has_learned() -> None:
    estimates = CampaignEstimates()
    pacer = PredictivePacer()
    pacer.decide(a_campaign(agents_free=2, estimates=estimates))
    for _ in range(400):
        estimates.wrap.observe(15.0)  # the campaign's wrap-ups turn out constant
    set_back = a_campaign(
        now=NOW - timedelta(hours=1), agents_free=2, wrapping=(14.0,) * 3, estimates=estimates
    )
    # An hour earlier than the last table, by the clock: the tables follow what was learned
    # rather than wait an hour for the clock to catch up.
    assert forecast_lines(set_back, pacer._tables_for(set_back)).safe_calls == 5
