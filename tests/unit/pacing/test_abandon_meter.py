"""The abandon meter: the share of live-answered calls abandoned, over the legal window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dialer.pacing.abandon_meter import AbandonMeter

MONDAY = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def a_campaign_day(meter: AbandonMeter, at: datetime, live: int, abandoned: int) -> None:
    for i in range(live):
        meter.record_live_answer(at + timedelta(seconds=i))
    for i in range(abandoned):
        meter.record_abandon(at + timedelta(seconds=i))


def test_rate_is_abandons_over_live_answers() -> None:
    meter = AbandonMeter(0.03)
    a_campaign_day(meter, MONDAY, live=200, abandoned=5)
    reading = meter.reading(MONDAY + timedelta(hours=1))
    assert reading.rate == pytest.approx(0.025)
    assert not reading.at_cap
    assert reading.headroom == pytest.approx(1.0)


def test_no_live_answers_is_no_abandon_rate_and_not_at_cap() -> None:
    reading = AbandonMeter(0.03).reading(MONDAY)
    assert reading.rate == 0.0
    assert not reading.at_cap


def test_us_window_rolls_over_thirty_days() -> None:
    # The campaign's 30-day periods started ten days before: day 20 is day 1 of its second.
    meter = AbandonMeter(0.03, periods_from=(MONDAY - timedelta(days=10)).date())
    a_campaign_day(meter, MONDAY, live=100, abandoned=10)
    a_campaign_day(meter, MONDAY + timedelta(days=20), live=100, abandoned=0)
    assert meter.reading(MONDAY + timedelta(days=29)).rate == pytest.approx(0.05)
    assert meter.reading(MONDAY + timedelta(days=29)).at_cap
    # A month after the bad day, it has left the window.
    assert meter.reading(MONDAY + timedelta(days=30, hours=1)).rate == 0.0
    assert meter.reading(MONDAY + timedelta(days=30, hours=1)).live_answered == 100


def test_day_31_is_a_new_period_that_holds_on_its_own() -> None:
    # 47 CFR 64.1200(a)(7)(i): "each successive 30-day period or portion thereof". A campaign
    # clean for 30 days that abandons 2 of its first 40 live answers on day 31 and stops has a
    # period at 5%, however clean the rolling month around it.
    meter = AbandonMeter(0.03)
    for day in range(30):
        a_campaign_day(meter, MONDAY + timedelta(days=day), live=100, abandoned=2)
    day_31 = MONDAY + timedelta(days=30)
    fresh = meter.reading(day_31)
    assert (fresh.live_answered, fresh.headroom) == (0.0, 0.0)  # nothing to risk yet
    a_campaign_day(meter, day_31, live=40, abandoned=2)
    reading = meter.reading(day_31 + timedelta(hours=1))
    assert (reading.live_answered, reading.abandoned) == (40.0, 2.0)
    assert reading.at_cap


def test_within_the_first_thirty_days_the_period_and_the_rolling_month_agree() -> None:
    meter = AbandonMeter(0.03)
    for day in (0, 3, 17, 29):
        a_campaign_day(meter, MONDAY + timedelta(days=day), live=50, abandoned=1)
    reading = meter.reading(MONDAY + timedelta(days=29, hours=2))
    assert (reading.live_answered, reading.abandoned) == (200.0, 4.0)


def test_uk_mode_counts_each_calendar_day_alone() -> None:
    meter = AbandonMeter(0.03, uk_mode=True)
    a_campaign_day(meter, MONDAY, live=100, abandoned=10)
    tuesday = MONDAY + timedelta(days=1)
    a_campaign_day(meter, tuesday, live=100, abandoned=1)
    assert meter.reading(MONDAY + timedelta(hours=5)).rate == pytest.approx(0.10)
    assert meter.reading(tuesday + timedelta(hours=1)).rate == pytest.approx(0.01)


def test_uk_day_follows_the_campaigns_timezone() -> None:
    from zoneinfo import ZoneInfo

    meter = AbandonMeter(0.03, uk_mode=True, timezone=ZoneInfo("America/New_York"))
    late_evening_new_york = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)  # 21:00 on the 2nd there
    meter.record_live_answer(late_evening_new_york)
    meter.record_abandon(late_evening_new_york)
    assert meter.reading(datetime(2026, 3, 2, 15, 0, tzinfo=UTC)).abandoned == 1


def test_amd_false_positives_are_counted_as_estimated_abandons() -> None:
    meter = AbandonMeter(0.03, amd_false_positive=0.05)
    for i in range(95):
        meter.record_live_answer(MONDAY + timedelta(seconds=i), amd_screened=True)
    reading = meter.reading(MONDAY + timedelta(minutes=5))
    # 95 people reached agents: AMD hung up on about 5 more, who count as answered and abandoned.
    assert reading.live_answered == pytest.approx(100.0)
    assert reading.abandoned == pytest.approx(5.0)
    assert reading.amd_estimated == pytest.approx(5.0)
    assert reading.rate == pytest.approx(0.05)
    assert reading.at_cap


def test_calls_not_screened_by_amd_carry_no_estimate() -> None:
    meter = AbandonMeter(0.03, amd_false_positive=0.05)
    meter.record_live_answer(MONDAY, amd_screened=False)
    assert meter.reading(MONDAY).abandoned == 0.0


@pytest.mark.parametrize("target", [0.0, 1.0, -0.1])
def test_a_target_outside_zero_to_one_is_refused(target: float) -> None:
    with pytest.raises(ValueError, match="fraction"):
        AbandonMeter(target)


def test_a_window_that_has_emptied_reads_empty_with_amd_estimates() -> None:
    # A day of AMD-screened answers (each carries a fraction of an estimated abandon), then a
    # month of nothing: every bucket has left the rolling window, and so has every fraction.
    # What is left is no live answer and no abandon, not rounding dust read as a 1,000% rate.
    meter = AbandonMeter(0.03, amd_false_positive=0.013, periods_from=MONDAY.date())
    for i in range(3000):
        meter.record_live_answer(MONDAY + timedelta(seconds=7 * i), amd_screened=True)
        if i % 97 == 0:
            meter.record_abandon(MONDAY + timedelta(seconds=7 * i))
    reading = meter.reading(MONDAY + timedelta(days=31))
    assert (reading.live_answered, reading.abandoned, reading.amd_estimated) == (0.0, 0.0, 0.0)
    assert not reading.at_cap


@pytest.mark.parametrize("uk_mode", [False, True])
def test_a_dialer_running_for_months_holds_only_a_month_of_figures(uk_mode: bool) -> None:
    meter = AbandonMeter(0.03, uk_mode=uk_mode)
    for day in range(90):
        at = MONDAY + timedelta(days=day)
        for hour in range(8):
            meter.record_live_answer(at + timedelta(hours=hour))
        meter.record_abandon(at)
        reading = meter.reading(at + timedelta(hours=9))
    # The window's figures are still right...
    assert reading.live_answered == (8 if uk_mode else 30 * 8)
    assert reading.abandoned == (1 if uk_mode else 30)
    # ...and nothing older than the longest window is kept (private state: memory is the point).
    assert len(meter._buckets) <= 31 * 9
    assert len(meter._days) <= 32
