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
    assert config.behaviour.decide("+15550101").outcome is Outcome.BUSY
    assert config.agi.port == 4573


def test_demo_scenario_runs_recoups_production_dialplan() -> None:
    config = load_scenario(DEMO)

    assert config.dialplan == "recoup"
    assert config.dialer_context == "recoup-dialer"
    assert config.agent_interface("agent1") == "Local/agent1@recoup-agents/n"
    assert [q.name for q in config.queues] == ["collections", "collections-inbound"]
    assert config.queues[0].member_timeout == 3.0  # queues.conf's outbound template
    assert config.queue_wait == 3.0  # RECOUP_QUEUE_TIMEOUT
    assert config.agi.script == "after-hours"


def test_a_scenario_or_the_command_line_picks_the_lab_dialplan() -> None:
    lab = scenario_config({"sim": {"dialplan": "lab"}, "queues": [{"name": "collections"}]})
    assert (lab.dialplan, lab.dialer_context) == ("lab", "dialer-out")
    assert lab.queues[0].member_timeout == 15.0
    assert lab.queue_wait == 60.0
    forced = load_scenario(DEMO, dialplan="lab")
    assert forced.agent_interface("agent1") == "Local/agent1@agents/n"
    with pytest.raises(ScenarioError, match="unknown dialplan"):
        scenario_config({"sim": {"dialplan": "freepbx"}})


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
    for option in ("--scenario", "--port", "--time-scale", "--seed", "--agents", "--dialplan"):
        assert option in result.output
