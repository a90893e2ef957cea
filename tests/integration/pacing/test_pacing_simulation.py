"""Simulated campaign days: every policy runs, and the predictive pacer keeps the law."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

from click.testing import CliRunner

from dialer.pacing.baselines import ProgressivePacer
from dialer.pacing.cli import simulate_command
from dialer.pacing.predictive import PredictivePacer
from dialer.pacing.report import check_goals
from dialer.pacing.scenario import Duration, load_scenarios
from dialer.pacing.simulation import simulate_day
from dialer.pacing.snapshot import DialDecision, DialMode, PacingSnapshot
from dialer.pacing.what_if import POLICIES, run_what_if

STANDARD = Path(__file__).parents[3] / "bench" / "pacing-scenarios.toml"
SCENARIOS = {s.name: s for s in load_scenarios(STANDARD)}


def test_predictive_beats_every_compliant_baseline_on_a_25_agent_day() -> None:
    rows = run_what_if([SCENARIOS["A-25"]], POLICIES, seeds=1, jobs=2)
    policies = {row.policy for row in rows}
    assert {"progressive", "ratio2", "vicidial", "predictive"} <= policies
    (goal,) = check_goals(rows)
    assert goal.compliant, f"predictive abandoned {goal.predictive_abandon:.2%}"
    assert goal.gain >= 1.15, f"only x{goal.gain:.2f} over {goal.best_baseline}"
    ratio2 = next(row.day for row in rows if row.policy == "ratio2")
    assert not ratio2.compliant  # 2:1 buys its occupancy with dropped calls


class _Burst:
    """Places ``calls`` lines over the first ticks, then none: a pacer that ignores its agents."""

    tick_s = 1.0

    def __init__(self, *batches: int) -> None:
        self.name = f"burst {batches}"
        self.batches = list(batches)

    def decide(self, snapshot: PacingSnapshot) -> DialDecision:
        dials = self.batches.pop(0) if self.batches else 0
        return DialDecision(dials, DialMode.PROGRESSIVE, "burst")


def test_policies_on_one_seed_meet_the_same_debtors() -> None:
    # Forty numbers dialled at once, or in two halves half a minute apart, when the first
    # half's people are talking: the same forty debtors, so the same people answer.
    short = replace(SCENARIOS["C-5"], hours=0.05)
    for seed in (1, 2, 3):
        at_once = simulate_day(short, _Burst(40), seed)
        in_halves = simulate_day(short, _Burst(20, *[0] * 29, 20), seed)
        assert at_once.live_answers > 0
        assert at_once.live_answers == in_halves.live_answers, f"seed {seed}"
        assert at_once.agent_wait_mean_s != in_halves.agent_wait_mean_s  # timing did matter


def test_with_a_bad_amd_the_campaign_stops_using_it_and_keeps_to_the_cap() -> None:
    day = simulate_day(
        replace(SCENARIOS["E-25-machines"], hours=3.0), PredictivePacer(), 2, govern_amd=True
    )
    assert day.amd.startswith("AMD off")
    assert day.compliant


class _Watching(ProgressivePacer):
    """Progressive 1:1 that notes the most answered calls it saw under AMD's analysis."""

    def __init__(self) -> None:
        super().__init__()
        self.most_screened = 0

    def decide(self, snapshot: PacingSnapshot) -> DialDecision:
        self.most_screened = max(self.most_screened, snapshot.screening)
        return super().decide(snapshot)


def test_a_machine_holds_its_line_while_amd_listens() -> None:
    machines = replace(SCENARIOS["E-25-machines"], hours=1.0)
    quick, slow = _Watching(), _Watching()
    brief = simulate_day(replace(machines, amd_delay=Duration("constant", 0.5)), quick, 4)
    long = simulate_day(replace(machines, amd_delay=Duration("constant", 30.0)), slow, 4)
    assert slow.most_screened > quick.most_screened > 0  # the pacer sees them as such
    # 1:1 places no line for an agent whose line is still held: fewer dials, more waiting.
    assert long.dials_per_agent_hour < brief.dials_per_agent_hour
    assert long.agent_wait_mean_s > brief.agent_wait_mean_s


