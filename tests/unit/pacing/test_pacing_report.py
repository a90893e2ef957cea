"""The what-if report: goals judged against each scenario's own cap, and an honest table."""

from __future__ import annotations

from dialer.pacing.report import check_goals, render_goals
from dialer.pacing.simulation import CampaignDay
from dialer.pacing.what_if import PolicyDay


def a_day(
    policy: str,
    *,
    seed: int = 1,
    occupancy: float = 0.8,
    abandon_rate: float = 0.0,
    abandon_target: float = 0.03,
    scenario: str = "X",
    agents: int = 10,
) -> CampaignDay:
    return CampaignDay(
        scenario=scenario,
        policy=policy,
        agents=agents,
        seed=seed,
        abandon_target=abandon_target,
        occupancy=occupancy,
        talk_min_per_agent_hour=40.0,
        abandon_rate=abandon_rate,
        agent_wait_mean_s=10.0,
        agent_wait_p95_s=30.0,
        dials_per_agent_hour=50.0,
        connect_wait_p95_s=0.5,
        live_answers=200,
        abandoned=round(200 * abandon_rate),
        amd="no machines",
        wall_s=0.1,
    )


def test_a_predictive_day_over_a_one_percent_target_does_not_meet_the_goal() -> None:
    rows = [
        PolicyDay(a_day("progressive", occupancy=0.5, abandon_target=0.01), "progressive", ""),
        PolicyDay(
            a_day("predictive", occupancy=0.9, abandon_rate=0.02, abandon_target=0.01),
            "predictive",
            "",
        ),
    ]
    (goal,) = check_goals(rows)
    assert not goal.compliant
    assert not goal.met


def test_a_predictive_day_under_a_five_percent_target_is_compliant() -> None:
    rows = [
        PolicyDay(
            a_day("predictive", occupancy=0.9, abandon_rate=0.04, abandon_target=0.05),
            "predictive",
            "",
        ),
    ]
    (goal,) = check_goals(rows)
    assert goal.compliant


def test_the_goals_show_each_days_own_cap() -> None:
    rows = [
        PolicyDay(a_day("predictive", abandon_rate=0.02, abandon_target=0.01), "predictive", ""),
    ]
    text = render_goals(check_goals(rows))
    assert "abandon 2.00% (cap 1.0%)" in text
    assert "NOT MET" in text
