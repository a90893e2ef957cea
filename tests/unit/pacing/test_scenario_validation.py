"""A scenario file with a wrong type or a nonsense value is refused, naming scenario and key.

A supervisor's typo must never become a traceback, a silently different campaign, or a run
that never ends.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dialer.pacing.scenario import ScenarioError, load_scenarios
from tests.unit.pacing.scenario_files import QUARTER_HOUR_DEFAULTS

BENCH = Path(__file__).parents[3] / "bench"


def a_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scenarios.toml"
    path.write_text(text)
    return path


def one_scenario(tmp_path: Path, *lines: str) -> Path:
    """Scenario "Late shift" with 5 agents reaching 30%, ``lines`` overriding any key."""
    keys = {line.split("=")[0].strip() for line in lines}
    base = [
        line
        for line in ("agents = 5", "live_answer_rate = 0.3")
        if line.split("=")[0].strip() not in keys
    ]
    body = "\n".join([*base, *lines])
    return a_file(tmp_path, f'{QUARTER_HOUR_DEFAULTS}\n[[scenario]]\nname = "Late shift"\n{body}\n')


def refusal(path: Path) -> str:
    with pytest.raises(ScenarioError) as error:
        load_scenarios(path)
    return str(error.value)


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ('agents = "ten"', "agents"),
        ('live_answer_rate = "high"', "live_answer_rate"),
        ('abandon_target = "3%"', "abandon_target"),
        ('hours = "eight"', "hours"),
        ('connect_limit_s = "two"', "connect_limit_s"),
        ('no_answer_timeout_s = "x"', "no_answer_timeout_s"),
        ('amd_false_positive = "x"', "amd_false_positive"),
        ('machine_rate = "x"', "machine_rate"),
        ('pauses_per_agent_hour = "x"', "pauses_per_agent_hour"),
        ('login_spread_s = "x"', "login_spread_s"),
        ('talk = {dist = "constant", value = "long"}', "talk"),
        ('talk = {dist = "uniform", low = 10, high = "x"}', "talk"),
        ('wrap = {dist = ["constant"], value = 5}', "wrap"),
        ("answer_rate_by_hour = 1.2", "answer_rate_by_hour"),
        ('answer_rate_by_hour = ["a"]', "answer_rate_by_hour"),
        ('uk_mode = "false"', "uk_mode"),
        ("uk_mode = 1", "uk_mode"),
    ],
)
def test_a_value_of_the_wrong_type_is_refused_naming_scenario_and_key(
    tmp_path: Path, line: str, key: str
) -> None:
    message = refusal(one_scenario(tmp_path, line))
    assert "Late shift" in message
    assert key in message


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("hours = 0", "hours"),
        ("hours = -2", "hours"),
        ("hours = inf", "hours"),
        ("hours = nan", "hours"),
        ("hours = 25", "hours"),
        ("hours = 1e-9", "hours"),
        ("hours = 0.01", "hours"),
        ("agents = 2.7", "agents"),
        ("agents = true", "agents"),
        ('agents = "10"', "agents"),
        ("agents = 0", "agents"),
        ("agents = 1000000", "agents"),
        ("connect_limit_s = -1", "connect_limit_s"),
        ("connect_limit_s = inf", "connect_limit_s"),
        ("connect_limit_s = 0", "connect_limit_s"),
        ("connect_limit_s = 1e308", "connect_limit_s"),
        ("no_answer_timeout_s = 1e308", "no_answer_timeout_s"),
        ("no_answer_timeout_s = inf", "no_answer_timeout_s"),
        ("pauses_per_agent_hour = -0.5", "pauses_per_agent_hour"),
        ("pauses_per_agent_hour = 100000", "pauses_per_agent_hour"),
        ("login_spread_s = -60", "login_spread_s"),
        ("login_spread_s = nan", "login_spread_s"),
        ("abandon_target = 0", "abandon_target"),
        ("abandon_target = nan", "abandon_target"),
        ("amd_false_positive = 1.0", "amd_false_positive"),
        ("live_answer_rate = nan", "live_answer_rate"),
        ("answer_rate_by_hour = [nan]", "answer_rate_by_hour"),
        ("answer_rate_by_hour = [-1.0]", "answer_rate_by_hour"),
        ('talk = {dist = "constant", value = inf}', "talk"),
        ('talk = {dist = "exponential", mean = nan}', "talk"),
        ('talk = {dist = "exponential", mean = 0}', "talk"),
        ('talk = {dist = "uniform", low = 30, high = 10}', "talk"),
        ('talk = {dist = "exponential", mean = 120, sd = 30}', "talk"),
        ('pause_duration = {dist = "constant", value = -5}', "pause_duration"),
    ],
)
def test_a_nonsense_value_is_refused_naming_scenario_and_key(
    tmp_path: Path, line: str, key: str
) -> None:
    message = refusal(one_scenario(tmp_path, line))
    assert "Late shift" in message
    assert key in message


def test_a_lognormal_with_no_spread_is_refused_with_constant_suggested(tmp_path: Path) -> None:
    path = one_scenario(tmp_path, 'talk = {dist = "lognormal", mean = 240, sd = 0}')
    message = refusal(path)
    assert "talk" in message
    assert "sd" in message
    assert "constant" in message


def test_a_day_shorter_than_two_login_spreads_is_refused(tmp_path: Path) -> None:
    # A quarter-hour day: agents cannot log in over 10 minutes and out over the last 10.
    message = refusal(one_scenario(tmp_path, "login_spread_s = 600"))
    assert "login_spread_s" in message
    assert "half the day" in message


def test_hourly_answer_rates_must_cover_every_hour_of_the_day(tmp_path: Path) -> None:
    path = one_scenario(tmp_path, "hours = 8", "answer_rate_by_hour = [0.8, 1.0, 1.2]")
    message = refusal(path)
    assert "answer_rate_by_hour" in message
    assert re.search(r"\b8\b", message)
    assert "3" in message


def test_a_shorter_day_keeps_the_first_hours_of_a_longer_profile(tmp_path: Path) -> None:
    path = one_scenario(tmp_path, "hours = 2", "answer_rate_by_hour = [0.8, 1.0, 1.2, 0.5]")
    (scenario,) = load_scenarios(path)
    assert scenario.live_rate_at(1.5 * 3600) == pytest.approx(0.30)


def test_a_part_hour_counts_as_an_hour_of_answer_rates(tmp_path: Path) -> None:
    path = one_scenario(tmp_path, "hours = 2.5", "answer_rate_by_hour = [0.8, 1.0, 1.2]")
    (scenario,) = load_scenarios(path)
    assert scenario.live_rate_at(2.2 * 3600) == pytest.approx(0.36)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("defaults = 3\n[[scenario]]\nname = 'X'\n", "defaults"),
        ("scenario = 3\n", "scenario"),
        ("scenario = [1, 2]\n", "scenario"),
        ("[[scenario]]\nname = 3\nagents = 5\n", "name"),
        ("[default]\nhours = 4\n[[scenario]]\nname = 'X'\n", "default"),
    ],
)
def test_a_file_not_shaped_like_scenarios_is_refused_naming_the_key(
    tmp_path: Path, text: str, key: str
) -> None:
    assert key in refusal(a_file(tmp_path, text))


def test_a_file_that_is_not_utf8_text_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    latin1 = b'[[scenario]]\nname = "Caf\xe9"\nagents = 5\n'
    path.write_bytes(QUARTER_HOUR_DEFAULTS.encode() + latin1)
    assert "UTF-8" in refusal(path)


@pytest.mark.parametrize("name", ["pacing-scenarios.toml", "pacing-what-if.toml"])
def test_every_bench_scenario_still_loads(name: str) -> None:
    assert load_scenarios(BENCH / name)


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("hours = 1" + "0" * 400, "hours"),
        ("login_spread_s = 1" + "0" * 400, "login_spread_s"),
        ('talk = {dist = "constant", value = 1' + "0" * 400 + "}", "talk"),
        ("answer_rate_by_hour = [1" + "0" * 400 + "]", "answer_rate_by_hour"),
    ],
)
def test_a_whole_number_too_large_for_arithmetic_is_refused_naming_the_key(
    tmp_path: Path, line: str, key: str
) -> None:
    message = refusal(one_scenario(tmp_path, line))
    assert "Late shift" in message
    assert key in message
    assert "401-digit" in message


@pytest.mark.parametrize(
    "line",
    [
        'talk = {dist = "lognormal", mean = 1, sd = 1e200}',
        'talk = {dist = "lognormal", mean = 120, sd = 1e5}',
        'talk = {dist = "exponential", mean = 1e308}',
        'wrap = {dist = "uniform", low = 0, high = 1e12}',
        'pause_duration = {dist = "constant", value = 90000}',
    ],
)
def test_a_duration_too_long_or_too_spread_to_simulate_is_refused(
    tmp_path: Path, line: str
) -> None:
    message = refusal(one_scenario(tmp_path, line))
    assert "Late shift" in message
    assert line.split("=", maxsplit=1)[0].strip() in message


def test_outcome_rates_over_all_dials_name_each_rate(tmp_path: Path) -> None:
    message = refusal(one_scenario(tmp_path, "machine_rate = 0.5", "busy_rate = 0.3"))
    assert "Late shift" in message
    assert "live_answer_rate 0.3 + machine_rate 0.5 + busy_rate 0.3 = 1.1" in message


def test_an_hour_whose_multiplier_pushes_answers_over_all_dials_is_named(tmp_path: Path) -> None:
    path = one_scenario(tmp_path, "hours = 3", "answer_rate_by_hour = [1.0, 3.5, 1.0]")
    message = refusal(path)
    assert "answer_rate_by_hour 3.5 (hour 2)" in message
    assert "more than all dials" in message


def test_hours_past_the_end_of_the_day_are_not_held_against_it(tmp_path: Path) -> None:
    path = one_scenario(tmp_path, "hours = 2", "answer_rate_by_hour = [0.8, 1.0, 4.0]")
    (scenario,) = load_scenarios(path)
    assert scenario.live_rate_at(1.5 * 3600) == pytest.approx(0.30)
