"""``recoup user``: add and list the people who log in."""

from __future__ import annotations

import asyncio
import sys

import click

from recoup.clock import SystemClock
from recoup.domain.model import Role
from recoup.settings import load_settings
from recoup.storage.engine import open_engine
from recoup.storage.migrate import upgrade
from recoup.users.accounts import UserError, add_user, list_users


@click.group("user")
def user_group() -> None:
    """Users of the console: agents, supervisors, QA reviewers, admins."""


@user_group.command("add")
@click.argument("username")
@click.option(
    "--role", "roles", multiple=True, required=True,
    type=click.Choice([r.value for r in Role]), help="Repeat for several roles.",
)  # fmt: skip
@click.option("--name", "display_name", default="", help="The name shown in the console.")
@click.option("--extension", default="", help="An agent's phone extension (queue member).")
@click.password_option(help="Asked for when not given (at least 10 characters).")
def add_command(
    username: str, roles: tuple[str, ...], display_name: str, extension: str, password: str
) -> None:
    """Add a user."""
    settings = load_settings()

    async def run() -> None:
        await upgrade(settings.database_url, schema=settings.database_schema)
        async with (
            open_engine(settings.database_url, schema=settings.database_schema) as engine,
            engine.begin() as connection,
        ):
            await add_user(
                connection, username, password, frozenset(Role(r) for r in roles),
                now=SystemClock().now(), display_name=display_name, extension=extension,
            )  # fmt: skip

    try:
        asyncio.run(run())
    except UserError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    click.echo(f"added {username} ({', '.join(sorted(roles))})")


@user_group.command("list")
def list_command() -> None:
    """List users and their roles."""
    settings = load_settings()

    async def run() -> None:
        async with (
            open_engine(settings.database_url, schema=settings.database_schema) as engine,
            engine.connect() as connection,
        ):
            for user in await list_users(connection):
                roles = ",".join(sorted(r.value for r in user.roles))
                state = "" if user.active else " (disabled)"
                click.echo(
                    f"{user.username:20} {roles:28} {user.extension:8} {user.display_name}{state}"
                )

    asyncio.run(run())
