"""``recoup demo`` without ``--headless``: the contact centre keeps running for people to use.

Simulated agents work the demo campaign on pbxsim; the agent API listens on the console's
address with logins for a human agent and a supervisor, and the Prometheus metrics beside it.
Ctrl-C stops it and prints the campaign's summary.
"""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy.ext.asyncio import AsyncEngine

from recoup.clock import ScaledClock
from recoup.demo_centre import (
    DEMO_CAMPAIGN,
    HeadlessOptions,
    campaign_summary,
    demo_contact_centre,
    demo_pbx_config,
    demo_start,
    prepare_demo,
    render_summary,
)
from recoup.domain.model import Role
from recoup.serve import serving_api, wait_for_stop
from recoup.settings import Settings
from recoup.storage.engine import open_engine
from recoup.users.accounts import add_user

#: people who can log in to the demo's agent API (the simulated agents are agent1..agentN)
DEMO_LOGINS = (
    ("alice", "alice-demo", frozenset({Role.AGENT}), "2001", "a collection agent"),
    ("sam", "sam-supervisor", frozenset({Role.SUPERVISOR}), "", "a supervisor"),
    ("admin", "admin-demo", frozenset({Role.ADMIN}), "", "an administrator"),
)


async def add_demo_users(engine: AsyncEngine, agents: int, clock: ScaledClock) -> None:
    async with engine.begin() as conn:
        for username, password, roles, extension, _who in DEMO_LOGINS:
            await add_user(conn, username, password, roles, now=clock.now(), extension=extension)
        for i in range(agents):
            await add_user(
                conn, f"agent{i + 1}", f"agent{i + 1}-demo", frozenset({Role.AGENT}),
                now=clock.now(), extension=f"{1001 + i}",
            )  # fmt: skip


async def run_live(url: str, folder: Path, options: HeadlessOptions, settings: Settings) -> None:
    clock = ScaledClock(options.speed, start=demo_start())
    started = clock.now()
    host, port = settings.console.host, settings.console.port
    async with open_engine(url) as engine:
        prepared = await prepare_demo(
            engine, folder, debtors=options.debtors, seed=options.seed,
            now=clock.now(),
        )  # fmt: skip
        await add_demo_users(engine, options.agents, clock)
        async with (
            demo_contact_centre(
                engine, clock=clock, agents=options.agents, seed=options.seed,
                pbx_config=demo_pbx_config(seed=options.seed, talk_s=options.talk_s),
                mqtt_url=settings.mqtt_url,
            ) as run,
            serving_api(run.centre, clock, host=host, port=port),
        ):  # fmt: skip
            base = f"http://{host}:{port}"
            lines = [
                "",
                "The contact centre is running on pbxsim "
                f"({prepared['leads']} leads, {options.agents} simulated agents, "
                f"x{options.speed:g} time).",
                f"  agent API     {base}/api/v1/openapi.json",
                f"  log in        POST {base}/api/v1/session with username and password",
                f"  live events   ws://{host}:{port}/api/v1/agent/events",
                f"  metrics       {base}/metrics",
                f"  pbxsim AMI    {run.pbx.host}:{run.pbx.port} (user dialer / dialerpass)",
                "  logins:",
                *(f"    {u:8} password {p:12} {who}" for u, p, _r, _e, who in DEMO_LOGINS),
                f"    agent1..agent{options.agents} (password agentN-demo): the simulated agents",
                "Ctrl-C stops it.",
            ]
            click.echo("\n".join(lines))
            await wait_for_stop()
            ended = clock.now()
        summary = await campaign_summary(engine, DEMO_CAMPAIGN, started=started, ended=ended)
    summary |= {
        "campaign": DEMO_CAMPAIGN, "agents": options.agents, "speed": options.speed,
        "prepared": prepared, "scripts_by_profile": {},
        "simulated_minutes": round((ended - started).total_seconds() / 60, 1),
        "stopped_because": "stopped by hand",
    }  # fmt: skip
    click.echo(render_summary(summary))
