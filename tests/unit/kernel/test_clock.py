from datetime import UTC, datetime

import pytest

from recoup.clock import ManualClock, ScaledClock


async def test_a_scaled_clock_runs_a_simulated_minute_in_a_real_second() -> None:
    clock = ScaledClock(scale=60, start=datetime(2026, 11, 20, 9, tzinfo=UTC))
    before = clock.monotonic()
    await clock.sleep(6)  # 0.1 s of real time
    assert 5.5 <= clock.monotonic() - before < 12
    assert clock.now() > datetime(2026, 11, 20, 9, tzinfo=UTC)


def test_a_manual_clock_moves_only_when_told() -> None:
    clock = ManualClock(datetime(2026, 11, 20, 9, tzinfo=UTC))
    assert clock.now() == datetime(2026, 11, 20, 9, tzinfo=UTC)
    clock.advance(90)
    assert clock.now() == datetime(2026, 11, 20, 9, 1, 30, tzinfo=UTC)
    with pytest.raises(ValueError, match="does not go back"):
        clock.advance(-1)


def test_clocks_refuse_naive_starts() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        ScaledClock(start=datetime(2026, 11, 20))
    with pytest.raises(ValueError, match="positive"):
        ScaledClock(scale=0)
