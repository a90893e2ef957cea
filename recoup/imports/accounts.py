"""``recoup import accounts FILE.csv``: debtors, their accounts and their debts.

One row per debt. Columns (header names, any order, case-insensitive):

=====================  ========  ==========================================================
column                 required  meaning
=====================  ========  ==========================================================
account_id             yes       the creditor's account number
debt_id                yes       the invoice / debt number, unique across all imports
first_name, last_name  yes       the debtor's name
phone                  yes       main phone; national numbers are read in the default region
phone2                 no        a second phone
email                  no
address_line1, city,   no        the address; country is ISO 3166 alpha-2 (US, GB ...);
region, postal_code,             the debtor's timezone is derived from it when known
country
timezone               no        an IANA zone (America/Chicago) that overrides the derivation
language               no        en, es ... (default en)
debtor_id              no        groups accounts of one debtor (default: the account_id)
segment                no        the creditor's portfolio / segment
do_not_call,           no        yes/no, true/false, 1/0
cease_communication,
all_party_consent
original_balance       yes       amount as first placed, e.g. 1250.00
current_balance        no        what is owed today (default: the original balance)
currency               yes       ISO 4217 (USD, EUR, GBP ...)
due_date               yes       YYYY-MM-DD
=====================  ========  ==========================================================

A row is rejected (with its line and reason) when a required value is missing or wrong, the
phone is not a valid number, a text is longer than its record holds, an amount is negative or
the balance exceeds the original, the debt id was already imported or appears twice in the
file, or the same account or debtor id is given with different details than on an earlier line
or in an earlier import. One difference is taken: a later row may set do_not_call or
cease_communication on a debtor (it is obeyed from then on); no file ever lifts them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

import phonenumbers
from sqlalchemy import Table, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from recoup.domain.model import Address
from recoup.domain.money import Money, MoneyError, check_currency
from recoup.imports.csv_file import CsvFile, CsvRow, RowError, undecodable_reason
from recoup.imports.report import ImportReport
from recoup.rules.debtor_timezone import resolve_debtor_timezone
from recoup.storage import tables as t

REQUIRED = (
    "account_id", "debt_id", "first_name", "last_name", "phone",
    "original_balance", "currency", "due_date",
)  # fmt: skip
OPTIONAL = (
    "phone2", "email", "address_line1", "city", "region", "postal_code", "country",
    "timezone", "language", "debtor_id", "segment", "do_not_call", "cease_communication",
    "all_party_consent", "current_balance",
)  # fmt: skip
_TRUE = {"1", "y", "yes", "true", "t"}
_FALSE = {"", "0", "n", "no", "false", "f"}
_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:")


class RowRejectedError(ValueError):
    """One row's reason for rejection."""


@dataclass(frozen=True, slots=True)
class AccountRow:
    line: int
    debtor: dict[str, object]
    phones: tuple[str, ...]
    account: dict[str, object]
    debt: dict[str, object]


@dataclass
class AccountsPlan:
    """What the file would write, after validation."""

    debtors: dict[str, dict[str, object]] = field(default_factory=dict)
    phones: dict[str, tuple[str, ...]] = field(default_factory=dict)
    accounts: dict[str, dict[str, object]] = field(default_factory=dict)
    debts: list[dict[str, object]] = field(default_factory=list)
    # stored debtors a later file restricts: do_not_call / cease_communication turned on
    restrictions: dict[str, dict[str, bool]] = field(default_factory=dict)


def parse_flag(text: str, column: str) -> bool:
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    msg = f"{column} must be yes or no, not {text!r}"
    raise RowRejectedError(msg)


