"""Amounts as creditors' files write them: a comma is a thousands separator, never a decimal one.

A European file writes twelve euros fifty as ``12,50``; read as ``1250`` it would post a hundred
times the money paid, or place a debt a hundred times too large.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from recoup.imports.accounts import RowRejectedError, parse_account_row, parse_amount
from recoup.imports.csv_file import CsvRow
from recoup.imports.payments import parse_payment_row

TODAY = date(2026, 11, 20)


def a_payment(amount: str, currency: str = "EUR") -> CsvRow:
    return CsvRow(
        7,
        {"payment_id": "P1", "account_id": "A1", "amount": amount, "currency": currency,
         "paid_on": "2026-11-18"},
        not_utf8=False,
    )  # fmt: skip


def a_debt(original: str, current: str = "") -> CsvRow:
    return CsvRow(
        2,
        {"account_id": "A1", "debt_id": "D1", "first_name": "Ann", "last_name": "Lee",
         "phone": "(212) 555-0142", "original_balance": original, "current_balance": current,
         "currency": "USD", "due_date": "2026-10-01"},
        not_utf8=False,
    )  # fmt: skip


def parse_debt(row: CsvRow) -> dict[str, object]:
    return parse_account_row(
        row, default_region="US", default_timezone="America/New_York",
        now=datetime(2026, 11, 20, tzinfo=UTC), source="a.csv",
    ).debt  # fmt: skip


@pytest.mark.parametrize("amount", ["12,50", "1,2,3", "1234,5", "1,234,56", "12,50.00"])
def test_a_decimal_comma_in_a_payment_is_refused_not_posted_a_hundred_times_over(
    amount: str,
) -> None:
    with pytest.raises(RowRejectedError, match="thousands"):
        parse_payment_row(a_payment(amount), TODAY)


@pytest.mark.parametrize(
    ("amount", "minor"),
    [("1,234.50", 123450), ("12,345,678", 1234567800), ("12.50", 1250), ("-1,000", -100000)],
)
def test_thousands_separators_are_read_as_written(amount: str, minor: int) -> None:
    assert parse_amount(amount, "EUR", "amount").minor == minor


@pytest.mark.parametrize(("amount", "minor"), [("1,234.50", 123450), ("12.50", 1250)])
def test_a_payment_with_thousands_separators_is_posted_as_written(amount: str, minor: int) -> None:
    assert parse_payment_row(a_payment(amount), TODAY).amount.minor == minor


def test_a_decimal_comma_in_a_balance_is_refused() -> None:
    with pytest.raises(RowRejectedError, match="original_balance"):
        parse_debt(a_debt("1290,00"))
    with pytest.raises(RowRejectedError, match="current_balance"):
        parse_debt(a_debt("1,290.00", "890,5"))
    assert parse_debt(a_debt("1,290.00", "890.50"))["balance_minor"] == 89050
