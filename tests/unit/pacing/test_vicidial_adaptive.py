"""VICIdial's adaptive dial level, as its documentation describes it."""

from __future__ import annotations

import pytest

from dialer.pacing.baselines import (
    DropMode,
    VicidialSettings,
    adapt_level,
    apply_drop_rules,
)

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


def test_hard_limit_drops_to_one_at_the_drop_target() -> None:
    hard = VicidialSettings(drop_mode=DropMode.HARD_LIMIT)
    assert apply_drop_rules(2.5, 3.0, 0.0, 0.9, hard) == 1.0
    assert apply_drop_rules(2.5, 2.9, 0.0, 0.9, hard) == 2.5


def test_average_scales_the_level_by_how_far_over_the_target_it_is() -> None:
    average = VicidialSettings(drop_mode=DropMode.AVERAGE)
    assert apply_drop_rules(2.4, 4.0, 0.0, 0.5, average) == pytest.approx(1.8)


def test_tapered_allows_more_drops_early_in_the_shift() -> None:
    tapered = VicidialSettings(drop_mode=DropMode.TAPERED)
    assert apply_drop_rules(2.5, 4.0, 0.0, 0.1, tapered) == 2.5  # early: up to ~5.4%
    assert apply_drop_rules(2.5, 4.0, 0.0, 0.6, tapered) == 1.0  # late: the target itself


def test_more_than_half_the_last_minutes_calls_dropped_halves_the_level() -> None:
    assert apply_drop_rules(2.6, 1.0, 60.0, 0.5, DEFAULTS) == pytest.approx(1.3)


def test_halving_stops_at_the_floor() -> None:
    assert apply_drop_rules(1.4, 1.0, 80.0, 0.5, DEFAULTS) == 1.0
