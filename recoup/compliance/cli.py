"""``recoup audit compliance``: the stored history checked against the dialing rules.

Exit 0: no breach; 1: at least one breach; 2: bad usage, or the database or a campaign's
configuration could not be read.
"""

from __future__ import annotations

import asyncio
import importlib
import json
from datetime import UTC, datetime

import click
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from recoup.compliance.audit import AuditReport, Finding, run_audit
from recoup.compliance.campaign_policy import CampaignPolicyError
from recoup.settings import load_settings
from recoup.storage.engine import open_engine

EXIT_CLEAN, EXIT_BREACH, EXIT_UNREADABLE = 0, 1, 2
_COLUMNS = ("RULE", "WHEN (UTC)", "CAMPAIGN", "DEBT", "DEBTOR", "WHAT")


@click.group("audit")
def audit_group() -> None:
    """Audits of the stored history (exit 0: clean; 1: breaches found; 2: could not run)."""


@audit_group.command("compliance")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--campaign", "campaign_id", default=None, help="Only this campaign's calls.")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]),
    default=None,
    help="Only calls from this date (UTC) on; earlier ones still count as history.",
)
def compliance_command(as_json: bool, campaign_id: str | None, since: datetime | None) -> None:
    """Replay every call against calling hours, Reg F's call caps, do-not-call and
    cease-communication flags, UK mode's 72 hours, and the abandon cap; list the breaches."""
    try:
        settings = load_settings()
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    since_utc = since.replace(tzinfo=UTC) if since is not None else None

    async def audit() -> AuditReport:
        async with (
            open_engine(settings.database_url, schema=settings.database_schema) as engine,
            engine.connect() as connection,
        ):
            return await run_audit(connection, campaign_id=campaign_id, since=since_utc)

    unreadable: tuple[type[Exception], ...] = (
        SQLAlchemyError,
        OSError,
        CampaignPolicyError,
        *_driver_errors(),
    )
    try:
        report = asyncio.run(audit())
    except unreadable as error:
        where = make_url(settings.database_url).render_as_string(hide_password=True)
        detail = getattr(error, "orig", None) or error  # the driver's words, not the SQL
        click.echo(f"recoup audit compliance: cannot audit {where}: {detail}", err=True)
        raise SystemExit(EXIT_UNREADABLE) from None
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2))
    else:
        click.echo(describe(report))
    raise SystemExit(EXIT_CLEAN if report.clean else EXIT_BREACH)


def _driver_errors() -> tuple[type[Exception], ...]:
    """PostgreSQL errors asyncpg raises while connecting, before SQLAlchemy wraps anything."""
    try:
        driver = importlib.import_module("asyncpg")
    except ImportError:
        return ()
    found = (getattr(driver, name, None) for name in ("PostgresError", "InterfaceError"))
    return tuple(e for e in found if isinstance(e, type) and issubclass(e, Exception))


def _row(f: Finding) -> tuple[str, ...]:
    when = f"{f.at:%Y-%m-%d %H:%M}" if f.at else f"from {f.day}"
    return (
        f.rule.value,
        when,
        f.campaign_id or "-",
        f.debt_id or "-",
        f.debtor_id or "-",
        f.detail,
    )


def describe(report: AuditReport) -> str:
    """The report as a table a supervisor (or a regulator) reads."""
    span = (
        f", {report.first_call:%Y-%m-%d} to {report.last_call:%Y-%m-%d}"
        if report.first_call and report.last_call
        else ""
    )
    lines = [
        f"Compliance audit: {report.calls_checked} call(s) about {report.debts_checked} debt(s), "
        f"{len(report.campaigns)} campaign(s){span}"
    ]
    if report.clean:
        lines.append("No breach found.")
    else:
        rows = [_COLUMNS, *(_row(f) for f in report.findings)]
        widths = [max(len(r[i]) for r in rows) for i in range(len(_COLUMNS) - 1)]
        lines.append(f"{len(report.findings)} breach(es):")
        for r in rows:
            cells = [c.ljust(w) for c, w in zip(r, widths, strict=False)]
            lines.append("  ".join([*cells, r[-1]]))
        counts = ", ".join(f"{rule} {n}" for rule, n in report.counts().items())
        lines.append(f"By rule: {counts}")
    lines.append("Limits of this audit:")
    lines.extend(f"- {note}" for note in report.limitations)
    return "\n".join(lines)
