"""``recoup audit compliance`` as an operator runs it: a process, its exit code, its output."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from recoup.storage.engine import make_engine
from tests.integration.compliance.collections_history import History


def recoup(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RECOUP_DATABASE_URL": url}
    env.pop("RECOUP_CONFIG", None)
    env.pop("RECOUP_DATABASE_SCHEMA", None)
    return subprocess.run(
        [sys.executable, "-m", "recoup", *args],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip


def test_audit_exits_zero_when_clean_and_one_on_a_late_night_call(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    assert recoup(url, "db", "upgrade").returncode == 0
    clean = recoup(url, "audit", "compliance")
    assert clean.returncode == 0, clean.stderr
    assert "No breach found." in clean.stdout

    async def call_late() -> None:
        engine = make_engine(url)
        try:
            history = History(engine)
            await history.debtor("P1")
            await history.debt("INV-1", "P1")
            await history.call("INV-1", "P1", datetime(2026, 6, 2, 1, 30, tzinfo=UTC))  # 21:30
        finally:
            await engine.dispose()

    asyncio.run(call_late())
    breach = recoup(url, "audit", "compliance", "--json")
    assert breach.returncode == 1, breach.stderr
    assert json.loads(breach.stdout)["breaches"] == {"calling_window": 1}


def test_audit_exits_two_when_the_database_has_no_schema(tmp_path: Path) -> None:
    result = recoup(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}", "audit", "compliance")
    assert result.returncode == 2
    assert "cannot audit" in result.stderr
