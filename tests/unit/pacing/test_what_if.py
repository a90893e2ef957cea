"""The what-if run: which days it simulates and which rows it hands back."""

from __future__ import annotations

from pathlib import Path

from dialer.pacing.scenario import load_scenarios
from dialer.pacing.what_if import run_what_if
from tests.unit.pacing.scenario_files import QUARTER_HOUR_DEFAULTS

ONE_SHORT_SHIFT = (
    QUARTER_HOUR_DEFAULTS + '\n[[scenario]]\nname = "short"\nagents = 3\nlive_answer_rate = 0.3\n'
)


def test_a_policy_asked_twice_gives_one_row_per_seed(tmp_path: Path) -> None:
    path = tmp_path / "scenarios.toml"
    path.write_text(ONE_SHORT_SHIFT)
    rows = run_what_if(load_scenarios(path), ["ratio2", "ratio2"], seeds=2, jobs=1)
    assert [(row.policy, row.day.seed) for row in rows] == [("ratio2", 1), ("ratio2", 2)]
