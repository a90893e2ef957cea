"""``recoup campaign``: a collections manager defines campaigns and builds their dialing lists.

A campaign's settings are a TOML or JSON file (``examples/campaign.toml`` names every key, with
the defaults), validated before anything is stored: a refused file is reported key by key and
stores nothing. ``build`` selects the debts and writes the leads (see
:mod:`dialer.campaigns.lists`); ``recoup serve`` rebuilds its campaigns' lists every hour, so
new accounts reach them without a restart.

Exit 0 when the command did what it says; 2 when what it was given does not hold (a refused
file, an unknown campaign, an id taken); 1 when the database failed (nothing was written).
"""

from __future__ import annotations

import asyncio
import json
import re
import tomllib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from dialer.campaigns.config import CampaignConfig, CampaignConfigError, load_campaign_config
from dialer.campaigns.lists import (
    CampaignNotFoundError,
    ListBuild,
    build_dialing_list,
    campaign_config,
    create_campaign,
    update_campaign_config,
)
from recoup.rules.payment_profile import ProfilePolicy
from recoup.scripts.library import seed_default_scripts
from recoup.settings import load_settings
from recoup.storage import tables as t
from recoup.storage.engine import open_engine
from recoup.storage.migrate import upgrade

EXIT_DONE, EXIT_FAILED, EXIT_REFUSED = 0, 1, 2
_FILE = click.Path(exists=True, dir_okay=False, readable=True, path_type=Path)
T = TypeVar("T")
_CAMPAIGN_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


class CampaignRefusedError(Exception):
    """What the manager gave does not hold; the message says why."""


@click.group("campaign")
def campaign_group() -> None:
    """Campaigns: define them, switch them on and off, build their dialing lists."""


def read_config_file(path: Path) -> CampaignConfig:
    """The campaign settings in ``path`` (``.toml`` or ``.json``), validated."""
    try:
        text = path.read_text(encoding="utf-8")
        data: Any = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, json.JSONDecodeError) as error:
        msg = f"{path.name} cannot be read as {path.suffix.lstrip('.') or 'JSON'}: {error}"
        raise CampaignRefusedError(msg) from None
    if path.suffix.lower() not in (".toml", ".json"):
        msg = f"{path.name}: name a .toml or .json file"
        raise CampaignRefusedError(msg)
    try:
        return load_campaign_config(data)
    except CampaignConfigError as error:
        raise CampaignRefusedError(f"{path.name}: {error}") from None


def _run(work: Callable[[AsyncEngine], Awaitable[T]]) -> T:
    """``work`` on the configured database (migrated first); exits 2 or 1 when it fails."""
    settings = load_settings()

    async def run() -> T:
        await upgrade(settings.database_url, schema=settings.database_schema)
        async with open_engine(settings.database_url, schema=settings.database_schema) as engine:
            return await work(engine)

    try:
        return asyncio.run(run())
    except CampaignRefusedError as error:
        click.echo(f"error: {error}", err=True)
        raise SystemExit(EXIT_REFUSED) from None
    except CampaignNotFoundError as error:
        click.echo(f"error: no campaign {error.args[0]!r} (recoup campaign list)", err=True)
        raise SystemExit(EXIT_REFUSED) from None
    except (SQLAlchemyError, OSError) as error:
        detail = getattr(error, "orig", None) or error  # the driver's words, not the SQL
        click.echo(f"error: the database failed, nothing was written: {detail}", err=True)
        raise SystemExit(EXIT_FAILED) from None


async def _store(
    engine: AsyncEngine, config: CampaignConfig, store: Callable[[Any], Awaitable[None]]
) -> None:
    """Seed the shipped scripts (rules may name them), check that every script the rules name
    exists, then ``store``, in one transaction."""
    try:
        async with engine.begin() as connection:
            await seed_default_scripts(connection)
            known = set((await connection.execute(select(t.script.c.id))).scalars())
            if missing := sorted({r.script_id for r in config.scripts} - known):
                msg = f"scripts: no script {', '.join(missing)} (the shipped ones: {_ids(known)})"
                raise CampaignRefusedError(msg)
            await store(connection)
    except IntegrityError:
        msg = "a campaign with this id exists already (recoup campaign update)"
        raise CampaignRefusedError(msg) from None


def _ids(known: set[str]) -> str:
    return ", ".join(sorted(known))


@campaign_group.command("create")
@click.argument("campaign_id")
@click.argument("file", type=_FILE)
@click.option("--name", help="What supervisors see (default: the id).")
@click.option("--active", is_flag=True, help="Dialed by the next recoup serve / dialer start.")
def create_command(campaign_id: str, file: Path, name: str | None, active: bool) -> None:
    """Define campaign CAMPAIGN_ID with the settings in FILE (TOML or JSON)."""
    if not _CAMPAIGN_ID.fullmatch(campaign_id):
        click.echo("error: a campaign id is 1-64 letters, digits, - and _", err=True)
        raise SystemExit(EXIT_REFUSED)
    config = _config_or_exit(file)
    now = datetime.now(UTC)
    _run(
        lambda engine: _store(
            engine,
            config,
            lambda c: create_campaign(
                c, campaign_id, name or campaign_id, config, now=now, active=active
            ),
        )
    )
    state = "active" if active else "inactive (recoup campaign activate)"
    click.echo(f"campaign {campaign_id}: created, {config.dial_mode.value}, {state}")


