"""``recoup serve`` as an operator runs it: against Asterisk (pbxsim here), with the agent API
up, until SIGTERM, then a clean stop."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select

from dialer.campaigns.lists import create_campaign
from pbxsim import PbxSim, SimConfig
from recoup.clock import ScaledClock
from recoup.demo_centre import DEMO_CAMPAIGN, DEMO_QUEUE, demo_campaign_config
from recoup.dispositions.apply import apply_disposition
from recoup.dispositions.plan import local_today
from recoup.dispositions.record import PromiseToPay
from recoup.domain.model import Role
from recoup.domain.money import Money
from recoup.imports.run import import_accounts
from recoup.storage import tables as t
from recoup.storage.engine import make_engine
from recoup.storage.migrate import upgrade
from recoup.users.accounts import add_user

NOW = datetime(2026, 12, 7, 17, 0, tzinfo=UTC)
LAST_MONTH = datetime.now(UTC) - timedelta(days=30)
EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


async def promise_status(url: str) -> str:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return str((await conn.execute(select(t.promise.c.status))).scalar_one())
    finally:
        await engine.dispose()


async def leads_on_the_list(url: str) -> int:
    engine = make_engine(url)
    leads = select(func.count()).select_from(t.campaign_lead)
    try:
        async with engine.connect() as conn:
            return int((await conn.execute(leads)).scalar_one())
    finally:
        await engine.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def prepared_database(path: Path) -> str:
    """A migrated SQLite database with an agent, one active campaign, and the sample accounts,
    one of them with a promise that fell due unpaid last week."""
    url = f"sqlite+aiosqlite:///{path}"
    await upgrade(url)
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            await add_user(conn, "ann", "correct horse battery", frozenset({Role.AGENT}), now=NOW)
            await create_campaign(
                conn, DEMO_CAMPAIGN, "Past-due retail", demo_campaign_config(), now=NOW,
                active=True,
            )  # fmt: skip
        await import_accounts(engine, EXAMPLES / "accounts.csv", now=LAST_MONTH,
                              default_region="US", default_timezone="America/New_York")  # fmt: skip
        async with engine.begin() as conn:
            due = local_today(LAST_MONTH, "America/New_York") + timedelta(days=2)
            await apply_disposition(
                conn, PromiseToPay(Money.parse("100.00", "USD"), due), now=LAST_MONTH,
                debt_id="INV-1001-2", agent="ann",
            )  # fmt: skip
    finally:
        await engine.dispose()
    return url


async def wait_for_health(
    base: str, process: asyncio.subprocess.Process, within: float
) -> aiohttp.ClientResponse | None:
    async with aiohttp.ClientSession() as http:
        for _ in range(int(within / 0.1)):
            if process.returncode is not None:
                return None
            with contextlib.suppress(aiohttp.ClientError):
                async with http.get(f"{base}/healthz") as response:
                    if response.status == 200:
                        return response
            await asyncio.sleep(0.1)
    return None


@pytest.mark.timeout(60)
async def test_serve_runs_the_dialer_and_the_agent_api_until_sigterm(tmp_path: Path) -> None:
    database_url = await prepared_database(tmp_path / "recoup.db")
    console_port = free_port()
    config = SimConfig.recoup(campaign_queues=[DEMO_QUEUE])
    async with PbxSim(config, ScaledClock(1.0)) as pbx:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("RECOUP_")},
            "PYTHONUNBUFFERED": "1",
            "RECOUP_DATABASE_URL": database_url,
            "RECOUP_AMI__HOST": pbx.host,
            "RECOUP_AMI__PORT": str(pbx.port),
            "RECOUP_AMI__USERNAME": "dialer",
            "RECOUP_AMI__SECRET": "dialerpass",
            "RECOUP_CONSOLE__HOST": "127.0.0.1",
            "RECOUP_CONSOLE__PORT": str(console_port),
        }
        out, err = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
        with out.open("wb") as stdout, err.open("wb") as stderr:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "recoup", "serve", env=env, stdout=stdout, stderr=stderr,
                cwd=Path(__file__).parents[3],
            )  # fmt: skip
            try:
                base = f"http://127.0.0.1:{console_port}"
                healthy = await wait_for_health(base, process, within=30)
                assert healthy is not None, f"never healthy:\n{err.read_text()[-3000:]}"
                async with aiohttp.ClientSession() as http:
                    async with http.post(
                        f"{base}/api/v1/session",
                        json={"username": "ann", "password": "correct horse battery"},
                    ) as response:
                        assert response.status == 201, await response.text()
                        token = (await response.json())["token"]
                    auth = {"Authorization": f"Bearer {token}"}
                    async with http.get(f"{base}/api/v1/campaigns", headers=auth) as response:
                        assert response.status == 200
                        campaigns = (await response.json())["campaigns"]
                    async with http.get(f"{base}/api/v1/campaigns") as response:
                        assert response.status == 401
                    # The pacer runs: within a tick or two it reports the campaign's dial level.
                    level = f'recoup_dial_level{{campaign="{DEMO_CAMPAIGN}"}} 0.0'
                    for _ in range(50):
                        async with http.get(f"{base}/metrics") as response:
                            assert response.status == 200
                            metrics = await response.text()
                        if level in metrics:
                            break
                        await asyncio.sleep(0.1)
                assert [(c["id"], c["queue"]) for c in campaigns] == [(DEMO_CAMPAIGN, DEMO_QUEUE)]
                assert f'recoup_abandon_cap{{campaign="{DEMO_CAMPAIGN}"}} 0.03' in metrics
                assert "recoup_calls" in metrics
                assert level in metrics
                # Promises are checked at start: last month's unpaid promise is broken.
                for _ in range(50):
                    if await promise_status(database_url) == "broken":
                        break
                    await asyncio.sleep(0.1)
                assert await promise_status(database_url) == "broken"
                # The campaign's dialing list is built at start: the sample debts are on it.
                for _ in range(50):
                    if await leads_on_the_list(database_url):
                        break
                    await asyncio.sleep(0.1)
                assert await leads_on_the_list(database_url) >= 10

                process.send_signal(signal.SIGTERM)
                async with asyncio.timeout(10):
                    code = await process.wait()
            finally:
                if process.returncode is None:
                    process.kill()
                    await process.wait()
        printed = out.read_text()
        assert code == 0, err.read_text()[-3000:]
        assert f"campaigns {DEMO_CAMPAIGN}" in printed
        assert f"agent API: http://127.0.0.1:{console_port}/api/v1/openapi.json" in printed
        assert printed.rstrip().endswith("stopped")
