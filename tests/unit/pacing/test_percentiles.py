"""The 95th percentile the what-if table reports for agents' and callers' waits."""

from __future__ import annotations

from dialer.pacing.simulation import p95


def test_of_twenty_waits_the_95th_percentile_is_the_nineteenth_not_the_longest() -> None:
    waits = [float(s) for s in range(1, 21)]
    assert p95(waits) == 19.0


def test_of_a_hundred_waits_it_is_the_ninety_fifth() -> None:
    assert p95([float(s) for s in range(1, 101)]) == 95.0


def test_one_wait_is_its_own_percentile_and_none_reads_zero() -> None:
    assert p95([7.5]) == 7.5
    assert p95([]) == 0.0
