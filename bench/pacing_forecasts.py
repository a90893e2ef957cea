"""The predictive pacer's two forecasts of lost callers, on the same days.

The pacer judges each extra call by the callers it would lose. For a team of up to
``sampled_up_to`` agents it counts them on sampled futures
(:mod:`dialer.pacing.sampled_forecast`); for larger teams it uses the closed form of
:mod:`dialer.pacing.predictive`. This benchmark runs both on the same scenarios and seeds (the
same debtors, the same controller and aim) and prints one JSON object: per scenario and
forecast, the mean and worst-seed occupancy, the worst abandon rate and the slowest day's wall
time. It is the evidence for where the pacer switches from one to the other.

    .venv/bin/python bench/pacing_forecasts.py                    # 8 scenarios, ~12 min
    .venv/bin/python bench/pacing_forecasts.py --scenario A-25 --seeds 2
"""

from __future__ import annotations

import argparse
import json
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from dialer.pacing.predictive import PredictivePacer, PredictiveSettings
from dialer.pacing.scenario import Scenario, load_scenarios
from dialer.pacing.simulation import CampaignDay, simulate_day

SCENARIOS = Path(__file__).with_name("pacing-scenarios.toml")
DEFAULT = ["C-5", "A-10", "B-10", "A-25", "B-25", "D-25-diurnal", "E-25-machines", "A-50"]
FORECASTS = {"closed_form": 0, "sampled": 10_000}  # sampled_up_to: never, always


def _day(task: tuple[Scenario, int, str]) -> CampaignDay:
    scenario, seed, forecast = task
    pacer = PredictivePacer(PredictiveSettings(sampled_up_to=FORECASTS[forecast]))
    return simulate_day(scenario, pacer, seed, govern_amd=True)


def compare(scenarios: list[Scenario], seeds: int) -> list[dict[str, object]]:
    tasks = [
        (scenario, seed, forecast)
        for scenario in scenarios
        for forecast in FORECASTS
        for seed in range(1, seeds + 1)
    ]
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        days = list(pool.map(_day, tasks, chunksize=1))
    rows = []
    for i in range(0, len(days), seeds):
        group = days[i : i + seeds]
        occupancy = [d.occupancy for d in group]
        rows.append(
            {
                "scenario": group[0].scenario,
                "forecast": tasks[i][2],
                "occupancy_mean": round(sum(occupancy) / seeds, 4),
                "occupancy_worst_seed": round(min(occupancy), 4),
                "abandon_rate_worst_seed": round(max(d.abandon_rate for d in group), 4),
                "compliant_seeds": sum(d.compliant for d in group),
                "wall_s_max": round(max(d.wall_s for d in group), 1),
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", action="append", help=f"default: {', '.join(DEFAULT)}")
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    names = args.scenario or DEFAULT
    by_name = {s.name: s for s in load_scenarios(SCENARIOS)}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(unknown)}")
    rows = compare([by_name[n] for n in names], args.seeds)
    print(json.dumps({"seeds": args.seeds, "forecasts": rows}, indent=2))


if __name__ == "__main__":
    main()
