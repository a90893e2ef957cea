"""Amounts from files, keypads and forms: anything a record cannot hold is a clear refusal."""

from __future__ import annotations

import pytest

from recoup.domain.money import MAX_MINOR, Money, MoneyError


@pytest.mark.parametrize("text", ["1e999999", "1e5000", "9" * 30, "-1e40"])
def test_an_amount_too_large_for_a_record_is_refused_not_a_crash(text: str) -> None:
    with pytest.raises(MoneyError, match="too large"):
        Money.parse(text, "USD")


def test_the_largest_amount_a_record_holds_is_accepted() -> None:
    largest = f"{MAX_MINOR // 100}.{MAX_MINOR % 100:02d}"
    assert Money.parse(largest, "USD").minor == MAX_MINOR
    assert Money.parse("1,234.50", "USD").minor == 123450
