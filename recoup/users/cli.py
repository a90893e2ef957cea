"""``recoup user``: add, change and list the people who log in.

Exit 0 when done; 2 when the user or what was asked does not hold (unknown user, short
password, no role)."""

from __future__ import annotations

import asyncio
import sys

import click

from recoup.clock import SystemClock
from recoup.domain.model import Role
from recoup.settings import load_settings
from recoup.storage.engine import open_engine
from recoup.storage.migrate import upgrade
from recoup.users.accounts import UserError, add_user, change_user, list_users

_roles = click.option(
    "--role", "roles", multiple=True, required=True,
    type=click.Choice([r.value for r in Role]), help="Repeat for several roles.",
)  # fmt: skip


@click.group("user")
def user_group() -> None:
    """Users of the console: agents, supervisors, QA reviewers, admins."""


@user_group.command("add")
@click.argument("username")
@_roles
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


def _change(
    username: str,
    *,
    active: bool | None = None,
    password: str | None = None,
    roles: frozenset[Role] | None = None,
) -> None:
    settings = load_settings()

    async def run() -> None:
        async with (
            open_engine(settings.database_url, schema=settings.database_schema) as engine,
            engine.begin() as connection,
        ):
            await change_user(connection, username, active=active, password=password, roles=roles)

    try:
        asyncio.run(run())
    except UserError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)


@user_group.command("disable")
@click.argument("username")
def disable_command(username: str) -> None:
    """Switch USERNAME's account off (someone who left): no login, and open console sessions
    end within a minute."""
    _change(username, active=False)
    click.echo(f"{username} disabled")


@user_group.command("enable")
@click.argument("username")
def enable_command(username: str) -> None:
    """Switch USERNAME's account on again."""
    _change(username, active=True)
    click.echo(f"{username} enabled")


@user_group.command("password")
@click.argument("username")
@click.password_option(help="Asked for when not given (at least 10 characters).")
def password_command(username: str, password: str) -> None:
    """Set a new password for USERNAME."""
    _change(username, password=password)
    click.echo(f"{username}: password changed")


@user_group.command("roles")
@click.argument("username")
@_roles
def roles_command(username: str, roles: tuple[str, ...]) -> None:
    """Replace USERNAME's roles (open sessions take them within a minute)."""
    _change(username, roles=frozenset(Role(r) for r in roles))
    click.echo(f"{username}: {', '.join(sorted(roles))}")
