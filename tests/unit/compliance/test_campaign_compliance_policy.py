"""A campaign's stored configuration becomes the gate's and the audit's policy."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from recoup.compliance.abandon_cap import AbandonPeriod
from recoup.compliance.calling_window import check_calling_window
from recoup.compliance.campaign_policy import (
    DIAL_DELAY_S,
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
    # The last call goes out one ring (25 s by default), and the 5 s the dialer may take from
    # the gate's verdict to the Originate, before the window's end.
    assert (policy.window.start, policy.window.end) == (time(9), time(19, 59, 30))
    assert policy.window.weekdays == frozenset(range(5))
    assert policy.window.holidays == frozenset({date(2026, 12, 25)})
    assert not policy.uk_mode


def test_a_campaign_without_a_window_keeps_federal_hours() -> None:
    policy = policy_from_campaign_config({})
    assert (policy.window.start, policy.window.end) == (time(8), time(20, 59, 30))


def test_no_call_is_placed_that_could_still_ring_when_the_window_closes() -> None:
    at_most_a_minute = policy_from_campaign_config({"ring_timeout_s": 60})
    assert at_most_a_minute.window.end == time(20, 58, 55)
    new_york = ZoneInfo("America/New_York")
    last_seconds = datetime(2026, 12, 7, 20, 59, 30, tzinfo=new_york)
    verdict = check_calling_window(["America/New_York"], last_seconds, at_most_a_minute.window)
    assert not verdict.allowed  # a minute's ring would reach 21:00:30
    assert verdict.next_allowed_at == datetime(2026, 12, 8, 8, tzinfo=new_york)


def test_a_dial_judged_at_the_last_lawful_instant_and_sent_late_is_answered_before_9pm() -> None:
    # The dialer sends an Originate up to 5 s after the gate's verdict (a stalled event loop);
    # the call then rings for the whole ring timeout.
    policy = policy_from_campaign_config({"ring_timeout_s": 25})
    new_york = ZoneInfo("America/New_York")
    last_lawful = datetime.combine(date(2026, 12, 7), policy.window.end, new_york) - timedelta(
        microseconds=1
    )
    assert check_calling_window(["America/New_York"], last_lawful, policy.window).allowed
    answered_at_the_latest = last_lawful + timedelta(seconds=DIAL_DELAY_S + 25)
    assert answered_at_the_latest.time() < time(21)


def test_a_ring_that_would_fill_the_whole_window_is_an_error() -> None:
    narrow = {"window": {"start": "20:59:00", "end": "21:00:00"}, "ring_timeout_s": 60}
    with pytest.raises(CampaignPolicyError, match="ring"):
        policy_from_campaign_config(narrow)
    with pytest.raises(CampaignPolicyError, match="ring_timeout_s"):
        policy_from_campaign_config({"ring_timeout_s": "long"})


@pytest.mark.parametrize("ring", [100_000, 10**30, float("inf"), float("nan")])
def test_a_ring_longer_than_a_day_or_not_a_number_is_a_policy_error_not_a_crash(
    ring: float,
) -> None:
    # A stored configuration edited by hand: the audit must say which figure is wrong.
    with pytest.raises(CampaignPolicyError, match="ring"):
        policy_from_campaign_config({"ring_timeout_s": ring})


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
