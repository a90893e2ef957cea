"""``recoup demo``: the whole contact centre on pbxsim with sample data, and where to look.

It builds a fresh SQLite database under ``var/demo.db``, imports the sample accounts and
payments (printing what a collections team would see: balances, timezones, payment profiles),
adds ``--debtors`` generated debtors to a predictive campaign, and starts pbxsim, the dialer,
``--agents`` simulated agents and the agent API on a time-scaled clock. ``--headless`` works the
campaign until every lead is worked or the session ends and prints a supervisor's summary
(``--json`` writes it too); without it the contact centre keeps running, serving the agent API,
until Ctrl-C.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path
from typing import Any

import click

from recoup.clock import SystemClock
from recoup.demo_centre import HeadlessOptions, render_summary, run_headless
from recoup.demo_live import run_live as _live
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
@click.option("--headless", is_flag=True, help="Work the campaign, print a summary, exit.")
@click.option("--agents", type=click.IntRange(1, 500), default=5, show_default=True)
@click.option("--debtors", type=click.IntRange(1, 100_000), default=200, show_default=True)
@click.option(
    "--speed", type=click.FloatRange(0.1, 200), default=None,
    help="Simulated seconds per real second (default: 20 headless, 1 live).",
)  # fmt: skip
@click.option("--seed", type=int, default=1, show_default=True)
@click.option(
    "--hours", type=click.FloatRange(0.05, 13), default=8.0, show_default=True,
    help="Length of the calling session (simulated hours).",
)  # fmt: skip
@click.option(
    "--json", "json_file", type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the headless summary as JSON.",
)  # fmt: skip
def demo_command(
    *,
    examples: Path, headless: bool, agents: int, debtors: int, speed: float | None, seed: int,
    hours: float, json_file: Path | None,
) -> None:  # fmt: skip
    """Run the whole contact centre on pbxsim with sample debtors and show where to look."""
    settings = load_settings()
    database = settings.var_dir / "demo.db"
    for stale in (database, database.with_suffix(".db-wal"), database.with_suffix(".db-shm")):
        stale.unlink(missing_ok=True)
    url = f"sqlite+aiosqlite:///{database}"
    reports, files = asyncio.run(_build(url, examples, settings))
    click.echo(_summary(url, reports, files, settings))
    speed = speed or (20.0 if headless else 1.0)
    options = HeadlessOptions(agents=agents, debtors=debtors, speed=speed, seed=seed, hours=hours)
    folder = settings.var_dir / "demo-debtors"
    if headless:
        summary = asyncio.run(_headless(url, folder, options, settings.mqtt_url))
        click.echo(render_summary(summary))
        if json_file is not None:
            json_file.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
            click.echo(f"\nsummary written to {json_file}")
        return
    asyncio.run(_live(url, folder, options, settings))


async def _headless(
    url: str, folder: Path, options: HeadlessOptions, mqtt_url: str | None
) -> dict[str, Any]:
    async with open_engine(url) as engine:
        return await run_headless(engine, folder, options, mqtt_url=mqtt_url)


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
        "Also worth a look:",
        f"  the database file: {url.removeprefix('sqlite+aiosqlite:///')}",
        "  recoup --help                      every command",
        "  recoup audit compliance            the stored history checked against the law",
        "  recoup simulate bench/pacing-scenarios.toml --seeds 1   the pacing what-if",
        "  recoup ami decode tests/fixtures/asterisk/b_originate_answer_queue.txt",
    ]
    return "\n".join(lines)
