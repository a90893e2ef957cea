"""The AMD governor switches AMD off when its false positives alone would use up the cap."""

from __future__ import annotations

import pytest

from dialer.pacing.amd_governor import govern_amd


def test_an_amd_that_hangs_up_on_5_percent_of_people_is_switched_off_under_a_3_percent_cap() -> (
    None
):
    verdict = govern_amd(0.05, 0.03)
    assert not verdict.use_amd
    assert "AMD off" in verdict.reason
    assert "machines go to agents" in verdict.reason


def test_an_accurate_amd_stays_on() -> None:
    verdict = govern_amd(0.005, 0.03)
    assert verdict.use_amd


def test_a_nonsense_false_positive_rate_is_refused() -> None:
    with pytest.raises(ValueError, match="fraction"):
        govern_amd(1.5, 0.03)
