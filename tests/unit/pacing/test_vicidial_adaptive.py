"""VICIdial's adaptive dial level, as AST_VDadapt.pl computes it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dialer.pacing.abandon_meter import AbandonReading
from dialer.pacing.baselines import (
    DropMode,
    DropStats,
    VicidialAdaptive,
    VicidialSettings,
    adapt_level,
    apply_drop_rules,
    tapered_rate,
)
from dialer.pacing.estimates import CampaignEstimates
from dialer.pacing.snapshot import PacingSnapshot

DEFAULTS = VicidialSettings()


def test_idle_agents_raise_the_dial_level() -> None:
    # 5 of 25 agents ready on average: the level moves up by a fifth of itself.
    assert adapt_level(1.5, differential=5, agents=25, settings=DEFAULTS) == pytest.approx(1.8)


def test_calls_waiting_lower_the_dial_level() -> None:
    assert adapt_level(2.0, differential=-5, agents=25, settings=DEFAULTS) == pytest.approx(1.6)


def test_the_level_never_passes_the_maximum_of_3() -> None:
    assert adapt_level(2.9, differential=20, agents=25, settings=DEFAULTS) == 3.0


def test_the_level_never_falls_below_1() -> None:
    assert adapt_level(1.1, differential=-20, agents=25, settings=DEFAULTS) == 1.0


def test_positive_intensity_raises_faster_and_lowers_slower() -> None:
    bold = VicidialSettings(intensity=20)
    assert adapt_level(1.5, 5, 25, bold) > adapt_level(1.5, 5, 25, DEFAULTS)
    assert adapt_level(2.0, -5, 25, bold) > adapt_level(2.0, -5, 25, DEFAULTS)


def test_a_diff_target_of_minus_one_aims_at_one_agent_waiting() -> None:
    one_agent_waiting = VicidialSettings(diff_target=-1)
    assert adapt_level(1.5, differential=1, agents=25, settings=one_agent_waiting) == 1.5


def test_the_level_is_a_share_of_every_logged_in_agent_paused_ones_too() -> None:
    # 5 ready on average out of 50 logged in (25 of them paused or in wrap-up): a tenth.
    assert adapt_level(1.5, differential=5, agents=50, settings=DEFAULTS) == pytest.approx(1.65)


OVER_TODAY = DropStats(calls_today=51, drop_pct_today=3.01)
NOON = 1200


def test_hard_limit_drops_to_one_over_the_drop_target() -> None:
    hard = VicidialSettings(drop_mode=DropMode.HARD_LIMIT)
    assert apply_drop_rules(2.5, OVER_TODAY, NOON, hard) == 1.0
    at_target = DropStats(calls_today=51, drop_pct_today=3.0)
    assert apply_drop_rules(2.5, at_target, NOON, hard) == 2.5


def test_no_drop_rule_binds_until_more_than_50_calls_were_placed_today() -> None:
    hard = VicidialSettings(drop_mode=DropMode.HARD_LIMIT)
    early = DropStats(calls_today=50, drop_pct_today=40.0)
    assert apply_drop_rules(2.5, early, NOON, hard) == 2.5


def test_average_halves_the_level_over_the_target() -> None:
    average = VicidialSettings(drop_mode=DropMode.AVERAGE)
    assert apply_drop_rules(2.4, OVER_TODAY, NOON, average) == pytest.approx(1.2)


def test_tapered_lets_drops_run_until_ten_hours_before_its_latest_server_time() -> None:
    tapered = VicidialSettings(drop_mode=DropMode.TAPERED)
    assert apply_drop_rules(2.5, OVER_TODAY, 930, tapered) == 2.5
    assert apply_drop_rules(2.5, OVER_TODAY, 1600, tapered) == pytest.approx(1.25)
    assert apply_drop_rules(2.5, OVER_TODAY, 2101, tapered) == 1.0


def test_tapered_counts_hours_as_vicidial_does_on_hhmm_numbers() -> None:
    # 21:00 less 13:30 is 770 "hundredths of hours" in VICIdial's arithmetic, not 7.5 hours.
    assert tapered_rate(1330, DEFAULTS) == pytest.approx(0.77)
    assert tapered_rate(1059, DEFAULTS) == 1.0
    assert tapered_rate(2101, DEFAULTS) is None


def test_more_than_half_the_last_minutes_calls_dropped_halves_the_level() -> None:
    busy_minute = DropStats(calls_last_minute=21, drop_pct_last_minute=50.1)
    assert apply_drop_rules(2.6, busy_minute, NOON, DEFAULTS) == pytest.approx(1.3)


def test_a_quiet_minute_never_halves_the_level_whatever_it_dropped() -> None:
    quiet_minute = DropStats(calls_last_minute=20, drop_pct_last_minute=100.0)
    assert apply_drop_rules(2.6, quiet_minute, NOON, DEFAULTS) == 2.6


def test_halving_stops_at_the_floor() -> None:
    busy_minute = DropStats(calls_last_minute=30, drop_pct_last_minute=80.0)
    assert apply_drop_rules(1.4, busy_minute, NOON, DEFAULTS) == 1.0


START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ESTIMATES = CampaignEstimates()


def snapshot_at(
    seconds: float, *, free: int, paused: int = 0, answered: float = 0.0, dropped: float = 0.0
) -> PacingSnapshot:
    return PacingSnapshot(
        now=START + timedelta(seconds=seconds),
        agents_free=free,
        talking=(),
        wrapping=(),
        ringing=(),
        waiting=0,
        abandon=AbandonReading(answered, dropped, 0.0, 0.03),
        estimates=ESTIMATES,
        agents_paused=paused,
    )


def run(pacer: VicidialAdaptive, until: float, *, free: int, paused: int = 0) -> int:
    dials, t = 0, 0.0
    while t < until:
        dials += pacer.decide(snapshot_at(t, free=free, paused=paused)).dials
        t += pacer.tick_s
    return dials


def test_the_drop_figures_are_refreshed_once_a_minute_and_count_its_own_calls() -> None:
    pacer = VicidialAdaptive()
    dialled = run(pacer, 59.5, free=10)
    assert dialled > 0
    assert pacer.drops == DropStats()  # taken at the start, before any call
    pacer.decide(snapshot_at(60.0, free=10, answered=40, dropped=2))
    assert pacer.drops.calls_today == dialled
    assert pacer.drops.drop_pct_today == pytest.approx(5.0)
    # The 10 calls placed at 0 s are a minute old at 60 s: VICIdial counts calls placed after
    # one minute ago.
    last_minute = dialled - 10
    assert pacer.drops.calls_last_minute == last_minute
    assert pacer.drops.drop_pct_last_minute == pytest.approx(100 * 2 / last_minute)


def test_paused_agents_slow_the_level_as_vicidial_counts_them() -> None:
    alone, among_paused = VicidialAdaptive(), VicidialAdaptive()
    run(alone, 16, free=5)
    run(among_paused, 16, free=5, paused=20)
    assert alone.level == 2.0  # 5 ready of 5: the level doubles
    assert among_paused.level == pytest.approx(1.2)  # 5 ready of 25: a fifth more
