"""The what-if report: goals judged against each scenario's own cap, and an honest table."""

from __future__ import annotations

import warnings
from pathlib import Path

from dialer.pacing.report import check_goals, plot, render_goals, render_table
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


TAPERED = "ADAPT_TAPERED intensity=0 diff_target=0"
HARD = "ADAPT_HARD_LIMIT intensity=20 diff_target=1"


def four_seeds_of_progressive() -> list[PolicyDay]:
    return [PolicyDay(a_day("progressive", seed=s), "progressive", "") for s in range(1, 5)]


def vicidial_best_line(table: str) -> str:
    (line,) = [line for line in table.splitlines() if "vicidial_best" in line]
    return line


def test_vicidial_best_counts_the_seeds_asked_not_only_those_with_a_compliant_setting() -> None:
    rows = [
        *four_seeds_of_progressive(),
        PolicyDay(a_day("vicidial", seed=2), "vicidial_best", TAPERED),
        PolicyDay(a_day("vicidial", seed=4), "vicidial_best", TAPERED),
    ]
    line = vicidial_best_line(render_table(rows, seeds=4))
    assert " 2/4 " in line
    assert "2 of 4 seeds had a compliant setting" in line
    assert TAPERED in line


def test_vicidial_best_lists_the_settings_when_they_differ_by_seed() -> None:
    rows = [
        *four_seeds_of_progressive(),
        PolicyDay(a_day("vicidial", seed=1), "vicidial_best", TAPERED),
        PolicyDay(a_day("vicidial", seed=2), "vicidial_best", HARD),
        PolicyDay(a_day("vicidial", seed=3), "vicidial_best", TAPERED),
    ]
    line = vicidial_best_line(render_table(rows, seeds=4))
    assert "3 of 4 seeds had a compliant setting" in line
    assert "differ by seed" in line
    assert f"{TAPERED} (seeds 1, 3)" in line
    assert f"{HARD} (seed 2)" in line


def test_the_seeds_asked_are_read_from_the_other_policies_when_not_given() -> None:
    rows = [
        *four_seeds_of_progressive(),
        PolicyDay(a_day("vicidial", seed=3), "vicidial_best", TAPERED),
    ]
    line = vicidial_best_line(render_table(rows))
    assert "1 of 4 seeds had a compliant setting" in line


def test_vicidial_best_with_no_compliant_setting_on_any_seed_still_has_its_line() -> None:
    rows = four_seeds_of_progressive()
    table = render_table(rows, seeds=4, policies=["progressive", "vicidial_best"])
    line = vicidial_best_line(table)
    assert line.startswith("X ")
    assert "0 of 4 seeds had a compliant setting" in line


def test_vicidial_run_without_its_grid_is_a_baseline_to_beat() -> None:
    rows = [
        PolicyDay(a_day("vicidial", occupancy=0.8), "vicidial", TAPERED),
        PolicyDay(a_day("predictive", occupancy=0.7), "predictive", ""),
    ]
    (goal,) = check_goals(rows)
    assert goal.best_baseline == "vicidial"
    assert not goal.met
    assert "vs vicidial 80.0% (x0.87, needs x1.03): NOT MET" in render_goals([goal])


def test_predictive_alone_is_not_said_to_beat_baselines_that_were_not_run() -> None:
    rows = [PolicyDay(a_day("predictive", occupancy=0.7), "predictive", "")]
    text = render_goals(check_goals(rows))
    assert "no baseline policy was run" in text
    assert "NOT MET" in text
    assert "inf" not in text


def test_when_no_baseline_kept_to_the_cap_predictive_under_it_meets_the_goals() -> None:
    rows = [
        PolicyDay(a_day("ratio2", occupancy=0.9, abandon_rate=0.2), "ratio2", ""),
        PolicyDay(a_day("predictive", occupancy=0.7), "predictive", ""),
    ]
    text = render_goals(check_goals(rows))
    assert "no baseline kept to the cap" in text
    assert "1 of 1 scenario-days met both goals" in text
    assert "inf" not in text


def test_a_compliant_baseline_that_kept_nobody_busy_is_still_named() -> None:
    rows = [
        PolicyDay(a_day("progressive", occupancy=0.0), "progressive", ""),
        PolicyDay(a_day("predictive", occupancy=0.0), "predictive", ""),
    ]
    text = render_goals(check_goals(rows))
    assert "vs progressive 0.0%" in text
    assert "no baseline kept to the cap" not in text
    assert "inf" not in text


def test_a_plot_with_no_day_to_show_is_drawn_without_a_warning(tmp_path: Path) -> None:
    png = tmp_path / "days.png"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plot([], png)
    assert png.read_bytes().startswith(b"\x89PNG")


def test_the_table_says_what_each_column_means() -> None:
    table = render_table(four_seeds_of_progressive(), seeds=4)
    header = table.splitlines()[0]
    for column in ("occupancy", "talk min/h", "abandon", "met cap", "agent wait", "wait p95"):
        assert column in header
        assert f"{column}:" in table.replace("\n", " ")
    for column in ("dials/h", "connect p95"):
        assert f"{column}:" in table.replace("\n", " ")