@campaign_group.command("update")
@click.argument("campaign_id")
@click.argument("file", type=_FILE)
def update_command(campaign_id: str, file: Path) -> None:
    """Replace campaign CAMPAIGN_ID's settings with those in FILE; a running dialer takes them
    at its next start."""
    config = _config_or_exit(file)
    _run(
        lambda engine: _store(
            engine, config, lambda c: update_campaign_config(c, campaign_id, config)
        )
    )
    click.echo(f"campaign {campaign_id}: settings replaced")


def _config_or_exit(file: Path) -> CampaignConfig:
    try:
        return read_config_file(file)
    except CampaignRefusedError as error:
        click.echo(f"error: {error}", err=True)
        raise SystemExit(EXIT_REFUSED) from None


def _set_active(campaign_id: str, active: bool) -> None:
    async def switch(engine: AsyncEngine) -> None:
        async with engine.begin() as connection:
            result = await connection.execute(
                update(t.campaign).where(t.campaign.c.id == campaign_id).values(active=active)
            )
            if result.rowcount == 0:
                raise CampaignNotFoundError(campaign_id)

    _run(switch)


@campaign_group.command("activate")
@click.argument("campaign_id")
def activate_command(campaign_id: str) -> None:
    """Mark CAMPAIGN_ID active: recoup serve and recoup dialer run it from their next start."""
    _set_active(campaign_id, True)
    click.echo(f"campaign {campaign_id}: active")


@campaign_group.command("deactivate")
@click.argument("campaign_id")
def deactivate_command(campaign_id: str) -> None:
    """Mark CAMPAIGN_ID inactive (a running dialer is stopped with the bus command
    campaigns/<id>/stop)."""
    _set_active(campaign_id, False)
    click.echo(f"campaign {campaign_id}: inactive")


@campaign_group.command("show")
@click.argument("campaign_id")
def show_command(campaign_id: str) -> None:
    """Print CAMPAIGN_ID's settings as JSON, defaults filled in."""

    async def read(engine: AsyncEngine) -> CampaignConfig:
        async with engine.connect() as connection:
            return await campaign_config(connection, campaign_id)

    click.echo(json.dumps(_run(read).to_json(), indent=2, sort_keys=True))


@campaign_group.command("list")
def list_command() -> None:
    """Every campaign: active or not, dial mode, abandon target and its leads by status."""

    async def read(engine: AsyncEngine) -> list[str]:
        c, lead = t.campaign, t.campaign_lead
        async with engine.connect() as connection:
            campaigns = list(await connection.execute(select(c).order_by(c.c.id)))
            counts = await connection.execute(
                select(lead.c.campaign_id, lead.c.status, func.count()).group_by(
                    lead.c.campaign_id, lead.c.status
                )
            )
        leads: dict[str, dict[str, int]] = {}
        for campaign_id, status, n in counts:
            leads.setdefault(campaign_id, {})[status] = n
        return [
            f"{row.id}  {'active' if row.active else 'inactive'}  {row.dial_mode}  "
            f"abandon target {row.abandon_target / 100:g}%  {row.name}\n    leads: "
            + (", ".join(f"{s} {n}" for s, n in sorted(leads.get(row.id, {}).items())) or "none")
            for row in campaigns
        ]

    lines = _run(read)
    click.echo("\n".join(lines) if lines else "no campaign yet (recoup campaign create)")


def render_build(build: ListBuild) -> str:
    """What a build did, in a manager's words."""
    lines = [
        f"campaign {build.campaign_id}: {build.on_list} leads on the list "
        f"({build.added} added, {build.refreshed} already there, priorities refreshed)"
    ]
    for title, reasons in (("taken off", build.removed), ("not added", build.skipped)):
        if reasons:
            detail = ", ".join(f"{why} {n}" for why, n in reasons.most_common())
            lines.append(f"  {title}: {sum(reasons.values())} ({detail})")
    return "\n".join(lines)


async def build_lists(
    engine: AsyncEngine, campaign_ids: list[str], now: datetime, policy: ProfilePolicy
) -> list[ListBuild]:
    """Each campaign's list, built in its own transaction (one that fails leaves the others)."""
    builds = []
    for campaign_id in campaign_ids:
        async with engine.begin() as connection:
            builds.append(await build_dialing_list(connection, campaign_id, now.date(), policy))
    return builds


@campaign_group.command("build")
@click.argument("campaign_ids", nargs=-1)
@click.option("--active", "all_active", is_flag=True, help="Every active campaign.")
def build_command(campaign_ids: tuple[str, ...], all_active: bool) -> None:
    """Select the debts of each campaign named (or of every active one) and write their leads:
    new debts are added, priorities refreshed, leads that no longer qualify taken off."""
    if not campaign_ids and not all_active:
        click.echo("error: name the campaigns to build, or --active", err=True)
        raise SystemExit(EXIT_REFUSED)
    policy = load_settings().profile.policy()

    async def build(engine: AsyncEngine) -> list[ListBuild]:
        ids = list(campaign_ids)
        if all_active:
            async with engine.connect() as connection:
                active = select(t.campaign.c.id).where(t.campaign.c.active.is_(True))
                ids += [i for i in (await connection.execute(active)).scalars() if i not in ids]
        return await build_lists(engine, ids, datetime.now(UTC), policy)

    builds = _run(build)
    click.echo("\n".join(render_build(b) for b in builds) or "no active campaign")
