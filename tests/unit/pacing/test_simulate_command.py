"""``recoup simulate``: tiny runs through the command, as a supervisor would type them."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from dialer.pacing.cli import simulate_command

TINY = """
[defaults]
hours = 0.25
answer_delay = {dist = "uniform", low = 4, high = 20}
fail_duration = {dist = "uniform", low = 2, high = 25}
wrap = {dist = "constant", value = 15}
talk = {dist = "exponential", mean = 120}

[[scenario]]
name = "tiny"
agents = 3
live_answer_rate = 0.3

[[scenario]]
name = "strict"
agents = 3
live_answer_rate = 0.3
abandon_target = 0.001
"""


def scenarios_file(tmp_path: Path, text: str = TINY) -> Path:
    path = tmp_path / "scenarios.toml"
    path.write_text(text)
    return path


def simulate(*args: str) -> Result:
    return CliRunner().invoke(simulate_command, [*args, "--jobs", "1"])


def test_a_scenario_where_no_vicidial_setting_kept_the_cap_says_so(tmp_path: Path) -> None:
    path = scenarios_file(tmp_path)
    result = simulate(
        str(path), "--scenario", "strict", "--policy", "vicidial_best", "--seeds", "1"
    )
    assert result.exit_code == 0, result.output
    assert "0 of 1 seeds had a compliant setting" in result.output
