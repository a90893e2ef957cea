"""``recoup simulate``: try pacing policies on simulated campaigns before changing a live one."""

from __future__ import annotations

from pathlib import Path

import click

from dialer.pacing.predictive import PredictivePacer
from dialer.pacing.report import check_goals, plot, render_goals, render_table, write_json
from dialer.pacing.scenario import ScenarioError, load_scenarios
from dialer.pacing.simulation import simulate_day
from dialer.pacing.what_if import POLICIES, run_what_if


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
    help="Draw occupancy against abandon rate for each policy into this PNG.",
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
        loaded = load_scenarios(scenarios)
    except ScenarioError as error:
        raise click.ClickException(str(error)) from None
    if only:
        loaded = [s for s in loaded if s.name in only]
        if not loaded:
            raise click.ClickException(f"no scenario named {', '.join(only)}")
    asked = policies or POLICIES
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
        write_json(rows, json_out)
        click.echo(f"wrote {json_out}")
    if plot_out:
        plot(rows, plot_out)
        click.echo(f"wrote {plot_out}")
