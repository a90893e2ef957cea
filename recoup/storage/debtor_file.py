"""The collector's file on a debtor: debtor, debts, payments, promises and open issues, read
in a few queries for many debtors at once (the demo summary, the screen pop, the reports)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import RowMapping, Select, and_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from recoup.domain.model import (
    Address,
    Debt,
    Debtor,
    DebtStatus,
    IssueStatus,
    Payment,
    PromiseStatus,
    PromiseToPay,
)
from recoup.rules.payment_profile import ProfilePolicy, ProfileVerdict, classify_payment_profile
from recoup.storage import tables as t


@dataclass(frozen=True, slots=True)
class DebtorFile:
    debtor: Debtor
    debts: tuple[Debt, ...]
    payments: tuple[Payment, ...]
    promises: tuple[PromiseToPay, ...]
    open_issues: int

    def profile(self, today: date, policy: ProfilePolicy) -> ProfileVerdict:
        return classify_payment_profile(
            self.debts, self.payments, self.promises, today, policy, open_disputes=self.open_issues
        )


def debtor_from_row(row: RowMapping, phones: Sequence[str]) -> Debtor:
    return Debtor(
        id=row["id"], first_name=row["first_name"], last_name=row["last_name"],
        phones=tuple(phones), timezone=row["timezone"], timezone_source=row["timezone_source"],
        email=row["email"],
        address=Address(row["address_line1"], row["city"], row["region"], row["postal_code"],
                        row["country"]),
        language=row["language"], do_not_call=bool(row["do_not_call"]),
        cease_communication=bool(row["cease_communication"]),
        all_party_consent=bool(row["all_party_consent"]),
    )  # fmt: skip


async def load_debtor_files(
    connection: AsyncConnection, debtor_ids: Sequence[str] | None = None
) -> list[DebtorFile]:
    """Every debtor's file (or those named), ordered by debtor id."""

    def only(query: Select[Any], column: Any) -> Select[Any]:
        return query if debtor_ids is None else query.where(column.in_(list(debtor_ids)))

    debtors = (
        (await connection.execute(only(select(t.debtor), t.debtor.c.id).order_by(t.debtor.c.id)))
        .mappings()
        .all()
    )
    phones: dict[str, list[str]] = defaultdict(list)
    phone_rows = await connection.execute(
        only(
            select(t.phone.c.debtor_id, t.phone.c.number)
            .where(t.phone.c.suppressed.is_(False))
            .order_by(t.phone.c.debtor_id, t.phone.c.rank),
            t.phone.c.debtor_id,
        )
    )
    for debtor_id, number in phone_rows:
        phones[debtor_id].append(number)
    debt_q = select(t.debt, t.account.c.debtor_id).join(t.account)
    debts: dict[str, list[Debt]] = defaultdict(list)
    debtor_of_debt: dict[str, str] = {}
    for r in (await connection.execute(only(debt_q, t.account.c.debtor_id))).mappings():
        debts[r["debtor_id"]].append(
            Debt(r["id"], r["account_id"], r["original_minor"], r["balance_minor"],
                 r["currency"], r["due_date"], DebtStatus(r["status"]))
        )  # fmt: skip
        debtor_of_debt[r["id"]] = r["debtor_id"]
    payments: dict[str, list[Payment]] = defaultdict(list)
    pay_q = select(t.payment, t.account.c.debtor_id).join(t.account)
    for r in (await connection.execute(only(pay_q, t.account.c.debtor_id))).mappings():
        payments[r["debtor_id"]].append(
            Payment(r["reference"], r["account_id"], r["debt_id"], r["amount_minor"],
                    r["currency"], r["paid_on"], r["source_file"])
        )  # fmt: skip
    promises: dict[str, list[PromiseToPay]] = defaultdict(list)
    for r in (await connection.execute(select(t.promise))).mappings():
        debtor_id = debtor_of_debt.get(r["debt_id"])
        if debtor_id is not None:
            promises[debtor_id].append(
                PromiseToPay(r["id"], r["debt_id"], r["amount_minor"], r["currency"],
                             r["due_on"], r["made_at"], PromiseStatus(r["status"]),
                             r["paid_minor"])
            )  # fmt: skip
    issues: dict[str, int] = defaultdict(int)
    issue_rows = await connection.execute(
        select(t.issue.c.debt_id).where(and_(t.issue.c.status != IssueStatus.RESOLVED.value))
    )
    for (debt_id,) in issue_rows:
        debtor_id = debtor_of_debt.get(debt_id)
        if debtor_id is not None:
            issues[debtor_id] += 1
    return [
        DebtorFile(
            debtor_from_row(d, phones[d["id"]]),
            tuple(debts[d["id"]]),
            tuple(payments[d["id"]]),
            tuple(promises[d["id"]]),
            issues[d["id"]],
        )
        for d in debtors
    ]
