"""``recoup promises check``: the check of promises to pay, once.

``recoup serve`` runs the same check every hour (:mod:`recoup.dispositions.follow_up_check`);
run this after a payments import to see its effect at once, or from cron where only
``recoup dialer`` runs: kept promises end their reminders and checks; a promise whose date has
passed where its debtor lives, unpaid, is broken and its debt goes back on the dialing lists,
where the broken-promise script waits; a debt the debtor said was paid, and that is still not
paid off at its payment check, goes back on them too.
Exit 0 when the check ran; 2 when the database could not be read.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import click
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from recoup.dispositions.follow_up_check import FollowUpCheck, check_follow_ups
from recoup.settings import load_settings
from recoup.storage.engine import open_engine

EXIT_DONE, EXIT_UNREADABLE = 0, 2


@click.group("promises")
def promises_group() -> None:
    """Promises to pay."""


def _count(n: int, what: str) -> str:
    return f"{n} {what}" if n == 1 else f"{n} {what.replace('promise', 'promises')}"


@promises_group.command("check")
def check_command() -> None:
    """Bring every open promise up to date with the payments posted; put the debts of broken
    promises, and of "it's paid" claims no payment bore out, back on the dialing lists (recoup
    serve does it every hour)."""
    try:
        settings = load_settings()
    except ValueError as error:
        raise click.UsageError(str(error)) from None

    async def check() -> FollowUpCheck:
        async with open_engine(settings.database_url, schema=settings.database_schema) as engine:
            return await check_follow_ups(engine, datetime.now(UTC))

    try:
        found = asyncio.run(check())
    except (SQLAlchemyError, OSError) as error:
        where = make_url(settings.database_url).render_as_string(hide_password=True)
        detail = getattr(error, "orig", None) or error  # the driver's words, not the SQL
        click.echo(f"recoup promises check: cannot check {where}: {detail}", err=True)
        raise SystemExit(EXIT_UNREADABLE) from None
    click.echo(f"{_count(found.kept, 'promise kept')}, {_count(found.broken, 'promise broken')}")
    unpaid = len(found.unpaid_claims)
    claims = "debt" if unpaid == 1 else "debts"
    click.echo(f"{unpaid} {claims} said to be paid but not paid off: back on the list")
    raise SystemExit(EXIT_DONE)
