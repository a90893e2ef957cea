"""Scenario files: the standard set loads, and mistakes are named, not thrown as tracebacks."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from dialer.pacing.scenario import Duration, ScenarioError, load_scenarios

STANDARD = Path(__file__).parents[3] / "bench" / "pacing-scenarios.toml"


def test_the_standard_set_loads_with_its_defaults() -> None:
    scenarios = {s.name: s for s in load_scenarios(STANDARD)}
    assert len(scenarios) == 11
    a25 = scenarios["A-25"]
    assert a25.agents == 25
    assert a25.abandon_target == 0.03
    assert a25.wrap == Duration("constant", 15.0)
    assert scenarios["B-10"].wrap == Duration("constant", 30.0)
    assert scenarios["E-25-machines"].amd_false_positive == 0.05
    assert scenarios["D-25-diurnal"].live_rate_at(7.5 * 3600) == pytest.approx(0.36)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scenarios.toml"
    path.write_text(text)
    return path


BASE = """
[defaults]
answer_delay = {dist = "uniform", low = 4, high = 20}
fail_duration = {dist = "uniform", low = 2, high = 25}
wrap = {dist = "constant", value = 15}
talk = {dist = "exponential", mean = 120}
"""


def test_a_ring_timeout_under_15_seconds_is_refused_as_unlawful(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        BASE + '[[scenario]]\nname = "X"\nagents = 5\nlive_answer_rate = 0.3\n'
        "no_answer_timeout_s = 10\n",
    )
    with pytest.raises(ScenarioError, match="at least 15 s"):
        load_scenarios(path)


def test_a_misspelt_key_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, BASE + '[[scenario]]\nname = "X"\nagents = 5\nlive_anwser_rate = 0.3\n')
    with pytest.raises(ScenarioError, match="live_anwser_rate"):
        load_scenarios(path)


def test_outcome_rates_above_all_dials_are_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        BASE + '[[scenario]]\nname = "X"\nagents = 5\nlive_answer_rate = 0.6\n'
        "machine_rate = 0.3\nbusy_rate = 0.2\n",
    )
    with pytest.raises(ScenarioError, match="more than all dials"):
        load_scenarios(path)


def test_an_unknown_distribution_is_named(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        BASE.replace('"exponential"', '"gamma"')
        + '[[scenario]]\nname = "X"\nagents = 5\nlive_answer_rate = 0.3\n',
    )
    with pytest.raises(ScenarioError, match="gamma"):
        load_scenarios(path)


def test_a_lognormal_is_given_by_the_mean_and_sd_of_the_duration_itself() -> None:
    talk = Duration("lognormal", 240.0, 180.0)
    rng = random.Random(7)
    samples = [talk.sample(rng) for _ in range(20000)]
    mean = sum(samples) / len(samples)
    sd = (sum((x - mean) ** 2 for x in samples) / len(samples)) ** 0.5
    assert mean == pytest.approx(240, rel=0.03)
    assert sd == pytest.approx(180, rel=0.08)
    assert talk.quantile(0.5) == pytest.approx(sorted(samples)[10000], rel=0.05)
