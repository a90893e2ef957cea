"""Running an import: read, validate, and write the good rows in one transaction."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy import false, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from recoup.imports import accounts, payments
from recoup.imports.csv_file import RowError, read_csv
from recoup.imports.report import ImportReport
from recoup.storage import tables as t

Progress = Callable[[int], None]


def _no_progress(_n: int) -> None:
    return None


async def import_accounts(
    engine: AsyncEngine,
    path: Path,
    *,
    now: datetime,
    default_region: str,
    default_timezone: str,
    dry_run: bool = False,
    encoding: str = "utf-8",
    progress: Progress = _no_progress,
) -> ImportReport:
    csv_file = await asyncio.to_thread(
        read_csv, path, accounts.REQUIRED, accounts.OPTIONAL, encoding=encoding
    )
    report = ImportReport("account", path.name)
    _note_file_problems(report, csv_file.ignored_columns, csv_file.malformed)
    parsed = accounts.parse_accounts(
        csv_file, report,
        default_region=default_region, default_timezone=default_timezone,
        now=now, progress=progress,
    )  # fmt: skip
    async with engine.begin() as connection:
        if not dry_run:
            await _one_import_at_a_time(connection)
        plan = await accounts.plan_accounts(connection, parsed, report)
        if dry_run:
            await connection.rollback()
            return report
        await accounts.write_accounts(connection, plan)
        await _record_run(connection, report, csv_file.sha256, now)
        report.notes.append(
            f"{len(plan.debtors)} new debtors, {len(plan.accounts)} new accounts, "
            f"{len(plan.debts)} debts"
        )
        if plan.restrictions:
            report.notes.append(
                "do-not-call or cease-communication set on known debtor(s): "
                + ", ".join(sorted(plan.restrictions))
            )
    report.written = True
    return report


async def import_payments(
    engine: AsyncEngine,
    path: Path,
    *,
    now: datetime,
    dry_run: bool = False,
    encoding: str = "utf-8",
    progress: Progress = _no_progress,
) -> ImportReport:
    csv_file = await asyncio.to_thread(
        read_csv, path, payments.REQUIRED, payments.OPTIONAL, encoding=encoding
    )
    report = ImportReport("payment", path.name)
    _note_file_problems(report, csv_file.ignored_columns, csv_file.malformed)
    parsed = payments.parse_payments(csv_file, report, now=now, progress=progress)
    async with engine.begin() as connection:
        if not dry_run:
            await _one_import_at_a_time(connection)
        plan = await payments.plan_payments(connection, csv_file, parsed, report, now=now)
        if dry_run:
            await connection.rollback()
            return report
        counts = await payments.write_payments(connection, plan, now=now)
        await _record_run(connection, report, csv_file.sha256, now)
        report.notes.append(
            f"{counts['payments']} payment postings, {counts['debts_paid']} debts paid off, "
            f"{counts['promises_updated']} promises updated, "
            f"{counts['follow_ups_settled']} follow-ups settled, "
            f"{counts['leads_removed']} leads taken off dialing lists"
        )
    report.written = True
    return report


_IMPORT_LOCK = 0x5245434F5550  # "RECOUP": the advisory lock every import takes on PostgreSQL


async def _one_import_at_a_time(connection: AsyncConnection) -> None:
    """Wait, at the start of the transaction, until no other import is writing.

    An import checks its rows against what is stored (ids already imported, payments already
    posted, balances) and then writes. Two imports at the same moment (the same file run twice,
    two files paying one debt) would both check against the old state: the second would fail on
    a unique key, or post a payment over a balance the first has already lowered. Holding one
    lock from before the checks until the commit makes the second see what the first wrote.
    PostgreSQL: a transaction-scoped advisory lock. SQLite: a write statement first, which takes
    the database's write lock (and waits the busy timeout for it), which is why the rows are
    parsed before it: other writers wait only for the checks and the writes.
    """
    if connection.dialect.name == "postgresql":
        await connection.execute(select(func.pg_advisory_xact_lock(_IMPORT_LOCK)))
    else:
        await connection.execute(
            update(t.import_run).where(false()).values(kind=t.import_run.c.kind)
        )


def _note_file_problems(
    report: ImportReport, ignored: tuple[str, ...], malformed: tuple[RowError, ...]
) -> None:
    if ignored:
        report.notes.append(f"ignored unknown column(s): {', '.join(ignored)}")
    for error in malformed:
        report.reject(error)


async def _record_run(
    connection: AsyncConnection, report: ImportReport, sha256: str, now: datetime
) -> None:
    await connection.execute(
        insert(t.import_run).values(
            kind=report.kind,
            file_name=report.file_name,
            sha256=sha256,
            rows_total=report.total,
            rows_taken=report.taken,
            rows_rejected=len(report.rejected),
            at=now,
        )
    )
