"""The pacing summary's table, from the rows ``make bench-pacing`` wrote.

Reads ``bench/results/pacing.json`` (or the file given) and prints, as JSON (or with
``--markdown`` as the table of ``bench/pacing-summary.md``), per scenario: predictive's
occupancy and abandon rate, the best compliant baseline and predictive's worst-seed gain over
it, the goal, and VICIdial at its defaults and at its best compliant grid setting. Means are
over seeds.

    .venv/bin/python bench/pacing_summary.py [--markdown] [bench/results/pacing.json]
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from dialer.pacing.what_if import BASELINES

RESULTS = Path(__file__).parent / "results" / "pacing.json"
LARGE_TEAM = 25


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def _row(scenario: str, rows: list[dict[str, Any]]) -> list[str]:
    def days(policy: str) -> list[dict[str, Any]]:
        return [r for r in rows if r["policy"] == policy]

    ours = {r["seed"]: r for r in days("predictive")}
    seeds = sorted(ours)
    occupancy = _mean([ours[s]["occupancy"] for s in seeds])
    abandon = [ours[s]["abandon_rate"] for s in seeds]
    met_cap = sum(1 for s in seeds if ours[s]["compliant"])
    best: dict[int, float] = {}
    for row in rows:
        if row["policy"] in BASELINES and row["compliant"]:
            best[row["seed"]] = max(best.get(row["seed"], 0.0), row["occupancy"])
    gains = [ours[s]["occupancy"] / best[s] for s in seeds if s in best]
    required = 1.15 if ours[seeds[0]]["agents"] >= LARGE_TEAM else 1.03
    goal_met = met_cap == len(seeds) and all(g >= required for g in gains)
    vicidial = days("vicidial")
    vicidial_best = days("vicidial_best")
    return [
        scenario,
        f"{occupancy:.1%}",
        f"{_mean(abandon):.2%} ({max(abandon):.2%}), {met_cap}/{len(seeds)} met",
        f"{_mean(list(best.values())):.1%}" if best else "none compliant",
        f"x{min(gains):.3f}" if gains else "n/a",
        f"x{required:.2f} {'met' if goal_met else 'NOT met'}",
        (
            f"{_mean([r['occupancy'] for r in vicidial]):.1%} at "
            f"{_mean([r['abandon_rate'] for r in vicidial]):.2%}, "
            f"{sum(1 for r in vicidial if r['compliant'])}/{len(vicidial)} met"
            if vicidial
            else "not run"
        ),
        (
            f"{_mean([r['occupancy'] for r in vicidial_best]):.1%} at "
            f"{_mean([r['abandon_rate'] for r in vicidial_best]):.2%} "
            f"({len(vicidial_best)}/{len(seeds)} seeds had a compliant setting)"
            if vicidial_best
            else "no setting met the cap"
        ),
    ]


COLUMNS = (
    "scenario",
    "predictive occupancy",
    "predictive abandon (worst seed)",
    "best compliant baseline",
    "gain, worst seed",
    "goal",
    "vicidial (defaults)",
    "vicidial_best",
)


def main() -> None:
    args = [a for a in sys.argv[1:] if a != "--markdown"]
    path = Path(args[0]) if args else RESULTS
    rows: list[dict[str, Any]] = json.loads(path.read_text())
    by_scenario: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_scenario[row["scenario"]].append(row)
    table = [_row(scenario, group) for scenario, group in by_scenario.items()]
    if "--markdown" not in sys.argv:
        print(json.dumps([dict(zip(COLUMNS, cells, strict=True)) for cells in table], indent=2))
        return
    print("| " + " | ".join(COLUMNS) + " |")
    print("|" + " --- |" * len(COLUMNS))
    for cells in table:
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
