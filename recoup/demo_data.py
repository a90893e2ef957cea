"""Sample debtors for the demo and the end-to-end tests: seeded, varied, in the import format.

:func:`write_sample_files` writes an ``accounts.csv`` and a ``payments.csv`` in the documented
import columns (``examples/`` shows them), so the sample goes through the same validation as a
client's file. The debtors spread over four US timezones and over the payment profiles the
scripts are chosen by: a good payer who missed once (``new_delinquent``), habitual late payers,
debtors who never paid, high balances. Phone numbers are in the 555 range.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

ACCOUNT_COLUMNS = (
    "account_id", "debt_id", "first_name", "last_name", "phone", "phone2", "email",
    "address_line1", "city", "region", "postal_code", "country", "timezone", "language",
    "segment", "do_not_call", "cease_communication", "all_party_consent", "original_balance",
    "current_balance", "currency", "due_date",
)  # fmt: skip
PAYMENT_COLUMNS = ("payment_id", "account_id", "debt_id", "amount", "currency", "paid_on", "method")

_PLACES = (
    ("212", "New York", "NY", "10001"),
    ("312", "Chicago", "IL", "60654"),
    ("602", "Phoenix", "AZ", "85012"),
    ("213", "Los Angeles", "CA", "90012"),
)
_FIRST = ("Maria", "James", "Aiyana", "Chen", "Fatima", "Robert", "Lena", "Samuel", "Priya", "Ana")
_LAST = ("Lopez", "Carter", "Begay", "Wu", "Haddad", "Nguyen", "Schmidt", "Okafor", "Patel", "Ruiz")
_KINDS = ("new_delinquent", "habitual_late", "never_paid", "high_balance")


@dataclass(frozen=True, slots=True)
class SampleFiles:
    accounts: Path
    payments: Path
    debtors: int
    debts: int


def _money(minor: int) -> str:
    return f"{minor // 100}.{minor % 100:02d}"


def write_sample_files(folder: Path, debtors: int, *, today: date, seed: int = 1) -> SampleFiles:
    """Write ``debtors`` sample debtors (one or two debts each) and their payment history."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    accounts, payments = folder / "accounts.csv", folder / "payments.csv"
    debts = 0
    with (
        accounts.open("w", newline="", encoding="utf-8") as a_file,
        payments.open("w", newline="", encoding="utf-8") as p_file,
    ):
        a_out, p_out = csv.writer(a_file), csv.writer(p_file)
        a_out.writerow(ACCOUNT_COLUMNS)
        p_out.writerow(PAYMENT_COLUMNS)
        for i in range(debtors):
            area, city, region, postal = _PLACES[i % len(_PLACES)]
            kind = _KINDS[rng.randrange(len(_KINDS))]
            account = f"DEMO-{i + 1:05d}"
            phone = f"+1{area}555{i % 10_000:04d}"
            name = (_FIRST[rng.randrange(len(_FIRST))], _LAST[rng.randrange(len(_LAST))])
            consent = "yes" if region == "CA" else "no"  # California: all-party consent
            rows: list[tuple[str, int, int, date]] = []  # debt id, original, current, due
            history: list[tuple[str, int, date]] = []  # debt id, amount, paid on
            if kind == "high_balance":
                amount = rng.randrange(600_000, 2_000_000)
                rows.append(
                    (f"{account}-1", amount, amount, today - timedelta(days=rng.randrange(40, 200)))
                )
            elif kind == "never_paid":
                amount = rng.randrange(8_000, 90_000)
                rows.append(
                    (f"{account}-1", amount, amount, today - timedelta(days=rng.randrange(30, 150)))
                )
            else:
                late = kind == "habitual_late"
                for k in range(3):  # three paid bills: on time, or each one late
                    due = today - timedelta(days=30 * (4 - k))
                    amount = rng.randrange(5_000, 30_000)
                    debt_id = f"{account}-P{k + 1}"
                    rows.append((debt_id, amount, amount, due))
                    paid_on = due + timedelta(days=rng.randrange(20, 45) if late else -2)
                    history.append((debt_id, amount, min(paid_on, today - timedelta(days=1))))
                amount = rng.randrange(5_000, 40_000)
                rows.append(
                    (f"{account}-1", amount, amount, today - timedelta(days=rng.randrange(5, 25)))
                )
            for debt_id, original, current, due in rows:
                a_out.writerow(
                    (account, debt_id, name[0], name[1], phone, "", "", f"{i + 1} Main St", city,
                     region, postal, "US", "", "en", "retail", "no", "no", consent,
                     _money(original), _money(current), "USD", due.isoformat())
                )  # fmt: skip
                debts += 1
            for n, (debt_id, amount, paid_on) in enumerate(history):
                p_out.writerow(
                    (f"PAY-{account}-{n + 1}", account, debt_id, _money(amount), "USD",
                     paid_on.isoformat(), "card")
                )  # fmt: skip
    return SampleFiles(accounts, payments, debtors, debts)
