"""``recoup import``: the creditor's account and payment files."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import click

from recoup.clock import SystemClock
from recoup.imports.csv_file import ImportFileError
from recoup.imports.report import EXIT_FAILED, ImportReport
from recoup.imports.run import Progress, import_accounts, import_payments
from recoup.settings import load_settings
from recoup.storage.engine import open_engine
from recoup.storage.migrate import upgrade

_FILE = click.Path(exists=True, dir_okay=False, readable=True, path_type=Path)
_common = [
    click.option("--dry-run", is_flag=True, help="Check every row, write nothing."),
    click.option("--encoding", default="utf-8", show_default=True, help="The file's encoding."),
    click.option("--json", "as_json", is_flag=True, help="Print the report as JSON."),
]


def _options(f: Callable[..., None]) -> Callable[..., None]:
    for option in reversed(_common):
        f = option(f)
    return f


@click.group("import")
def import_group() -> None:
    """Import the creditor's files (exit 0: every row taken; 2: some rows rejected; 1: failed)."""


@import_group.command("accounts")
@click.argument("file", type=_FILE)
@_options
def accounts_command(file: Path, dry_run: bool, encoding: str, as_json: bool) -> None:
    """Import debtors, accounts and debts from FILE (one row per debt; see the README)."""
    settings = load_settings()

    def run(engine_url: str, progress: Progress) -> Coroutine[Any, Any, ImportReport]:
        return _with_engine(
            engine_url,
            settings.database_schema,
            lambda engine: import_accounts(
                engine,
                file,
                now=SystemClock().now(),
                default_region=settings.default_phone_region,
                default_timezone=settings.default_timezone,
                dry_run=dry_run,
                encoding=encoding,
                progress=progress,
            ),
        )

    _run_import(file, settings.database_url, run, as_json)


@import_group.command("payments")
@click.argument("file", type=_FILE)
@_options
def payments_command(file: Path, dry_run: bool, encoding: str, as_json: bool) -> None:
    """Post payments from FILE: lower balances, settle promises, stop calls about paid debts."""
    settings = load_settings()

    def run(engine_url: str, progress: Progress) -> Coroutine[Any, Any, ImportReport]:
        return _with_engine(
            engine_url,
            settings.database_schema,
            lambda engine: import_payments(
                engine,
                file,
                now=SystemClock().now(),
                dry_run=dry_run,
                encoding=encoding,
                progress=progress,
            ),
        )

    _run_import(file, settings.database_url, run, as_json)


async def _with_engine(
    url: str, schema: str | None, body: Callable[..., Coroutine[Any, Any, ImportReport]]
) -> ImportReport:
    await upgrade(url, schema=schema)
    async with open_engine(url, schema=schema) as engine:
        return await body(engine)


def _count_lines(path: Path) -> int:
    with path.open("rb") as f:
        return max(0, sum(1 for _ in f) - 1)


def _run_import(
    file: Path,
    url: str,
    run: Callable[[str, Progress], Coroutine[Any, Any, ImportReport]],
    as_json: bool,
) -> None:
    show_bar = sys.stderr.isatty() and not as_json
    try:
        if show_bar:
            with click.progressbar(
                length=_count_lines(file), label=f"checking {file.name}", file=sys.stderr
            ) as bar:
                report = asyncio.run(run(url, bar.update))
        else:
            report = asyncio.run(run(url, lambda _n: None))
    except ImportFileError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except Exception as exc:  # the database refused: nothing was written
        click.echo(f"error: import failed, nothing was written: {exc}", err=True)
        sys.exit(EXIT_FAILED)
    click.echo(json.dumps(report.as_dict(), indent=2) if as_json else report.render())
    sys.exit(report.exit_code)
