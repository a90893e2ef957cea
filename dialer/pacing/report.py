"""The what-if results as supervisors read them: a table, JSON rows, a plot and the goals.

The table has one line per scenario and policy, averaged over seeds, with how many seeds met
the abandon target. A policy that broke the target is shown, with its abandon rate, but it is
not a baseline to beat: :func:`check_goals` compares the predictive pacer with the best
*compliant* baseline only.
"""

from __future__ import annotations

import json
import math
import os
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from dialer.pacing.what_if import BASELINES, PolicyDay

LARGE_TEAM = 25
GAIN_LARGE = 1.15
GAIN_SMALL = 1.03
NO_COMPLIANT_BASELINE = "none compliant"


def write_into_place(path: Path, write: Callable[[Path], object]) -> None:
    """Have ``write`` fill a temporary file beside ``path``, then rename it into place.

    A failure leaves no half-written file, and whatever ``path`` held before untouched.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.part")
    try:
        write(temporary)
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)


def _json_row(row: PolicyDay) -> dict[str, object]:
    """``row`` as JSON can hold it: a NaN or an infinity would make the whole file invalid."""
    data = row.as_json()
    for key, value in data.items():
        if isinstance(value, float) and not math.isfinite(value):
            msg = (
                f"{key} of {row.day.scenario}, {row.policy}, seed {row.day.seed} is {value}, "
                "which JSON cannot hold"
            )
            raise ValueError(msg)
    return data


def write_json(rows: Sequence[PolicyDay], path: Path) -> None:
    """Every day's figures, one JSON object per row; ValueError, and no file, if a figure is not
    a finite number."""
    text = json.dumps([_json_row(row) for row in rows], indent=2, allow_nan=False) + "\n"
    write_into_place(path, lambda temporary: temporary.write_text(text, encoding="utf-8"))


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _settings_note(group: Sequence[PolicyDay], asked: int) -> str:
    """How many seeds had a compliant VICIdial setting, and which settings they were."""
    seeds_by_setting: dict[str, list[int]] = defaultdict(list)
    for row in group:
        seeds_by_setting[row.setting].append(row.day.seed)
    note = f"{len(group)} of {asked} seeds had a compliant setting"
    if not seeds_by_setting:
        return note
    if len(seeds_by_setting) == 1:
        return f"{note}: {next(iter(seeds_by_setting))}"
    settings = "; ".join(
        f"{setting} (seed{'s' if len(seeds) > 1 else ''} {', '.join(map(str, sorted(seeds)))})"
        for setting, seeds in seeds_by_setting.items()
    )
    return f"{note}, settings differ by seed: {settings}"


def render_table(
    rows: Sequence[PolicyDay],
    *,
    seeds: int | None = None,
    scenarios: Sequence[str] = (),
    policies: Sequence[str] = (),
) -> str:
    """One line per scenario and policy, means over seeds.

    ``seeds``, ``scenarios`` and ``policies`` say what was asked for (by default, what the
    rows hold): ``vicidial_best`` has no row for a seed where no setting met the cap, so its
    line counts the seeds asked, and a scenario where no seed had one still gets its line.
    """
    groups: dict[tuple[str, str], list[PolicyDay]] = defaultdict(list)
    for row in rows:
        groups[(row.day.scenario, row.policy)].append(row)
    scenario_names = list(dict.fromkeys([*scenarios, *(row.day.scenario for row in rows)]))
    policy_names = list(dict.fromkeys([*policies, *(row.policy for row in rows)]))
    width = max([15, *(len(name) + 2 for name in scenario_names)])
    header = (
        f"{'scenario':<{width}}{'policy':<14}{'agents':>6}{'occupancy':>10}{'talk min/h':>11}"
        f"{'abandon':>9}{'met cap':>8}{'agent wait':>11}{'wait p95':>9}{'dials/h':>8}"
        f"{'connect p95':>12}  note"
    )
    lines = [header, "-" * len(header)]
    for scenario in scenario_names:
        seen = {row.day.seed for row in rows if row.day.scenario == scenario}
        asked = seeds or len(seen)
        for policy in policy_names:
            group = groups.get((scenario, policy), [])
            if policy == "vicidial_best" and not group and policy in policies:
                lines.append(f"{scenario:<{width}}{policy:<14}  {_settings_note(group, asked)}")
            if group:
                lines.append(_line(scenario, policy, group, asked, width))
    return "\n".join([*lines, "", *_KEY])


#: What each column means, in the words of the floor; printed under the table.
_KEY = (
    "Means over the seeds (simulated days). occupancy: talk and wrap-up time over logged-in time;",
    "talk min/h: minutes of conversation per logged-in agent hour; abandon: abandoned calls over",
    "live-answered calls; met cap: days at or under the scenario's abandon_target; agent wait:",
    "an agent's mean wait for the next call, wait p95: the wait 95% of them were shorter than;",
    "dials/h: calls placed per logged-in agent hour; connect p95: the wait for an agent that 95%",
    "of the people who answered were shorter than.",
)


def _line(scenario: str, policy: str, group: Sequence[PolicyDay], asked: int, width: int) -> str:
    days = [row.day for row in group]
    met = sum(1 for d in days if d.compliant)
    note = ""
    if policy == "vicidial_best":
        note = _settings_note(group, asked)
    elif policy == "predictive" and days[0].amd.startswith("AMD off"):
        note = days[0].amd
    runs = asked if policy == "vicidial_best" else len(days)
    return (
        f"{scenario:<{width}}{policy:<14}{days[0].agents:>6}"
        f"{_mean([d.occupancy for d in days]):>10.1%}"
        f"{_mean([d.talk_min_per_agent_hour for d in days]):>11.1f}"
        f"{_mean([d.abandon_rate for d in days]):>9.2%}"
        f"{f'{met}/{runs}':>8}"
        f"{_mean([d.agent_wait_mean_s for d in days]):>10.1f}s"
        f"{_mean([d.agent_wait_p95_s for d in days]):>8.1f}s"
        f"{_mean([d.dials_per_agent_hour for d in days]):>8.0f}"
        f"{_mean([d.connect_wait_p95_s for d in days]):>11.2f}s"
        f"  {note}"
    )


@dataclass(frozen=True, slots=True)
class GoalCheck:
    scenario: str
    seed: int
    predictive_occupancy: float
    predictive_abandon: float
    abandon_target: float
    best_baseline: str
    best_baseline_occupancy: float
    required_gain: float
    baselines_run: bool = True  # False: no baseline policy was run, so no gain was measured

    @property
    def compliant(self) -> bool:
        return self.predictive_abandon <= self.abandon_target + 1e-12

    @property
    def gain(self) -> float:
        if self.best_baseline_occupancy <= 0:
            return float("inf")
        return self.predictive_occupancy / self.best_baseline_occupancy

    @property
    def met(self) -> bool:
        return self.compliant and self.baselines_run and self.gain >= self.required_gain


def check_goals(rows: Sequence[PolicyDay]) -> list[GoalCheck]:
    """Per scenario and seed: predictive's compliance and its gain over the best compliant
    baseline (no compliant baseline: any compliant predictive day meets the gain; no baseline
    run at all: the gain is not measured, so the goals are not met)."""
    by_day: dict[tuple[str, int], list[PolicyDay]] = defaultdict(list)
    for row in rows:
        by_day[(row.day.scenario, row.day.seed)].append(row)
    checks = []
    for (scenario, seed), group in by_day.items():
        predictive = [r.day for r in group if r.policy == "predictive"]
        if not predictive:
            continue
        ours = predictive[0]
        run = [r for r in group if r.policy in BASELINES]
        best = max((r for r in run if r.day.compliant), key=lambda r: r.day.occupancy, default=None)
        checks.append(
            GoalCheck(
                scenario=scenario,
                seed=seed,
                predictive_occupancy=ours.occupancy,
                predictive_abandon=ours.abandon_rate,
                abandon_target=ours.abandon_target,
                best_baseline=best.policy if best else NO_COMPLIANT_BASELINE,
                best_baseline_occupancy=best.day.occupancy if best else 0.0,
                required_gain=GAIN_LARGE if ours.agents >= LARGE_TEAM else GAIN_SMALL,
                baselines_run=bool(run),
            )
        )
    return checks


def render_goals(checks: Sequence[GoalCheck]) -> str:
    lines = [
        "",
        "Goals: predictive under the abandon cap, and its occupancy gain over the best",
        "compliant baseline (x1.15 with 25 agents or more, x1.03 with fewer).",
    ]
    for check in checks:
        verdict = "met" if check.met else "NOT MET"
        if not check.baselines_run:
            versus = ", but no baseline policy was run to compare with"
        elif check.best_baseline == NO_COMPLIANT_BASELINE:
            versus = ", and no baseline kept to the cap, so there is none to beat"
        else:
            gain = f"x{check.gain:.2f}" if math.isfinite(check.gain) else "any gain over 0%"
            versus = (
                f" vs {check.best_baseline} {check.best_baseline_occupancy:.1%} "
                f"({gain}, needs x{check.required_gain:.2f})"
            )
        lines.append(
            f"  {check.scenario:<15} seed {check.seed}: abandon {check.predictive_abandon:.2%} "
            f"(cap {check.abandon_target:.1%}), "
            f"occupancy {check.predictive_occupancy:.1%}{versus}: {verdict}"
        )
    met = sum(1 for c in checks if c.met)
    lines.append(f"  {met} of {len(checks)} scenario-days met both goals.")
    return "\n".join(lines)


def plot(rows: Sequence[PolicyDay], path: Path) -> None:
    """Occupancy against abandon rate, one colour per policy, the cap as a line, as a PNG."""
    import matplotlib as mpl

    mpl.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(9, 6))
    policies = list(dict.fromkeys(row.policy for row in rows))
    for policy in policies:
        mine = [row.day for row in rows if row.policy == policy]
        axes.scatter(
            [100 * d.abandon_rate for d in mine],
            [100 * d.occupancy for d in mine],
            label=policy,
            s=18,
            alpha=0.75,
        )
    targets = {row.day.abandon_target for row in rows}
    for target in targets:
        axes.axvline(100 * target, color="red", linestyle="--", linewidth=1)
    axes.set_xscale("symlog", linthresh=1.0)
    axes.set_xlim(left=0.0)
    axes.set_xlabel("abandoned calls, % of live answers (red: the cap)")
    axes.set_ylabel("agent occupancy, % of logged-in time")
    axes.set_title("Occupancy bought with abandoned calls, per policy (each dot a day)")
    if policies:  # no day to show (no VICIdial setting kept to the cap): no legend to draw
        axes.legend()
    axes.grid(visible=True, alpha=0.3)
    try:
        write_into_place(
            path,
            lambda temporary: figure.savefig(temporary, format="png", dpi=110, bbox_inches="tight"),
        )
    finally:
        plt.close(figure)
