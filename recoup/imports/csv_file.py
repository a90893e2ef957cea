"""Reading a CSV file into numbered rows, with every problem said plainly.

The file is read as bytes and decoded as UTF-8 (a byte-order mark is allowed). Bytes that are
not UTF-8 do not stop the import: they are kept as surrogate escapes, and the rows that hold
them are rejected with their line number, so one mis-encoded name never costs the other rows.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path


class ImportFileError(Exception):
    """The file as a whole cannot be imported (missing, empty, missing columns)."""


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    reason: str
    key: str = ""  # the row's id, when it has one

    def __str__(self) -> str:
        where = f"line {self.line}"
        return f"{where} ({self.key}): {self.reason}" if self.key else f"{where}: {self.reason}"


@dataclass(frozen=True, slots=True)
class CsvRow:
    line: int  # the physical line the row starts on, counting the header as line 1
    values: dict[str, str]
    not_utf8: bool

    def get(self, column: str) -> str:
        return self.values.get(column, "").strip()


@dataclass(frozen=True, slots=True)
class CsvFile:
    path: Path
    sha256: str
    columns: tuple[str, ...]
    rows: tuple[CsvRow, ...]
    ignored_columns: tuple[str, ...]
    malformed: tuple[RowError, ...]
    encoding: str = "utf-8"


def read_csv(
    path: Path,
    required: Sequence[str],
    optional: Sequence[str],
    *,
    encoding: str = "utf-8",
) -> CsvFile:
    """Read ``path``; raise :class:`ImportFileError` when no row could be taken at all."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        msg = f"cannot read {path}: {exc.strerror or exc}"
        raise ImportFileError(msg) from exc
    digest = hashlib.sha256(data).hexdigest()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode(encoding, errors="surrogateescape")
    except LookupError:
        msg = f"unknown encoding {encoding!r}"
        raise ImportFileError(msg) from None
    if not text.strip():
        msg = f"{path.name} is empty: expected a header line and rows"
        raise ImportFileError(msg)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except csv.Error as exc:
        msg = f"{path.name}: the header line is not valid CSV ({exc})"
        raise ImportFileError(msg) from exc
    columns = tuple(h.strip().lower() for h in header)
    if any("\udc80" <= ch <= "\udcff" for ch in "".join(columns)):
        msg = f"{path.name}: the header line is not {encoding}; save the file as UTF-8"
        raise ImportFileError(msg)
    missing = [c for c in required if c not in columns]
    if missing:
        msg = (
            f"{path.name} lacks the column(s) {', '.join(missing)}; required: {', '.join(required)}"
        )
        separator = next((sep for sep in ";\t|" if len(columns) == 1 and sep in columns[0]), None)
        if separator is not None:  # a spreadsheet's "CSV" in a locale that writes 12,50
            msg += f" (the header is separated by {separator!r}: save the file with commas)"
        raise ImportFileError(msg)
    # A spreadsheet often leaves empty header cells after the last column: unnamed, ignored.
    duplicated = sorted({c for c in columns if c and columns.count(c) > 1})
    if duplicated:
        msg = f"{path.name} names the column(s) {', '.join(duplicated)} more than once"
        raise ImportFileError(msg)
    known = set(required) | set(optional)
    unnamed = columns.count("")
    ignored = tuple(c for c in columns if c and c not in known) + (
        (f"({unnamed} unnamed)",) if unnamed else ()
    )
    rows: list[CsvRow] = []
    malformed: list[RowError] = []
    for line, record in _records(reader):
        taken = record if isinstance(record, str) else _row(line, record, columns)
        if isinstance(taken, CsvRow):
            rows.append(taken)
        elif taken is not None:
            malformed.append(RowError(line, taken))
    return CsvFile(path, digest, columns, tuple(rows), ignored, tuple(malformed), encoding)


def _row(line: int, record: list[str], columns: tuple[str, ...]) -> CsvRow | str | None:
    """The record as a row, or why it cannot be one (None: a blank line, not a row)."""
    if not any(field.strip() for field in record):
        return None
    if len(record) != len(columns):
        return f"has {len(record)} fields, the header has {len(columns)}"
    with_nul = [c for c, f in zip(columns, record, strict=True) if "\x00" in f]
    if with_nul:
        return f"{', '.join(with_nul)} holds a NUL character, which no record can store"
    bad_bytes = any("\udc80" <= ch <= "\udcff" for field in record for ch in field)
    return CsvRow(line, dict(zip(columns, record, strict=True)), bad_bytes)


def _records(reader: Iterator[list[str]]) -> Iterator[tuple[int, list[str] | str]]:
    """``(line, fields)`` for each record, or ``(line, reason)`` where the CSV is broken."""
    line = 2
    csv_reader = reader
    while True:
        start = getattr(csv_reader, "line_num", line - 1) + 1
        try:
            record = next(csv_reader)
        except StopIteration:
            return
        except csv.Error as exc:
            # A quote never closed runs on over the next lines (to the end of the file, or until
            # the field limit): every line it took is named, so nobody thinks one row was lost.
            end = getattr(csv_reader, "line_num", start)
            span = f"; lines {start}-{end} could not be read" if end > start else ""
            yield start, f"is not valid CSV ({exc}){span}"
            continue
        yield start, record


def undecodable_reason(encoding: str) -> str:
    if codecs.lookup(encoding).name == "utf-8":
        return (
            "holds bytes that are not UTF-8 (e.g. a name saved as Latin-1); "
            "save the file as UTF-8 or pass --encoding"
        )
    return f"holds bytes that are not {encoding}; check the file's --encoding"
