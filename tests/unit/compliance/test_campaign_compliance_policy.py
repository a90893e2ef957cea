"""A campaign's stored configuration becomes the gate's and the audit's policy."""

from __future__ import annotations

from datetime import date, time

import pytest

from recoup.compliance.abandon_cap import AbandonPeriod
from recoup.compliance.campaign_policy import (
    CampaignPolicyError,
    abandon_policy_from_campaign_config,
    policy_from_campaign_config,
)


def test_campaign_window_and_holidays_are_read_from_its_json() -> None:
    config = {
        "window": {"start": "09:00:00", "end": "20:00:00", "weekdays": [0, 1, 2, 3, 4],
                   "holidays": ["2026-12-25"], "allow_outside_legal_hours": False},
        "uk_mode": False,
    }  # fmt: skip
    policy = policy_from_campaign_config(config)
    assert (policy.window.start, policy.window.end) == (time(9), time(20))
    assert policy.window.weekdays == frozenset(range(5))
    assert policy.window.holidays == frozenset({date(2026, 12, 25)})
    assert not policy.uk_mode


def test_a_campaign_without_a_window_keeps_federal_hours() -> None:
    policy = policy_from_campaign_config({})
    assert (policy.window.start, policy.window.end) == (time(8), time(21))


def test_uk_mode_campaign_is_measured_per_london_day() -> None:
    config = {"uk_mode": True}
    assert policy_from_campaign_config(config).uk_mode
    abandon = abandon_policy_from_campaign_config(config)
    assert abandon.period is AbandonPeriod.CALENDAR_DAY
    assert abandon.zone == "Europe/London"


def test_unreadable_window_is_an_error_not_a_default() -> None:
    with pytest.raises(CampaignPolicyError, match="window"):
        policy_from_campaign_config({"window": {"start": "8 in the morning"}})
    with pytest.raises(CampaignPolicyError, match="uk_mode"):
        policy_from_campaign_config({"uk_mode": "yes"})
