"""Builders for campaign tests: the sample files imported, a campaign, many debtors."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from dialer.campaigns.config import load_campaign_config
from dialer.campaigns.lists import ListBuild, build_dialing_list, create_campaign
from recoup.imports.run import import_accounts, import_payments
from recoup.rules.payment_profile import ProfilePolicy
from tests.conftest import DatabaseUnderTest

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
TODAY = date(2026, 11, 20)
POLICY = ProfilePolicy()


async def import_file(db: DatabaseUnderTest, path: Path) -> None:
    report = await import_accounts(
        db.engine, path, now=NOW, default_region="US", default_timezone="America/New_York"
    )
    assert report.rejected == []


async def import_samples(db: DatabaseUnderTest) -> None:
    """examples/accounts.csv, then examples/payments.csv (which pays some debts off)."""
    await import_file(db, EXAMPLES / "accounts.csv")
    report = await import_payments(db.engine, EXAMPLES / "payments.csv", now=NOW)
    assert report.rejected == []


async def import_many(db: DatabaseUnderTest, tmp_path: Path, n: int) -> list[str]:
    """``n`` debtors with one debt each, balances all different; returns the debt ids."""
    lines = ["account_id,debt_id,first_name,last_name,phone,original_balance,currency,due_date"]
    ids = []
    for i in range(n):
        ids.append(f"D-{i:05d}")
        lines.append(
            f"A-{i:05d},D-{i:05d},Debtor,N{i},+1 212 555 01{i % 100:02d},"
            f"{100 + i}.00,USD,2026-09-01"
        )
    path = tmp_path / "many.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    await import_file(db, path)
    return ids


async def a_campaign(db: DatabaseUnderTest, campaign_id: str = "late", **config: Any) -> None:
    settings = load_campaign_config({"caller_id": "+12125550100", **config})
    async with db.engine.begin() as connection:
        await create_campaign(connection, campaign_id, campaign_id.title(), settings, now=NOW)


async def build(db: DatabaseUnderTest, campaign_id: str = "late", today: date = TODAY) -> ListBuild:
    async with db.engine.begin() as connection:
        return await build_dialing_list(connection, campaign_id, today, POLICY)


async def import_debts(
    db: DatabaseUnderTest, tmp_path: Path, debts: list[tuple[str, str, str, int]]
) -> None:
    """Debts as ``(debtor_id, account_id, debt_id, balance in whole dollars)``: a debtor with
    several debts, on one account or on several, has one phone number."""
    lines = ["debtor_id,account_id,debt_id,first_name,last_name,phone,original_balance,currency,"
             "due_date"]  # fmt: skip
    numbers: dict[str, int] = {}
    for debtor_id, account_id, debt_id, balance in debts:
        number = numbers.setdefault(debtor_id, len(numbers))
        lines.append(
            f"{debtor_id},{account_id},{debt_id},Debtor,{debtor_id},"
            f"+1 212 555 01{number % 100:02d},{balance}.00,USD,2026-09-01"
        )
    path = tmp_path / "debts.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    await import_file(db, path)


def two_debts_each(n: int) -> list[tuple[str, str, str, int]]:
    """``n`` debtors who each owe two debts on one account, balances all different."""
    return [
        (f"P-{i:05d}", f"A-{i:05d}", f"D-{i:05d}-{k}", 100 + 2 * i + k)
        for i in range(n)
        for k in (1, 2)
    ]
