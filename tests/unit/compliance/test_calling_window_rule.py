"""Calling hours in the debtor's local time, in every zone the debtor may be in."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recoup.compliance.calling_window import (
    CallingWindow,
    WindowRule,
    check_calling_window,
    is_lawful_in,
)

FEDERAL = CallingWindow()
NEW_YORK, CHICAGO, LOS_ANGELES = "America/New_York", "America/Chicago", "America/Los_Angeles"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def local(zone: str, *args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone), fold=fold)  # type: ignore[misc]


def test_no_dial_after_9pm_in_debtors_timezone() -> None:
    verdict = check_calling_window([LOS_ANGELES], local(LOS_ANGELES, 2026, 6, 10, 21, 0), FEDERAL)
    assert not verdict.allowed
    assert verdict.rule is WindowRule.CALLING_WINDOW
    assert verdict.reason is not None
    assert "21:00 in America/Los_Angeles" in verdict.reason
    assert verdict.next_allowed_at == local(LOS_ANGELES, 2026, 6, 11, 8, 0)


def test_a_minute_before_9pm_is_still_lawful() -> None:
    assert check_calling_window(
        [LOS_ANGELES], local(LOS_ANGELES, 2026, 6, 10, 20, 59), FEDERAL
    ).allowed


def test_no_dial_before_8am_and_the_wait_is_until_8am() -> None:
    verdict = check_calling_window([CHICAGO], local(CHICAGO, 2026, 6, 10, 7, 59), FEDERAL)
    assert not verdict.allowed
    assert verdict.next_allowed_at == local(CHICAGO, 2026, 6, 10, 8, 0)


def test_9am_in_new_york_is_6am_in_los_angeles() -> None:
    now = local(NEW_YORK, 2026, 6, 10, 9, 0)
    assert check_calling_window([NEW_YORK], now, FEDERAL).allowed
    assert not check_calling_window([LOS_ANGELES], now, FEDERAL).allowed


def test_ambiguous_area_code_needs_every_zone_lawful() -> None:
    # A New York address with a Los Angeles area code: 08:30 in New York is 05:30 there.
    now = local(NEW_YORK, 2026, 6, 10, 8, 30)
    verdict = check_calling_window([NEW_YORK, LOS_ANGELES], now, FEDERAL)
    assert not verdict.allowed
    assert verdict.reason is not None
    assert "any of America/New_York, America/Los_Angeles" in verdict.reason
    assert verdict.next_allowed_at == local(LOS_ANGELES, 2026, 6, 10, 8, 0)


def test_ambiguous_zones_stop_at_the_earliest_9pm() -> None:
    now = local(NEW_YORK, 2026, 6, 10, 21, 0)  # 18:00 in Los Angeles
    verdict = check_calling_window([LOS_ANGELES, NEW_YORK], now, FEDERAL)
    assert not verdict.allowed
    assert verdict.next_allowed_at == local(LOS_ANGELES, 2026, 6, 11, 8, 0)


def test_dst_spring_forward_morning() -> None:
    # 2026-03-08: New York skips 02:00-03:00. 12:00 UTC is 08:00 EDT (07:00 by yesterday's offset).
    assert check_calling_window([NEW_YORK], utc(2026, 3, 8, 12, 0), FEDERAL).allowed
    early = check_calling_window([NEW_YORK], utc(2026, 3, 8, 11, 59), FEDERAL)
    assert not early.allowed
    assert early.next_allowed_at == utc(2026, 3, 8, 12, 0)
    overnight = check_calling_window([NEW_YORK], utc(2026, 3, 8, 5, 0), FEDERAL)
    assert overnight.next_allowed_at == utc(2026, 3, 8, 12, 0)


def test_dst_fall_back_evening() -> None:
    # 2026-11-01: New York repeats 01:00-02:00 and is on EST (UTC-5) by the evening.
    assert check_calling_window([NEW_YORK], utc(2026, 11, 2, 1, 59), FEDERAL).allowed  # 20:59
    late = check_calling_window([NEW_YORK], utc(2026, 11, 2, 2, 0), FEDERAL)  # 21:00 EST
    assert not late.allowed
    assert late.next_allowed_at == utc(2026, 11, 2, 13, 0)  # 08:00 EST


def test_window_opening_inside_the_skipped_hour_opens_when_the_clock_jumps() -> None:
    night_shift = CallingWindow(start=time(2, 30), end=time(21))
    verdict = check_calling_window([NEW_YORK], utc(2026, 3, 8, 6, 0), night_shift)  # 01:00 EST
    assert verdict.next_allowed_at == utc(2026, 3, 8, 7, 0)  # 03:00 EDT, the first instant >= 02:30


def test_window_ending_inside_the_repeated_hour_opens_again_when_it_repeats() -> None:
    early_shift = CallingWindow(start=time(0, 30), end=time(1, 30))
    # 01:45 EDT on the fall-back night: outside; the clock then goes back to 01:00 EST.
    verdict = check_calling_window([NEW_YORK], local(NEW_YORK, 2026, 11, 1, 1, 45), early_shift)
    assert not verdict.allowed
    # Aware datetimes in a repeated hour never compare equal across zones: compare in UTC.
    assert verdict.next_allowed_at == local(NEW_YORK, 2026, 11, 1, 1, 0, fold=1).astimezone(UTC)
    assert verdict.next_allowed_at == utc(2026, 11, 1, 6, 0)


def test_holiday_in_the_debtors_calendar_is_refused_with_its_own_rule() -> None:
    window = CallingWindow(holidays=frozenset({date(2026, 12, 25)}))
    verdict = check_calling_window([NEW_YORK], local(NEW_YORK, 2026, 12, 25, 11, 0), window)
    assert not verdict.allowed
    assert verdict.rule is WindowRule.HOLIDAY
    assert verdict.next_allowed_at == local(NEW_YORK, 2026, 12, 26, 8, 0)


def test_holiday_already_begun_in_one_candidate_zone_refuses() -> None:
    window = CallingWindow(holidays=frozenset({date(2026, 12, 25)}))
    # 20:30 on Christmas Eve in Los Angeles is Christmas Day (and too late) in... Guam.
    now = local(LOS_ANGELES, 2026, 12, 24, 20, 30)
    assert check_calling_window([LOS_ANGELES], now, window).allowed
    refused = check_calling_window([LOS_ANGELES, "Pacific/Guam"], now, window)
    assert not refused.allowed


def test_sunday_is_skipped_when_the_campaign_calls_monday_to_saturday() -> None:
    window = CallingWindow(weekdays=frozenset(range(6)))
    verdict = check_calling_window([CHICAGO], local(CHICAGO, 2026, 6, 14, 12, 0), window)  # Sunday
    assert not verdict.allowed
    assert verdict.reason is not None
    assert "Sunday is not a calling day" in verdict.reason
    assert verdict.next_allowed_at == local(CHICAGO, 2026, 6, 15, 8, 0)


def test_unknown_timezone_is_never_lawful() -> None:
    verdict = check_calling_window(["Mars/Olympus_Mons"], utc(2026, 6, 10, 16), FEDERAL)
    assert not verdict.allowed
    assert verdict.next_allowed_at is None


def test_no_known_zone_is_never_lawful() -> None:
    assert not check_calling_window([], utc(2026, 6, 10, 16), FEDERAL).allowed


def test_zones_whose_hours_never_overlap_have_no_next_time() -> None:
    # Twelve hours apart, an eight-hour window never overlaps.
    narrow = CallingWindow(start=time(9), end=time(17))
    verdict = check_calling_window(["Etc/GMT-12", "UTC"], utc(2026, 6, 10), narrow)
    assert not verdict.allowed
    assert verdict.next_allowed_at is None
    assert verdict.reason is not None
    assert "no hour is lawful in all of them" in verdict.reason


def test_a_window_must_start_before_it_ends() -> None:
    with pytest.raises(ValueError, match="start before it ends"):
        CallingWindow(start=time(21), end=time(8))


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        check_calling_window([NEW_YORK], datetime(2026, 6, 10, 12), FEDERAL)


ZONES = st.sampled_from(
    [NEW_YORK, CHICAGO, "America/Denver", "America/Phoenix", LOS_ANGELES, "America/Anchorage",
     "Pacific/Honolulu", "Europe/London", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kolkata",
     "America/Havana", "Asia/Beirut", "America/Santiago", "Pacific/Chatham", "America/St_Johns"]
)  # fmt: skip
INSTANTS = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)
WINDOWS = st.builds(
    CallingWindow,
    start=st.sampled_from([time(0), time(2, 30), time(8), time(9, 15)]),
    end=st.sampled_from([time(12), time(21), time(23, 59)]),
    weekdays=st.frozensets(st.integers(0, 6), min_size=1),
    holidays=st.frozensets(st.dates(date(2025, 1, 1), date(2029, 1, 31)), max_size=20),
)


@settings(max_examples=150, deadline=None)
@given(zones=st.lists(ZONES, min_size=1, max_size=3, unique=True), now=INSTANTS)
def test_an_allowed_dial_is_between_8am_and_9pm_in_every_candidate_zone(
    zones: list[str], now: datetime
) -> None:
    verdict = check_calling_window(zones, now, FEDERAL)
    hours = [now.astimezone(ZoneInfo(z)).time() for z in zones]
    assert verdict.allowed == all(time(8) <= h < time(21) for h in hours)


@settings(max_examples=150, deadline=None)
@given(
    zones=st.lists(ZONES, min_size=1, max_size=3, unique=True),
    now=INSTANTS,
    window=WINDOWS,
    fraction=st.floats(0, 1, exclude_max=True),
)
def test_next_allowed_at_is_allowed_and_nothing_earlier_is(
    zones: list[str], now: datetime, window: CallingWindow, fraction: float
) -> None:
    verdict = check_calling_window(zones, now, window)
    if verdict.allowed or verdict.next_allowed_at is None:
        return
    later = verdict.next_allowed_at
    assert later > now
    assert check_calling_window(zones, later, window).allowed
    minute_before = later - timedelta(minutes=1)
    if minute_before > now:
        assert not check_calling_window(zones, minute_before, window).allowed
    between = now + (later - now) * fraction
    if between < later:
        assert not all(is_lawful_in(between, ZoneInfo(z), window) for z in zones)
