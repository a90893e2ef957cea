"""Reading a creditor's CSV file: a broken quote says how much of the file it swallowed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from recoup.imports.csv_file import ImportFileError, read_csv


def a_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "payments.csv"
    path.write_text(body, encoding="utf-8")
    return path


def test_a_quote_never_closed_names_every_line_it_swallowed(tmp_path: Path) -> None:
    path = a_file(
        tmp_path,
        "payment_id,amount\n"
        "P1,10.00\n"
        'P2,"10.00\n'  # the quote runs to the end of the file
        "P3,10.00\n"
        "P4,10.00\n"
        "P5,10.00\n",
    )
    read = read_csv(path, ["payment_id", "amount"], [])
    assert [r.get("payment_id") for r in read.rows] == ["P1"]
    [error] = read.malformed
    assert error.line == 3
    assert "lines 3-6" in error.reason  # four payments lost, not one


def test_a_quote_that_runs_past_the_field_limit_names_the_lines_it_swallowed(
    tmp_path: Path,
) -> None:
    filler = "".join(f"P{n},{'9' * 200}\n" for n in range(2, 1000))
    path = a_file(tmp_path, 'payment_id,amount\nP1,"10.00\n' + filler)
    read = read_csv(path, ["payment_id", "amount"], [])
    [error, *_] = read.malformed
    assert error.line == 2
    assert "field larger than field limit" in error.reason
    swallowed = re.search(r"lines 2-(\d+) could not be read", error.reason)
    assert swallowed is not None
    first_read = min(r.line for r in read.rows)
    assert int(swallowed[1]) == first_read - 1  # every line is either read or named


def test_a_broken_quote_on_one_line_names_that_line_only(tmp_path: Path) -> None:
    path = a_file(tmp_path, 'payment_id,amount\nP1,"10"0\nP2,10.00\n')
    read = read_csv(path, ["payment_id", "amount"], [])
    [error] = read.malformed
    assert error.line == 2
    assert "lines" not in error.reason
    assert [r.line for r in read.rows] == [3]


def test_empty_columns_a_spreadsheet_left_at_the_end_do_not_refuse_the_file(
    tmp_path: Path,
) -> None:
    path = a_file(tmp_path, "payment_id,amount,,\nP1,10.00,,\nP2,12.00,,\n")
    read = read_csv(path, ["payment_id", "amount"], [])
    assert [r.get("payment_id") for r in read.rows] == ["P1", "P2"]
    assert read.malformed == ()
    assert read.ignored_columns == ("(2 unnamed)",)


def test_a_file_separated_by_semicolons_is_told_so(tmp_path: Path) -> None:
    path = a_file(tmp_path, "payment_id;amount\nP1;10,00\n")
    with pytest.raises(ImportFileError, match="separated by ';'"):
        read_csv(path, ["payment_id", "amount"], [])
