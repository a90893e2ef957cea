"""``recoup demo``: the whole system on sample data, and where to look.

Today it builds a fresh SQLite database under ``var/demo.db``, imports the sample accounts and
payments, and prints a summary of what a collections team would see: balances, the debtors'
timezones and their payment profiles. Later parts (the dialer on pbxsim, the console) join it.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import click

from recoup.clock import SystemClock
from recoup.domain.money import Money
from recoup.imports.report import ImportReport
from recoup.imports.run import import_accounts, import_payments
from recoup.settings import Settings, load_settings
from recoup.storage.debtor_file import DebtorFile, load_debtor_files
from recoup.storage.engine import open_engine
from recoup.storage.migrate import upgrade

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@click.command("demo")
@click.option(
    "--examples", type=click.Path(file_okay=False, path_type=Path), default=EXAMPLES,
    show_default=True, help="Folder with accounts.csv and payments.csv.",
)  # fmt: skip
def demo_command(examples: Path) -> None:
    """Build a demo database from the sample files and show what Recoup makes of it."""
    settings = load_settings()
    database = settings.var_dir / "demo.db"
    for stale in (database, database.with_suffix(".db-wal"), database.with_suffix(".db-shm")):
        stale.unlink(missing_ok=True)
    url = f"sqlite+aiosqlite:///{database}"
    reports, files = asyncio.run(_build(url, examples, settings))
    click.echo(_summary(url, reports, files, settings))


async def _build(
    url: str, examples: Path, settings: Settings
) -> tuple[list[ImportReport], list[DebtorFile]]:
    clock = SystemClock()
    await upgrade(url)
    async with open_engine(url) as engine:
        accounts = await import_accounts(
            engine, examples / "accounts.csv", now=clock.now(),
            default_region=settings.default_phone_region,
            default_timezone=settings.default_timezone,
        )  # fmt: skip
        payments = await import_payments(engine, examples / "payments.csv", now=clock.now())
        async with engine.connect() as connection:
            files = await load_debtor_files(connection)
    return [accounts, payments], files


def _summary(
    url: str, reports: list[ImportReport], files: list[DebtorFile], settings: Settings
) -> str:
    today = SystemClock().now().date()
    policy = settings.profile.policy()
    lines = ["", "Recoup demo", "===========", f"database: {url}", ""]
    lines += [r.render() for r in reports]
    owed: Counter[str] = Counter()
    for f in files:
        for d in f.debts:
            owed[d.currency] += d.balance_minor
    lines += ["", "Outstanding: " + ", ".join(str(Money(v, c)) for c, v in sorted(owed.items()))]
    lines += ["", f"{'debtor':24} {'timezone':22} {'from':9} {'owes':>14}  profile"]
    profiles: Counter[str] = Counter()
    for f in files:
        verdict = f.profile(today, policy)
        profiles[verdict.profile.value] += 1
        balance = sum(d.balance_minor for d in f.debts)
        currency = f.debts[0].currency if f.debts else "USD"
        flags = " (do not call)" if f.debtor.do_not_call else ""
        flags += " (cease communication)" if f.debtor.cease_communication else ""
        lines.append(
            f"{f.debtor.name:24} {f.debtor.timezone:22} {f.debtor.timezone_source:9} "
            f"{Money(balance, currency)!s:>14}  {verdict.profile.value}{flags}"
        )
        lines.append(f"{'':24} {verdict.reasons[0]}")
    lines += ["", "Payment profiles: " + ", ".join(f"{k} {v}" for k, v in sorted(profiles.items()))]
    lines += [
        "",
        "Where to look next:",
        f"  the database file: {url.removeprefix('sqlite+aiosqlite:///')}",
        "  recoup --help                      every command",
        "  recoup simulate bench/pacing-scenarios.toml --seeds 1   the pacing what-if",
        "  recoup ami decode tests/fixtures/asterisk/b_originate_answer_queue.txt",
    ]
    return "\n".join(lines)
