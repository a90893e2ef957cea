"""``recoup promises check``: the daily run that finds broken promises and puts their debts
back on the dialing list (without it, a debtor who breaks a promise is never called again)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from recoup.dispositions.apply import apply_disposition
from recoup.dispositions.plan import local_today
from recoup.dispositions.record import PromiseToPay
from recoup.domain.money import Money
from recoup.imports.run import import_accounts
from recoup.storage import tables as t
from recoup.storage.engine import make_engine
from recoup.storage.migrate import upgrade

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def recoup(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RECOUP_DATABASE_URL": url}
    env.pop("RECOUP_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "recoup", *args],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip


async def test_a_promise_broken_last_week_puts_the_debt_back_on_the_list(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'r.db'}"
    await upgrade(url)
    engine = make_engine(url)
    ten_days_ago = datetime.now(UTC) - timedelta(days=10)
    try:
        await import_accounts(engine, EXAMPLES / "accounts.csv", now=ten_days_ago,
                              default_region="US", default_timezone="America/New_York")  # fmt: skip
        async with engine.begin() as c:
            await c.execute(insert(t.campaign).values(id="c1", name="c1", config={},
                                                      created_at=ten_days_ago))  # fmt: skip
            await c.execute(insert(t.campaign_lead).values(campaign_id="c1", debt_id="INV-1001-2"))
            due = local_today(ten_days_ago, "America/New_York") + timedelta(days=2)
            await apply_disposition(
                c, PromiseToPay(Money.parse("100.00", "USD"), due), now=ten_days_ago,
                debt_id="INV-1001-2", agent="alex",
            )  # fmt: skip
        result = recoup(url, "promises", "check")
        assert result.returncode == 0, result.stderr
        assert "0 promises kept, 1 promise broken" in result.stdout
        assert "0 debts said to be paid but not paid off" in result.stdout
        async with engine.connect() as c:
            status = (await c.execute(select(t.promise.c.status))).scalar_one()
            lead = (await c.execute(select(t.campaign_lead.c.status))).scalar_one()
        assert (status, lead) == ("broken", "ready")
    finally:
        await engine.dispose()


def test_the_check_says_clearly_when_the_database_cannot_be_read(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "dir" / "r.db"
    (tmp_path / "no").write_text("a file where a folder should be")
    result = recoup(f"sqlite+aiosqlite:///{missing}", "promises", "check")
    assert result.returncode == 2
    assert "recoup promises check: cannot check" in result.stderr
    assert "Traceback" not in result.stderr
