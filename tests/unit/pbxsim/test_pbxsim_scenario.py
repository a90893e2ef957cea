"""Scenario files become a SimConfig; the CLI reads them and the shipped demo scenario loads."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import pbxsim
from pbxsim.behaviour import HangupBy, Outcome, Spread
from pbxsim.cli import pbxsim_command
from pbxsim.scenario import ScenarioError, load_scenario, scenario_config

DEMO = Path(pbxsim.__file__).parent / "scenarios" / "demo.toml"


def test_demo_scenario_describes_agents_rates_and_scripted_numbers() -> None:
    config = load_scenario(DEMO)

    assert config.time_scale == 60
    assert [a.name for a in config.agents] == ["agent1", "agent2", "agent3"]
    assert config.behaviour.rates.noanswer == 0.40
    assert config.behaviour.talk_time == Spread(45.0, 300.0)
    assert config.behaviour.decide("5550101").outcome is Outcome.BUSY
    assert config.agi.port == 4573


def test_same_scenario_seed_draws_the_same_day() -> None:
    first, second = load_scenario(DEMO), load_scenario(DEMO)
    numbers = [f"55520{n:02d}" for n in range(30)]

    assert [first.behaviour.decide(n) for n in numbers] == [
        second.behaviour.decide(n) for n in numbers
    ]


def test_scripted_number_reads_every_field() -> None:
    config = scenario_config(
        {"numbers": {"5550001": {"outcome": "answer", "ring_time": 3, "hangup_by": "agent"}}}
    )

    decided = config.behaviour.decide("5550001")

    assert (decided.ring_time, decided.hangup_by) == (3.0, HangupBy.AGENT)


def test_mistakes_in_a_scenario_are_named() -> None:
    with pytest.raises(ScenarioError, match="unknown scenario sections: outcome"):
        scenario_config({"outcome": {}})
    with pytest.raises(ScenarioError, match="unknown outcome 'voicemail'"):
        scenario_config({"numbers": {"1": {"outcome": "voicemail"}}})


def test_cli_help_names_the_options() -> None:
    result = CliRunner().invoke(pbxsim_command, ["--help"])

    assert result.exit_code == 0
    for option in ("--scenario", "--port", "--time-scale", "--seed", "--agents"):
        assert option in result.output
