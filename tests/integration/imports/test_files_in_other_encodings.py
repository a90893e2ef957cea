"""A file read with ``--encoding``: a row the encoding cannot read says so in that encoding's
name, not as a UTF-8 problem the manager has already worked around."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from recoup.imports.run import import_payments
from tests.conftest import DatabaseUnderTest

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


async def test_a_row_not_in_the_encoding_given_names_that_encoding(
    database: DatabaseUnderTest, tmp_path: Path
) -> None:
    path = tmp_path / "payments.csv"
    path.write_bytes(
        b"payment_id,account_id,amount,currency,paid_on,method\n"
        b"P1,A1,10.00,USD,2026-11-18,ch\x81que\n"  # 0x81 is no character in cp1252
    )
    report = await import_payments(database.engine, path, now=NOW, encoding="cp1252")
    [error] = report.rejected
    assert error.line == 2
    assert "holds bytes that are not cp1252" in error.reason
    assert "UTF-8" not in error.reason
