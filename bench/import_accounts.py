"""Benchmark: importing 100,000 account rows into SQLite. Prints JSON (goal: under 60 s).

Run: ``make bench-import`` (or ``.venv/bin/python bench/import_accounts.py [--rows N]``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from recoup.imports.run import import_accounts
from recoup.storage.engine import open_engine
from recoup.storage.migrate import upgrade

STATES = [
    ("NY", "212", "10001"), ("IL", "312", "60654"), ("TX", "713", "77002"),
    ("CA", "415", "94105"), ("AZ", "602", "85012"), ("WA", "206", "98104"),
    ("FL", "305", "33130"), ("CO", "303", "80202"), ("GA", "404", "30303"),
]  # fmt: skip
FIRST = ["Maria", "James", "Linda", "Robert", "Aiyana", "Grace", "Owen", "Dana", "Ahmed", "Chen"]
LAST = ["Lopez", "Carter", "Okafor", "Nguyen", "Begay", "Kim", "Price", "Hassan", "Miller"]


def write_file(path: Path, rows: int, seed: int) -> None:
    rng = random.Random(seed)
    start = date(2026, 1, 1)
    with path.open("w", encoding="utf-8") as f:
        f.write(
            "account_id,debt_id,first_name,last_name,phone,address_line1,city,region,"
            "postal_code,country,original_balance,currency,due_date\n"
        )
        for i in range(rows):
            account = i // 2  # two debts per account
            region, area, zip_code = STATES[account % len(STATES)]
            first, last = FIRST[account % len(FIRST)], LAST[account % len(LAST)]
            balance = rng.randint(2_000, 900_000)
            due = start + timedelta(days=rng.randint(0, 300))
            f.write(
                f"A{account:07d},D{i:08d},{first},{last},"
                f"({area}) 555-{account % 10000:04d},{account} Main St,Town,{region},"
                f"{zip_code},US,{balance / 100:.2f},USD,{due.isoformat()}\n"
            )


async def run(rows: int, seed: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        csv_path = folder / "accounts.csv"
        write_file(csv_path, rows, seed)
        url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
        await upgrade(url)
        async with open_engine(url) as engine:
            began = time.perf_counter()
            report = await import_accounts(
                engine, csv_path, now=datetime.now(UTC), default_region="US",
                default_timezone="America/New_York",
            )  # fmt: skip
            elapsed = time.perf_counter() - began
        return {
            "benchmark": "import_accounts",
            "database": "sqlite",
            "rows": rows,
            "taken": report.taken,
            "rejected": len(report.rejected),
            "seconds": round(elapsed, 2),
            "rows_per_s": round(rows / elapsed),
            "goal_s": 60,
            "goal_met": elapsed < 60 and report.taken == rows,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.rows, args.seed)), indent=2))


if __name__ == "__main__":
    main()