def test_agents_logging_in_late_and_taking_breaks_are_measured_on_their_own_time() -> None:
    scenario = replace(
        SCENARIOS["A-10"], hours=2.0, login_spread_s=1800.0, pauses_per_agent_hour=1.0
    )
    day = simulate_day(scenario, PredictivePacer(), 3, govern_amd=True)
    assert day.compliant
    assert 0.3 < day.occupancy < 1.0
    assert day.dials_per_agent_hour > 0


def test_an_agent_whose_shift_ends_mid_call_is_logged_in_until_it_is_wrapped_up() -> None:
    # Half an hour, one agent, 28-minute conversations: the first call runs past the shift's
    # end. The agent stays to finish it, and the time counts as logged in: never over 100%.
    long_calls = replace(
        SCENARIOS["C-5"], agents=1, hours=0.5, login_spread_s=900.0,
        talk=Duration("constant", 1700.0),
    )  # fmt: skip
    for seed in (1, 2, 3):
        day = simulate_day(long_calls, ProgressivePacer(), seed)
        assert 0.5 < day.occupancy <= 1.0, f"seed {seed}"
        assert day.talk_min_per_agent_hour <= 60.0


def test_an_idle_agent_takes_the_break_that_falls_due() -> None:
    # Nobody answers: the agents never have a call to end. Breaks (four an hour, of five
    # minutes) fall due all the same, at the same moments whatever the policy: about three
    # an hour each once the breaks themselves take their share of the time.
    nobody = replace(
        SCENARIOS["C-5"], hours=2.0, live_answer_rate=0.0, pauses_per_agent_hour=4.0,
        pause_duration=Duration("constant", 300.0),
    )  # fmt: skip
    for seed in (1, 2):
        days = [simulate_day(nobody, p, seed) for p in (ProgressivePacer(), PredictivePacer())]
        assert days[0].breaks == days[1].breaks >= 15, f"seed {seed}"


def test_short_days_with_breaks_and_staggered_logins_keep_to_the_cap() -> None:
    # Two hours, agents logging in over the first half-hour and out over the last, a break an
    # hour each: few live answers, so every abandon weighs, and agents vanish at wrap-up's end.
    for name in ("C-5", "A-10"):
        scenario = replace(
            SCENARIOS[name], hours=2.0, login_spread_s=1800.0, pauses_per_agent_hour=1.0
        )
        for seed in range(1, 6):
            day = simulate_day(scenario, PredictivePacer(), seed, govern_amd=True)
            assert day.compliant, f"{name} seed {seed}: {day.abandoned}/{day.live_answers}"
            assert day.live_answers > 50


def test_the_simulate_command_writes_the_table_json_and_plot(tmp_path: Path) -> None:
    scenarios = tmp_path / "short.toml"
    scenarios.write_text(STANDARD.read_text().replace("hours = 8", "hours = 0.5"))
    out, png = tmp_path / "pacing.json", tmp_path / "pacing.png"
    result = CliRunner().invoke(
        simulate_command,
        [
            str(scenarios),
            "--scenario",
            "C-5",
            "--policy",
            "progressive",
            "--policy",
            "predictive",
            "--seeds",
            "2",
            "--json",
            str(out),
            "--plot",
            str(png),
            "--jobs",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "C-5" in result.output
    assert "occupancy" in result.output
    rows = json.loads(out.read_text())
    assert len(rows) == 4
    required = {
        "scenario",
        "policy",
        "agents",
        "compliant",
        "seed",
        "occupancy",
        "talk_min_per_agent_hour",
        "abandon_rate",
        "agent_wait_mean_s",
        "agent_wait_p95_s",
        "dials_per_agent_hour",
        "connect_wait_p95_s",
        "wall_s",
    }
    assert required <= set(rows[0])
    assert png.stat().st_size > 1000


def test_a_100_agent_day_is_timed_beside_the_others_and_on_its_own(tmp_path: Path) -> None:
    scenarios = tmp_path / "short.toml"
    scenarios.write_text(STANDARD.read_text().replace("hours = 8", "hours = 0.5"))
    result = CliRunner().invoke(
        simulate_command,
        [str(scenarios), "--scenario", "A-100", "--policy", "predictive", "--seeds", "1"],
    )
    assert result.exit_code == 0, result.output
    timing = re.search(
        r"A 100-agent day with the predictive pacer took ([\d.]+) s to simulate beside the "
        r"other days \(slowest: A-100 seed 1\), ([\d.]+) s on its own\.",
        result.output,
    )
    assert timing is not None, result.output
    assert float(timing.group(2)) > 0
