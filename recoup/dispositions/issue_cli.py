"""``recoup issue``: the issue buckets' owners list what is open and resolve it.

An issue an agent opens (a dispute, a billing problem …) stops calls about its debt until it is
resolved; resolving the last one open on a debt that is still owed puts the debt back on the
dialing lists and schedules the call (``--call-at``, else at once: the compliance gate keeps it
inside the calling window). Exit 0 when done; 2 when the issue is not open or the resolution
is missing or unreadable; 1 when the database failed (nothing was written).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar

import click
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from recoup.dispositions.events import IssueResolved
from recoup.dispositions.follow_ups import IssueNotOpenError, resolve_issue
from recoup.domain.model import IssueStatus
from recoup.settings import load_settings
from recoup.storage import tables as t
from recoup.storage.engine import open_engine

EXIT_DONE, EXIT_FAILED, EXIT_REFUSED = 0, 1, 2
T = TypeVar("T")


@click.group("issue")
def issue_group() -> None:
    """Issues opened on calls (disputes and other problems): list and resolve them."""


def _run(work: Callable[[AsyncEngine], Awaitable[T]]) -> T:
    settings = load_settings()

    async def run() -> T:
        async with open_engine(settings.database_url, schema=settings.database_schema) as engine:
            return await work(engine)

    try:
        return asyncio.run(run())
    except (IssueNotOpenError, ValueError) as error:
        click.echo(f"error: {error}", err=True)
        raise SystemExit(EXIT_REFUSED) from None
    except (SQLAlchemyError, OSError) as error:
        detail = getattr(error, "orig", None) or error  # the driver's words, not the SQL
        click.echo(f"error: the database failed, nothing was written: {detail}", err=True)
        raise SystemExit(EXIT_FAILED) from None


@issue_group.command("list")
@click.option("--bucket", help="Only this bucket's issues.")
@click.option("--all", "everything", is_flag=True, help="Resolved ones too.")
def list_command(bucket: str | None, everything: bool) -> None:
    """Open issues, oldest first: id, bucket and owner, debt, when opened, what was said."""

    async def read(engine: AsyncEngine) -> list[str]:
        i = t.issue
        query = select(i).order_by(i.c.opened_at, i.c.id)
        if bucket:
            query = query.where(i.c.bucket == bucket)
        if not everything:
            query = query.where(i.c.status != IssueStatus.RESOLVED.value)
        async with engine.connect() as connection:
            rows = list(await connection.execute(query))
        return [
            f"{r.id}  {r.bucket}{f' ({r.owner})' if r.owner else ''}  debt {r.debt_id}  "
            f"opened {r.opened_at:%Y-%m-%d %H:%M} UTC  {r.status}\n    {r.description}"
            + (f"\n    resolved: {r.resolution}" if r.resolution else "")
            for r in rows
        ]

    lines = _run(read)
    click.echo("\n".join(lines) if lines else "no issue open")


@issue_group.command("resolve")
@click.argument("issue_id", type=int)
@click.argument("resolution")
@click.option(
    "--call-at",
    type=click.DateTime(formats=["%Y-%m-%dT%H:%M%z", "%Y-%m-%dT%H:%M:%S%z"]),
    help="When to call the debtor back, with its offset (2026-12-08T15:00+00:00); default now.",
)
def resolve_command(issue_id: int, resolution: str, call_at: datetime | None) -> None:
    """Resolve issue ISSUE_ID, saying how (RESOLUTION); the debt goes back on the lists when no
    other issue on it is open."""
    now = datetime.now(UTC)

    async def resolve(engine: AsyncEngine) -> IssueResolved:
        async with engine.begin() as connection:
            return await resolve_issue(connection, issue_id, resolution, now, call_at=call_at)

    resolved = _run(resolve)
    if resolved.call_at is None:
        after = "another issue on it is still open, or it is paid: no call scheduled"
    else:
        after = f"back on the lists, call from {resolved.call_at:%Y-%m-%d %H:%M} UTC"
    click.echo(f"issue {issue_id} resolved; debt {resolved.debt_id}: {after}")
