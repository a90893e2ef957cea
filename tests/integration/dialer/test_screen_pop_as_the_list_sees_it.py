"""The screen pop the dialer loads reads the debtor's file as the dialing list did: on the
debtor's own date, and with the site's payment-profile thresholds (``[profile]``).

At 7 pm in San Francisco the UTC date is already tomorrow; read on it, a debt due today is
read out as past due. And a site that raised its high-balance threshold must not show Robert
Nguyen (7,200.00 owed) the high-balance script that its lists no longer choose him for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import cast

from dialer.engine.base import DialerSettings
from dialer.engine.call_flow import CallFlow
from dialer.engine.campaign_run import CampaignRun
from recoup.clock import ManualClock
from recoup.imports.run import import_accounts
from recoup.rules.payment_profile import PaymentProfile, ProfilePolicy
from tests.conftest import DatabaseUnderTest
from tests.integration.dialer.inline_store import InlineStore

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
SF_EVENING = datetime(2026, 12, 8, 3, 0, tzinfo=UTC)  # 19:00 on 7 December in San Francisco


@dataclass
class Flow:
    """What :meth:`CallFlow._load_pop` reads of a running dialer."""

    clock: ManualClock
    settings: DialerSettings
    store: InlineStore


async def test_the_pop_reads_the_debtors_own_date_and_the_sites_profile_thresholds(
    database: DatabaseUnderTest,
) -> None:
    await import_accounts(database.engine, EXAMPLES / "accounts.csv", now=SF_EVENING,
                          default_region="US", default_timezone="America/New_York")  # fmt: skip
    site = ProfilePolicy(high_balance_minor=10_000_00)
    flow = Flow(ManualClock(SF_EVENING), DialerSettings(profile=site), InlineStore(database.engine))
    run = cast("CampaignRun", type("Run", (), {"campaign_id": "late"})())
    pending = await CallFlow._load_pop(cast("CallFlow", flow), run, "ACC-1004")
    assert pending.today == date(2026, 12, 7)
    assert pending.policy is site
    assert pending.verdict.profile is not PaymentProfile.HIGH_BALANCE
