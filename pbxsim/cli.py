"""``recoup pbxsim`` / ``python -m pbxsim``: run the simulated Asterisk until interrupted."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from pathlib import Path

import click

from pbxsim.config import Dialplan, SimConfig
from pbxsim.scenario import DIALPLANS, load_scenario
from pbxsim.sim import PbxSim


@click.command(name="pbxsim")
@click.option("--scenario", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--host", help="address to listen on for AMI [127.0.0.1]")
@click.option("--port", type=int, help="AMI port [5038]")
@click.option("--username", help="AMI user [dialer]")
@click.option("--secret", help="AMI secret [dialerpass]")
@click.option("--time-scale", type=float, help="simulated seconds per real second [1]")
@click.option("--seed", type=int, help="seed of the called parties' behaviour")
@click.option("--recordings-dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--agents", type=int, default=0, help="log in agent1..agentN at start")
@click.option(
    "--dialplan",
    type=click.Choice(DIALPLANS),
    help="recoup: asterisk_conf/'s contexts and names (the default); lab: the captures' lab PBX",
)
def pbxsim_command(
    *,
    scenario: Path | None,
    dialplan: Dialplan | None,
    host: str | None,
    port: int | None,
    username: str | None,
    secret: str | None,
    time_scale: float | None,
    seed: int | None,
    recordings_dir: Path | None,
    agents: int,
) -> None:
    """Run pbxsim, a stand-in for Asterisk 22 that speaks AMI over TCP.

    Options given on the command line override the scenario file.
    """
    if scenario:
        config = load_scenario(scenario, dialplan=dialplan)
    elif dialplan == "lab":
        config = SimConfig(port=5038)
    else:
        config = SimConfig.recoup(port=5038)
    if host:
        config.host = host
    if port is not None:
        config.port = port
    if username:
        config.username = username
    if secret:
        config.secret = secret
    if time_scale:
        config.time_scale = time_scale
    if seed is not None:
        config.behaviour.reseed(seed)
    if recordings_dir:
        config.recordings_dir = recordings_dir
    asyncio.run(serve(config, agents))


async def serve(config: SimConfig, agents: int) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with PbxSim(config) as sim:
        for n in range(1, agents + 1):
            sim.login_agent(f"agent{n}")
        click.echo(
            f"pbxsim: {config.dialplan} dialplan, AMI on {sim.host}:{sim.port} "
            f"(user {config.username}), "
            f"time x{config.time_scale:g}, recordings in {config.recordings_dir}",
            err=True,
        )
        await stop.wait()
