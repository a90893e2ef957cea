"""Run scenarios under each pacing policy and seed: the supervisor's what-if.

Policies, by the names users know:

- ``progressive``: 1:1, one line per agent;
- ``ratio2``: a fixed 2:1 ratio;
- ``vicidial``: VICIdial's adaptive dialing with its defaults (ADAPT_TAPERED, intensity 0,
  diff target 0, maximum level 3.0, drop target 3% counted per day);
- ``vicidial_best``: the best of a grid of VICIdial settings (intensity -20/0/20, diff target
  -1/0/1, ADAPT_TAPERED and ADAPT_HARD_LIMIT) that met the abandon target, per scenario and
  seed; absent when none did;
- ``predictive``: Recoup's pacer, with its AMD governor.

Days run in parallel processes, one task per (scenario, seed, policy setting).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any

from dialer.pacing.baselines import DropMode, ProgressivePacer, VicidialAdaptive, VicidialSettings
from dialer.pacing.predictive import PredictivePacer
from dialer.pacing.scenario import Scenario
from dialer.pacing.simulation import CampaignDay, simulate_day
from dialer.pacing.snapshot import Pacer

POLICIES = ("progressive", "ratio2", "vicidial", "vicidial_best", "predictive")
#: The policies predictive must beat, when they keep to the cap. ``vicidial`` counts on its own:
#: it may be run without ``vicidial_best``, and when both run the best is at least as good.
BASELINES = ("progressive", "ratio2", "vicidial", "vicidial_best")


def vicidial_grid() -> list[VicidialSettings]:
    """The settings tried for ``vicidial_best``; the first is VICIdial's default."""
    grid = [VicidialSettings()]
    for mode in (DropMode.TAPERED, DropMode.HARD_LIMIT):
        for intensity in (-20.0, 0.0, 20.0):
            for diff_target in (-1.0, 0.0, 1.0):
                settings = VicidialSettings(
                    drop_mode=mode, intensity=intensity, diff_target=diff_target
                )
                if settings != grid[0]:
                    grid.append(settings)
    return grid


@dataclass(frozen=True, slots=True)
class PolicyDay:
    """One row of the what-if table: a policy's simulated day on a scenario."""

    day: CampaignDay
    policy: str
    setting: str

    def as_json(self) -> dict[str, Any]:
        row = asdict(self.day)
        row["policy"] = self.policy
        row["compliant"] = self.day.compliant
        row["setting"] = self.setting
        return row


@dataclass(frozen=True, slots=True)
class _Task:
    scenario: Scenario
    seed: int
    policy: str
    vicidial: VicidialSettings | None = None


def _pacer(task: _Task) -> Pacer:
    if task.policy == "progressive":
        return ProgressivePacer(1.0)
    if task.policy == "ratio2":
        return ProgressivePacer(2.0, "ratio2")
    if task.policy == "predictive":
        return PredictivePacer()
    return VicidialAdaptive(task.vicidial, "vicidial")


def _run(task: _Task) -> tuple[_Task, CampaignDay]:
    pacer = _pacer(task)
    return task, simulate_day(
        task.scenario, pacer, task.seed, govern_amd=task.policy == "predictive"
    )


def _tasks(scenarios: Iterable[Scenario], policies: Sequence[str], seeds: int) -> list[_Task]:
    tasks = []
    for scenario in scenarios:
        for seed in range(1, seeds + 1):
            for policy in policies:
                if policy in ("vicidial", "vicidial_best"):
                    continue
                tasks.append(_Task(scenario, seed, policy))
            if "vicidial_best" in policies:
                tasks.extend(_Task(scenario, seed, "grid", s) for s in vicidial_grid())
            elif "vicidial" in policies:
                tasks.append(_Task(scenario, seed, "grid", VicidialSettings()))
    return tasks


def run_what_if(
    scenarios: Sequence[Scenario],
    policies: Sequence[str] = POLICIES,
    seeds: int = 5,
    jobs: int | None = None,
) -> list[PolicyDay]:
    """Every scenario x seed x policy, in the order scenario, seed, policy."""
    unknown = sorted(set(policies) - set(POLICIES))
    if unknown:
        msg = f"unknown policies: {', '.join(unknown)} (known: {', '.join(POLICIES)})"
        raise ValueError(msg)
    policies = list(dict.fromkeys(policies))  # each policy once, however often it was named
    tasks = _tasks(scenarios, policies, seeds)
    workers = jobs or os.cpu_count() or 1
    if workers > 1 and len(tasks) > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            done = list(pool.map(_run, tasks, chunksize=1))
    else:
        done = [_run(task) for task in tasks]
    rows: list[PolicyDay] = []
    for scenario in scenarios:
        for seed in range(1, seeds + 1):
            mine = [(t, d) for t, d in done if t.scenario.name == scenario.name and t.seed == seed]
            by_policy = {t.policy: d for t, d in mine if t.policy != "grid"}
            grid = [(t.vicidial, d) for t, d in mine if t.policy == "grid"]
            for policy in policies:
                if policy in by_policy:
                    rows.append(PolicyDay(by_policy[policy], policy, ""))
                elif policy == "vicidial" and grid:
                    default, day = grid[0]
                    rows.append(PolicyDay(day, "vicidial", default.label if default else ""))
                elif policy == "vicidial_best":
                    compliant = [(s, d) for s, d in grid if d.compliant]
                    if compliant:
                        best, day = max(compliant, key=lambda pair: pair[1].occupancy)
                        label = best.label if best else ""
                        rows.append(PolicyDay(day, "vicidial_best", label))
    return rows
