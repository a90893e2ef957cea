"""``recoup serve`` (the dialer and the agent API in one process) and ``recoup dialer`` (alone).

Both read the settings (``RECOUP_*``, ``RECOUP_CONFIG``): the database, Asterisk's manager
interface (``[ami]``), the console's address (``[console]``) and the MQTT broker, and run until
SIGINT or SIGTERM. ``recoup serve`` also checks promises and "it's paid" claims
(:mod:`recoup.dispositions.follow_up_check`) and builds its campaigns' dialing lists
(:mod:`dialer.campaigns.list_refresh`) at start and every hour; ``recoup dialer`` leaves both
to the process that serves the API (or to ``recoup promises check`` and ``recoup campaign
build``). On a signal they stop cleanly: the dialer stops placing calls, the API closes its
websockets, the AMI session logs off.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
from collections.abc import AsyncIterator

import click
from aiohttp import web

from agent_console.api import make_agent_api
from dialer.ami.session import AmiSettings as SessionSettings
from dialer.campaigns.list_refresh import keep_lists_built
from dialer.engine.runner import DialerSettings
from recoup.clock import Clock, SystemClock
from recoup.contact_centre import ContactCentre, running_dialer
from recoup.dispositions.follow_up_check import keep_follow_ups_checked
from recoup.settings import Settings, load_settings
from recoup.storage.engine import open_engine

log = logging.getLogger(__name__)


def session_settings(settings: Settings) -> SessionSettings:
    ami = settings.ami
    return SessionSettings(
        host=ami.host, port=ami.port, username=ami.username,
        secret=ami.secret.get_secret_value(), action_timeout_s=ami.action_timeout_s,
        ping_interval_s=ami.ping_interval_s,
    )  # fmt: skip


async def wait_for_stop() -> None:
    """Until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()


@contextlib.asynccontextmanager
async def serving_api(
    centre: ContactCentre, clock: Clock, *, host: str, port: int
) -> AsyncIterator[web.AppRunner]:
    """The agent API over ``centre``'s desk, listening on ``host:port`` for the block."""
    app = make_agent_api(
        desk=centre.desk, bus=centre.bus, engine=centre.dialer.engine, clock=clock,
        metrics=centre.dialer.metrics.exposition,
    )  # fmt: skip
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    try:
        yield runner
    finally:
        await runner.cleanup()


def dialer_settings(settings: Settings) -> DialerSettings:
    return DialerSettings(
        dialer_id=f"dialer-{socket.gethostname()}", profile=settings.profile.policy()
    )


async def _serve(settings: Settings, *, api: bool, campaigns: list[str] | None) -> None:
    clock = SystemClock()
    async with (
        open_engine(settings.database_url, schema=settings.database_schema) as engine,
        running_dialer(
            engine=engine, ami=session_settings(settings), clock=clock,
            settings=dialer_settings(settings), campaign_ids=campaigns,
            mqtt_url=settings.mqtt_url,
        ) as centre,
    ):  # fmt: skip
        names = ", ".join(centre.dialer.campaigns) or "none (mark one active)"
        click.echo(
            f"dialer up: Asterisk {settings.ami.host}:{settings.ami.port}, campaigns {names}"
        )
        if api:
            host, port = settings.console.host, settings.console.port

            def running() -> list[str]:
                return list(centre.dialer.campaigns)

            upkeep = [
                asyncio.create_task(keep_follow_ups_checked(engine, clock, centre.bus)),
                asyncio.create_task(
                    keep_lists_built(engine, clock, running, settings.profile.policy())
                ),
            ]
            try:
                async with serving_api(centre, clock, host=host, port=port):
                    click.echo(f"agent API: http://{host}:{port}/api/v1/openapi.json")
                    await wait_for_stop()
            finally:
                for task in upkeep:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
        else:
            await wait_for_stop()
    click.echo("stopped")


@click.command("serve")
@click.option(
    "--campaign", "campaigns", multiple=True, help="Run these campaigns (default: the active ones)."
)
def serve_command(campaigns: tuple[str, ...]) -> None:
    """Run the dialer and the agent API against the configured Asterisk."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    asyncio.run(_serve(load_settings(), api=True, campaigns=list(campaigns) or None))


@click.command("dialer")
@click.option(
    "--campaign", "campaigns", multiple=True, help="Run these campaigns (default: the active ones)."
)
def dialer_command(campaigns: tuple[str, ...]) -> None:
    """Run the dialer alone (several can share one PostgreSQL: leads are claimed safely)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    asyncio.run(_serve(load_settings(), api=False, campaigns=list(campaigns) or None))
