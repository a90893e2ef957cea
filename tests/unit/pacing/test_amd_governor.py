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


def test_the_verdict_names_a_cap_that_is_not_a_whole_percent_as_it_is() -> None:
    # A 2.5% cap is not "the 2% cap", and a 0.5% one not "the 0% cap".
    assert "the 2.5% abandon cap" in govern_amd(0.02, 0.025).reason
    assert "the 0.5% abandon cap" in govern_amd(0.004, 0.005).reason


def test_an_amd_kept_on_just_under_its_limit_says_it_is_under() -> None:
    # 1.49% against a limit of 1.5%: not "1.5%, within 1.5%".
    verdict = govern_amd(0.0149, 0.03)
    assert verdict.use_amd
    assert "1.49%" in verdict.reason
    assert "1.5%" in verdict.reason
