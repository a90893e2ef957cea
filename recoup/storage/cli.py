"""``recoup db``: the database's schema."""

from __future__ import annotations

import asyncio

import click

from recoup.settings import load_settings
from recoup.storage.engine import open_engine
from recoup.storage.migrate import current_revision, head_revision, upgrade


@click.group("db")
def db_group() -> None:
    """The database: create it or bring its schema up to date."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Alembic revision.")
def upgrade_command(revision: str) -> None:
    """Create the database, or migrate it to the newest schema (safe to repeat)."""
    settings = load_settings()
    asyncio.run(upgrade(settings.database_url, revision, schema=settings.database_schema))
    click.echo(f"database at {settings.database_url} is at revision {revision}")


@db_group.command("status")
def status_command() -> None:
    """Show the database's schema revision and the newest one this Recoup knows."""
    settings = load_settings()

    async def read() -> str | None:
        async with open_engine(settings.database_url, schema=settings.database_schema) as e:
            return await current_revision(e)

    current = asyncio.run(read())
    click.echo(
        f"database: {settings.database_url}\ncurrent:  {current}\nnewest:   {head_revision()}"
    )
