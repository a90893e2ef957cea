"""``recoup simulate``: try pacing policies on simulated campaigns before changing a live one.

Every input is checked before the first day is simulated (a run can take minutes): the scenario
file, the scenario names asked for, and where the JSON and the plot will go. The outputs are
written beside their final names and renamed into place, so a failure never leaves a
half-written file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from dialer.pacing.predictive import PredictivePacer
from dialer.pacing.report import check_goals, plot, render_goals, render_table, write_json
from dialer.pacing.scenario import Scenario, ScenarioError, load_scenarios
from dialer.pacing.simulation import simulate_day
from dialer.pacing.what_if import POLICIES, run_what_if


class InputError(click.ClickException):
    """Input the run cannot start on: one line, and exit 2 like click's own usage errors."""

    exit_code = 2


def _chosen(loaded: list[Scenario], only: tuple[str, ...], path: Path) -> list[Scenario]:
    """The scenarios named by ``--scenario`` (all when none is), every name known."""
    if not only:
        return loaded
    asked = [name.strip() for name in only]  # as the file's names are read
    known = [s.name for s in loaded]
    unknown = [name for name in dict.fromkeys(asked) if name not in known]
    if unknown:
        quoted = ", ".join(json.dumps(name, ensure_ascii=False) for name in unknown)
        msg = f"no scenario named {quoted} in {path} (known: {', '.join(known)})"
        raise InputError(msg)
    return [s for s in loaded if s.name in asked]


def _reason(error: Exception) -> str:
    """Why a file could not be written. An OSError's own text names the temporary file the
    output was written to first, not the one the user asked for: only its reason is told."""
    reason = error.strerror if isinstance(error, OSError) else None
    return reason or str(error)


def _check_output(path: Path, option: str) -> None:
    """Refuse now an output that could only fail after the run: its folder must be a folder
    that exists or can be made."""
    folder = path.parent
    for ancestor in (folder, *folder.parents):
        if ancestor.exists():
            if not ancestor.is_dir():
                msg = f"{option} {path}: {ancestor} is not a folder"
                raise InputError(msg)
            if not os.access(ancestor, os.W_OK | os.X_OK):
                msg = f"{option} {path}: cannot write in {ancestor}"
                raise InputError(msg)
            return


def _check_outputs(json_out: Path | None, plot_out: Path | None) -> None:
    if json_out:
        _check_output(json_out, "--json")
    if plot_out:
        if plot_out.suffix.lower() != ".png":
            msg = f"--plot {plot_out}: the plot is a PNG, so its name must end in .png"
            raise InputError(msg)
        _check_output(plot_out, "--plot")
    if json_out and plot_out and json_out.resolve() == plot_out.resolve():
        msg = f"--json and --plot name the same file, {json_out}"
        raise InputError(msg)


@click.command("simulate")
@click.argument("scenarios", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--policy",
    "policies",
    multiple=True,
    type=click.Choice(POLICIES),
    help="A policy to run (repeat for several; default: all).",
)
@click.option(
    "--seeds",
    default=5,
    show_default=True,
    type=click.IntRange(1, 100),
    help="Simulated days per scenario and policy, each with its own random seed.",
)
@click.option("--scenario", "only", multiple=True, help="Run only the scenario(s) so named.")
@click.option(
    "--json",
    "json_out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write every day's figures to this JSON file.",
)
@click.option(
    "--plot",
    "plot_out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Draw occupancy against abandon rate for each policy into this PNG (name.png).",
)
@click.option("--jobs", type=click.IntRange(1, 64), help="Parallel processes (default: CPUs).")
def simulate_command(
    scenarios: Path,
    *,
    policies: tuple[str, ...],
    seeds: int,
    only: tuple[str, ...],
    json_out: Path | None,
    plot_out: Path | None,
    jobs: int | None,
) -> None:
    """Simulate campaign days from SCENARIOS (TOML) under each pacing policy.

    For every scenario, policy and seed it simulates a day of agents and calls and reports
    agent occupancy (talk + wrap-up over logged-in time), talk minutes per agent hour, the
    abandon rate (abandoned over live-answered calls; the cap is the scenario's
    abandon_target), how long agents waited for a call, dials per agent hour and how long
    answered people waited for an agent. A policy that breaks the cap is shown with what it
    costs; "vicidial_best" is the best VICIdial setting that kept to the cap.
    """
    try:
        loaded = _chosen(load_scenarios(scenarios), only, scenarios)
    except ScenarioError as error:
        raise InputError(str(error)) from None
    _check_outputs(json_out, plot_out)
    asked = tuple(dict.fromkeys(policies)) or POLICIES  # a policy named twice runs once
    rows = run_what_if(loaded, asked, seeds, jobs)
    click.echo(render_table(rows, seeds=seeds, scenarios=[s.name for s in loaded], policies=asked))
    if "predictive" in asked:
        click.echo(render_goals(check_goals(rows)))
    big = [r.day for r in rows if r.policy == "predictive" and r.day.agents >= 100]
    if big:
        slowest = max(big, key=lambda d: d.wall_s)
        scenario = next(s for s in loaded if s.name == slowest.scenario)
        alone = simulate_day(scenario, PredictivePacer(), slowest.seed, govern_amd=True).wall_s
        click.echo(
            f"\nA {slowest.agents}-agent day with the predictive pacer took "
            f"{slowest.wall_s:.1f} s to simulate beside the other days (slowest: "
            f"{slowest.scenario} seed {slowest.seed}), {alone:.1f} s on its own."
        )
    if json_out:
        try:
            write_json(rows, json_out)
        except (OSError, ValueError) as error:
            msg = f"could not write {json_out}: {_reason(error)}"
            raise click.ClickException(msg) from None
        click.echo(f"wrote {json_out}")
    if plot_out:
        try:
            plot(rows, plot_out)
        except Exception as error:  # matplotlib fails in many ways: say which, no traceback
            done = f"wrote {json_out}, but " if json_out else ""
            msg = f"{done}could not write the plot {plot_out}: {_reason(error)}"
            raise click.ClickException(msg) from None
        click.echo(f"wrote {plot_out}")