def parse_date(text: str, column: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        msg = f"{column} {text!r} is not a date (YYYY-MM-DD)"
        raise RowRejectedError(msg) from None


_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")


def parse_amount(text: str, currency: str, column: str) -> Money:
    """An amount in ``currency``; a comma only as a thousands separator (``1,234.50``).

    ``12,50`` is twelve fifty in much of Europe: read without its comma it would be 1,250.00,
    a hundred times the money, so a comma anywhere else than between groups of three digits
    rejects the row.
    """
    try:
        check_currency(currency)
    except MoneyError as exc:
        raise RowRejectedError(str(exc)) from None
    if "," in text and not _GROUPED.fullmatch(text.strip()):
        msg = (
            f"{column} {text!r}: a comma may only separate thousands (1,234.50); "
            "write decimals with a point"
        )
        raise RowRejectedError(msg)
    try:
        return Money.parse(text, currency)
    except MoneyError as exc:
        raise RowRejectedError(f"{column}: {exc}") from None


def parse_id(text: str, column: str) -> str:
    value = text.strip()
    if not value:
        msg = f"{column} is empty"
        raise RowRejectedError(msg)
    if len(value) > 64 or not set(value) <= _ID_CHARS:
        msg = f"{column} {value!r} must be 1-64 letters, digits or -_./:"
        raise RowRejectedError(msg)
    return value


def check_fits(values: Mapping[str, object], table: Table) -> None:
    """Refuse a text longer than its column holds (PostgreSQL would fail the whole import on
    it, SQLite would store it whole: neither is what the row asked for)."""
    for name, value in values.items():
        length = getattr(table.c[name].type, "length", None)
        if isinstance(value, str) and isinstance(length, int) and len(value) > length:
            msg = f"{name} is {len(value)} characters long; the record holds at most {length}"
            raise RowRejectedError(msg)


def parse_phone(text: str, region: str, column: str) -> str:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        msg = f"{column} {text!r} is not a phone number"
        raise RowRejectedError(msg) from None
    if not phonenumbers.is_valid_number(number):
        msg = f"{column} {text!r} is not a valid number"
        raise RowRejectedError(msg)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_account_row(
    row: CsvRow, *, default_region: str, default_timezone: str, now: datetime, source: str
) -> AccountRow:
    """Validate one row; raise :class:`RowRejectedError` with the reason."""
    g = row.get
    account_id = parse_id(g("account_id"), "account_id")
    debt_id = parse_id(g("debt_id"), "debt_id")
    debtor_id = parse_id(g("debtor_id"), "debtor_id") if g("debtor_id") else account_id
    first, last = g("first_name"), g("last_name")
    if not first and not last:
        msg = "first_name and last_name are both empty"
        raise RowRejectedError(msg)
    country = g("country").upper()
    if country and (len(country) != 2 or not country.isalpha()):
        msg = f"country {g('country')!r} must be a two-letter ISO code (US, GB ...)"
        raise RowRejectedError(msg)
    region_for_phone = country or default_region
    phones = [parse_phone(g("phone"), region_for_phone, "phone")]
    if g("phone2"):
        second = parse_phone(g("phone2"), region_for_phone, "phone2")
        if second not in phones:
            phones.append(second)
    original = parse_amount(g("original_balance"), g("currency"), "original_balance")
    current = (
        parse_amount(g("current_balance"), g("currency"), "current_balance")
        if g("current_balance")
        else original
    )
    if original.minor < 0 or current.minor < 0:
        msg = "amounts cannot be negative (a credit is not a debt)"
        raise RowRejectedError(msg)
    if current.minor > original.minor:
        msg = "current_balance is larger than original_balance"
        raise RowRejectedError(msg)
    due = parse_date(g("due_date"), "due_date")
    address = Address(g("address_line1"), g("city"), g("region"), g("postal_code"), country)
    zone = resolve_debtor_timezone(
        explicit=g("timezone") or None,
        address=address,
        phones=tuple(phones),
        default_zone=default_timezone,
    )
    if g("timezone") and zone.source != "explicit":
        msg = f"timezone {g('timezone')!r} is not an IANA zone name (e.g. America/Chicago)"
        raise RowRejectedError(msg)
    email = g("email")
    if email and ("@" not in email or len(email) > 254 or any(c.isspace() for c in email)):
        msg = f"email {email!r} is not an address"
        raise RowRejectedError(msg)
    language = (g("language") or "en").lower()
    if not (2 <= len(language) <= 16):
        msg = f"language {g('language')!r} should be a code such as en or es"
        raise RowRejectedError(msg)
    debtor = {
        "id": debtor_id, "first_name": first, "last_name": last, "email": email,
        "address_line1": address.line1, "city": address.city, "region": address.region,
        "postal_code": address.postal_code, "country": country,
        "timezone": zone.zone, "timezone_source": zone.source,
        "timezone_candidates": ",".join(zone.candidates), "language": language,
        "do_not_call": parse_flag(g("do_not_call"), "do_not_call"),
        "cease_communication": parse_flag(g("cease_communication"), "cease_communication"),
        "all_party_consent": parse_flag(g("all_party_consent"), "all_party_consent"),
        "created_at": now,
    }  # fmt: skip
    account = {"id": account_id, "debtor_id": debtor_id, "segment": g("segment"), "created_at": now}
    debt = {
        "id": debt_id, "account_id": account_id, "original_minor": original.minor,
        "balance_minor": current.minor, "currency": original.currency, "due_date": due,
        "status": "paid" if current.minor == 0 else "open",
        "paid_on": None, "import_file": source,
    }  # fmt: skip
    check_fits(debtor, t.debtor)
    check_fits(account, t.account)
    check_fits(debt, t.debt)
    return AccountRow(row.line, debtor, tuple(phones), account, debt)


_RESTRICTIONS = ("do_not_call", "cease_communication")


def _tightened(new: dict[str, object], known: dict[str, object]) -> dict[str, bool]:
    """The restrictions ``new`` turns on that ``known`` lacks (a file may add them, never lift
    them: a debtor's request to stop calls stands until the debtor withdraws it)."""
    return {k: True for k in _RESTRICTIONS if new[k] and not known.get(k)}


def _same(new: dict[str, object], known: dict[str, object]) -> bool:
    """Whether a row repeats what is known (a stored bool may come back as an int)."""
    return all(
        new[k] == known.get(k) or (isinstance(new[k], bool) and new[k] == bool(known.get(k)))
        for k in new
        if k != "created_at"
    )


def parse_accounts(
    csv_file: CsvFile,
    report: ImportReport,
    *,
    default_region: str,
    default_timezone: str,
    now: datetime,
    progress: Callable[[int], None] = lambda _n: None,
) -> list[AccountRow]:
    """Validate every row on its own (no database: the slow part, done before any lock)."""
    parsed: list[AccountRow] = []
    for row in csv_file.rows:
        progress(1)
        if row.not_utf8:
            report.reject(
                RowError(row.line, undecodable_reason(csv_file.encoding), row.get("debt_id"))
            )
            continue
        try:
            parsed.append(
                parse_account_row(
                    row,
                    default_region=default_region,
                    default_timezone=default_timezone,
                    now=now,
                    source=csv_file.path.name,
                )
            )
        except RowRejectedError as exc:
            report.reject(RowError(row.line, str(exc), row.get("debt_id")))
    return parsed


async def plan_accounts(
    connection: AsyncConnection, parsed: list[AccountRow], report: ImportReport
) -> AccountsPlan:
    """Check the parsed rows against each other and the database; collect what to write."""
    plan = AccountsPlan()
    existing_debts = await _stored(connection, t.debt, [str(r.debt["id"]) for r in parsed])
    stored_accounts = await _stored(connection, t.account, [str(r.account["id"]) for r in parsed])
    stored_debtors = await _stored(connection, t.debtor, [str(r.debtor["id"]) for r in parsed])
    known_accounts: dict[str, dict[str, object]] = dict(stored_accounts)
    known_debtors: dict[str, dict[str, object]] = dict(stored_debtors)
    known_phones = await _stored_phones(connection, sorted(stored_debtors))
    seen_debts: dict[str, int] = {}
    for r in parsed:
        debt_id, account_id, debtor_id = (
            str(r.debt["id"]), str(r.account["id"]), str(r.debtor["id"])
        )  # fmt: skip
        if debt_id in existing_debts:
            report.reject(RowError(r.line, "debt_id was already imported", debt_id))
            continue
        if debt_id in seen_debts:
            report.reject(
                RowError(r.line, f"duplicate debt_id (also on line {seen_debts[debt_id]})", debt_id)
            )
            continue
        known_account = known_accounts.get(account_id)
        if known_account is not None and not _same(r.account, known_account):
            report.reject(
                RowError(r.line, "account_id given before with another debtor or segment", debt_id)
            )
            continue
        known_debtor = known_debtors.get(debtor_id)
        tightened = _tightened(r.debtor, known_debtor) if known_debtor is not None else {}
        if known_debtor is not None and (
            not _same({**r.debtor, **dict.fromkeys(tightened, False)}, known_debtor)
            or known_phones.get(debtor_id, r.phones) != r.phones
        ):
            report.reject(
                RowError(r.line, f"debtor {debtor_id} given before with other details", debt_id)
            )
            continue
        if known_debtor is not None and tightened:
            known_debtor.update(tightened)  # a new debtor's row to write, or the stored one
            if debtor_id not in plan.debtors:
                plan.restrictions.setdefault(debtor_id, {}).update(tightened)
        seen_debts[debt_id] = r.line
        if debtor_id not in known_debtors:
            known_debtors[debtor_id] = plan.debtors[debtor_id] = r.debtor
            known_phones[debtor_id] = plan.phones[debtor_id] = r.phones
        if account_id not in known_accounts:
            known_accounts[account_id] = plan.accounts[account_id] = r.account
        plan.debts.append(r.debt)
        report.take()
    return plan


async def write_accounts(connection: AsyncConnection, plan: AccountsPlan) -> None:
    """Write the plan's new rows (inside the caller's transaction)."""
    if plan.debtors:
        await connection.execute(insert(t.debtor), list(plan.debtors.values()))
        phone_rows = [
            {"debtor_id": debtor_id, "number": number, "rank": rank}
            for debtor_id, numbers in plan.phones.items()
            for rank, number in enumerate(numbers)
        ]
        await connection.execute(insert(t.phone), phone_rows)
    if plan.accounts:
        await connection.execute(insert(t.account), list(plan.accounts.values()))
    if plan.debts:
        await connection.execute(insert(t.debt), plan.debts)
    for debtor_id, restrictions in sorted(plan.restrictions.items()):
        await connection.execute(
            update(t.debtor).where(t.debtor.c.id == debtor_id).values(**restrictions)
        )


async def _stored(
    connection: AsyncConnection, table: Table, ids: list[str]
) -> dict[str, dict[str, object]]:
    """The stored rows of ``table`` among ``ids``, by id."""
    found: dict[str, dict[str, object]] = {}
    unique = sorted(set(ids))
    for start in range(0, len(unique), 500):
        chunk = unique[start : start + 500]
        result = await connection.execute(select(table).where(table.c.id.in_(chunk)))
        found.update((str(row["id"]), dict(row)) for row in result.mappings())
    return found


async def _stored_phones(
    connection: AsyncConnection, debtor_ids: list[str]
) -> dict[str, tuple[str, ...]]:
    """The stored debtors' numbers, main number first, as an import wrote them."""
    found: dict[str, list[str]] = {}
    for start in range(0, len(debtor_ids), 500):
        result = await connection.execute(
            select(t.phone.c.debtor_id, t.phone.c.number)
            .where(t.phone.c.debtor_id.in_(debtor_ids[start : start + 500]))
            .order_by(t.phone.c.debtor_id, t.phone.c.rank, t.phone.c.id)
        )
        for debtor_id, number in result:
            found.setdefault(debtor_id, []).append(number)
    return {debtor_id: tuple(numbers) for debtor_id, numbers in found.items()}
