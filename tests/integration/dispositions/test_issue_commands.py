"""``recoup issue``: the owner of an issue bucket sees what is open and resolves it; the last
issue resolved on a debt still owed puts it back on the dialing list with a call scheduled."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from recoup.dispositions.apply import apply_disposition
from recoup.dispositions.record import Dispute
from recoup.imports.run import import_accounts
from recoup.storage import tables as t
from recoup.storage.engine import make_engine
from recoup.storage.migrate import upgrade

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
NOW = datetime.now(UTC) - timedelta(days=1)


def recoup(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECOUP_")}
    env["RECOUP_DATABASE_URL"] = url
    return subprocess.run(
        [sys.executable, "-m", "recoup", *args],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip


async def two_disputes(engine: AsyncEngine) -> None:
    """Two issues on INV-1001-2, whose lead was on campaign c1's list."""
    await import_accounts(engine, EXAMPLES / "accounts.csv", now=NOW,
                          default_region="US", default_timezone="America/New_York")  # fmt: skip
    async with engine.begin() as c:
        await c.execute(insert(t.campaign).values(id="c1", name="c1", config={}, created_at=NOW))
        await c.execute(insert(t.campaign_lead).values(campaign_id="c1", debt_id="INV-1001-2"))
        for bucket, said in (("accounts", "Invoice sent twice"), ("service", "Goods late")):
            await apply_disposition(
                c, Dispute(bucket, said), now=NOW, debt_id="INV-1001-2", agent="alex"
            )


async def lead(engine: AsyncEngine) -> tuple[str, datetime | None]:
    async with engine.connect() as c:
        row = (await c.execute(select(t.campaign_lead))).one()
    return row.status, row.next_at


async def test_the_last_issue_resolved_brings_the_debt_back_with_a_call(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'r.db'}"
    await upgrade(url)
    engine = make_engine(url)
    try:
        await two_disputes(engine)
        listed = recoup(url, "issue", "list", "--bucket", "accounts")
        assert listed.returncode == 0, listed.stderr
        assert "debt INV-1001-2" in listed.stdout
        assert "Invoice sent twice" in listed.stdout
        assert "Goods late" not in listed.stdout
        first, second = (int(line.split()[0]) for line in recoup(url, "issue", "list").stdout
                         .splitlines() if not line.startswith(" "))  # fmt: skip

        one = recoup(url, "issue", "resolve", str(first), "Duplicate invoice cancelled")
        assert one.returncode == 0, one.stderr
        assert "another issue on it is still open" in one.stdout
        assert (await lead(engine))[0] != "ready"

        call_at = "2030-01-07T15:00+00:00"
        two = recoup(url, "issue", "resolve", str(second), "Goods delivered", "--call-at", call_at)
        assert two.returncode == 0, two.stderr
        assert "debt INV-1001-2: back on the lists, call from 2030-01-07 15:00 UTC" in two.stdout
        assert await lead(engine) == ("ready", datetime(2030, 1, 7, 15, 0, tzinfo=UTC))
        assert recoup(url, "issue", "list").stdout.strip() == "no issue open"
        assert "resolved: Goods delivered" in recoup(url, "issue", "list", "--all").stdout

        again = recoup(url, "issue", "resolve", str(second), "again")
        assert (again.returncode, f"issue {second} is not open" in again.stderr) == (2, True)
    finally:
        await engine.dispose()


async def test_a_resolution_must_say_how(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'r.db'}"
    await upgrade(url)
    engine = make_engine(url)
    try:
        await two_disputes(engine)
        blank = recoup(url, "issue", "resolve", "1", "  ")
        assert (blank.returncode, "say how the issue was resolved" in blank.stderr) == (2, True)
        assert "Traceback" not in blank.stderr
        assert "Invoice sent twice" in recoup(url, "issue", "list").stdout
    finally:
        await engine.dispose()
