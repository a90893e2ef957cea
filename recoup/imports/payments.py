"""``recoup import payments FILE.csv``: post payments so nobody is called about a paid debt.

Columns (header names, any order, case-insensitive):

============  ========  ===============================================================
column        required  meaning
============  ========  ===============================================================
payment_id    yes       the creditor's payment reference, unique across all imports
account_id    yes       the account paid
debt_id       no        the debt paid; without it the account's debts are paid oldest first
amount        yes       positive, e.g. 150.00
currency      yes       must be the debt's currency
paid_on       yes       YYYY-MM-DD, not in the future
method        no        card, transfer, cheque ... (free text)
============  ========  ===============================================================

Posting lowers the balances, marks a debt paid when nothing is left, sets each pending promise
on the debts paid to kept or partial (:mod:`recoup.ledger.posting`), voids a kept promise's
reminder and check and every pending call about a debt paid off (a payment check on it is done),
and takes every paid debt off every campaign's dialing list for good (reason ``paid``), in the
same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from recoup.domain.model import Debt, DebtStatus, LeadStatus, Payment, PromiseStatus, PromiseToPay
from recoup.domain.money import Money
from recoup.imports.accounts import RowRejectedError, parse_amount, parse_date, parse_id
from recoup.imports.csv_file import CsvFile, CsvRow, RowError, undecodable_reason
from recoup.imports.report import ImportReport
from recoup.ledger.posting import PostingError, allocate_payment, promise_status
from recoup.storage import tables as t
from recoup.storage.debts import paid_debts

_PENDING, _DONE, _VOID = "pending", "done", "void"  # a follow-up's status
_PROMISE_FOLLOW_UPS = ("promise_reminder", "promise_check")
_PAYMENT_CHECK = "payment_check"
REQUIRED = ("payment_id", "account_id", "amount", "currency", "paid_on")
OPTIONAL = ("debt_id", "method")


@dataclass(frozen=True, slots=True)
class PaymentRow:
    line: int
    reference: str
    account_id: str
    debt_id: str | None
    amount: Money
    paid_on: date
    method: str


@dataclass
class PaymentsPlan:
    payments: list[dict[str, object]] = field(default_factory=list)
    debts: dict[str, Debt] = field(default_factory=dict)  # balances after posting
    touched: set[str] = field(default_factory=set)

    @property
    def paid_off(self) -> list[str]:
        return sorted(d for d in self.touched if self.debts[d].balance_minor == 0)


def parse_payment_row(row: CsvRow, today: date) -> PaymentRow:
    g = row.get
    reference = parse_id(g("payment_id"), "payment_id")
    account_id = parse_id(g("account_id"), "account_id")
    debt_id = parse_id(g("debt_id"), "debt_id") if g("debt_id") else None
    amount = parse_amount(g("amount"), g("currency"), "amount")
    if amount.minor <= 0:
        msg = "amount must be positive (refunds are not payments)"
        raise RowRejectedError(msg)
    paid_on = parse_date(g("paid_on"), "paid_on")
    if paid_on > today:
        msg = f"paid_on {paid_on} is in the future"
        raise RowRejectedError(msg)
    return PaymentRow(row.line, reference, account_id, debt_id, amount, paid_on, g("method")[:32])


def parse_payments(
    csv_file: CsvFile,
    report: ImportReport,
    *,
    now: datetime,
    progress: Callable[[int], None] = lambda _n: None,
) -> list[PaymentRow]:
    """Validate every row on its own (no database: done before any lock)."""
    today = now.date()
    parsed: list[PaymentRow] = []
    for row in csv_file.rows:
        progress(1)
        if row.not_utf8:
            report.reject(
                RowError(row.line, undecodable_reason(csv_file.encoding), row.get("payment_id"))
            )
            continue
        try:
            parsed.append(parse_payment_row(row, today))
        except RowRejectedError as exc:
            report.reject(RowError(row.line, str(exc), row.get("payment_id")))
    return parsed


async def plan_payments(
    connection: AsyncConnection,
    csv_file: CsvFile,
    parsed: list[PaymentRow],
    report: ImportReport,
    *,
    now: datetime,
) -> PaymentsPlan:
    """Check the parsed payments against each other and the stored debts; post them in plan."""
    plan = PaymentsPlan()
    accounts = sorted({p.account_id for p in parsed})
    debts_by_account: dict[str, list[str]] = {}
    for start in range(0, len(accounts), 500):
        result = await connection.execute(
            select(t.debt).where(t.debt.c.account_id.in_(accounts[start : start + 500]))
        )
        for r in result.mappings():
            d = Debt(
                r["id"], r["account_id"], r["original_minor"], r["balance_minor"],
                r["currency"], r["due_date"], DebtStatus(r["status"]),
            )  # fmt: skip
            plan.debts[d.id] = d
            debts_by_account.setdefault(d.account_id, []).append(d.id)
    known_refs = await _known_references(connection, sorted({p.reference for p in parsed}))
    seen: dict[str, int] = {}
    for p in parsed:
        if p.reference in known_refs:
            report.reject(RowError(p.line, "payment_id was already posted", p.reference))
            continue
        if p.reference in seen:
            report.reject(
                RowError(p.line, f"duplicate payment_id (also on line {seen[p.reference]})",
                         p.reference)
            )  # fmt: skip
            continue
        if p.account_id not in debts_by_account:
            report.reject(RowError(p.line, f"account {p.account_id} is not known", p.reference))
            continue
        account_debts = [plan.debts[i] for i in debts_by_account[p.account_id]]
        try:
            allocations = allocate_payment(
                p.amount.minor, p.amount.currency, account_debts, p.debt_id
            )
        except PostingError as exc:
            report.reject(RowError(p.line, str(exc), p.reference))
            continue
        seen[p.reference] = p.line
        for a in allocations:
            debt = plan.debts[a.debt_id]
            plan.debts[a.debt_id] = replace(
                debt,
                balance_minor=a.balance_after_minor,
                status=DebtStatus.PAID if a.pays_off else debt.status,
            )
            plan.touched.add(a.debt_id)
            plan.payments.append(
                {
                    "reference": p.reference, "account_id": p.account_id, "debt_id": a.debt_id,
                    "amount_minor": a.amount_minor, "currency": p.amount.currency,
                    "paid_on": p.paid_on, "method": p.method,
                    "source_file": csv_file.path.name, "posted_at": now,
                }
            )  # fmt: skip
        report.take()
    return plan


async def write_payments(
    connection: AsyncConnection, plan: PaymentsPlan, *, now: datetime
) -> dict[str, int]:
    """Post the plan (inside the caller's transaction); return counts of what changed."""
    if not plan.payments:
        return {"payments": 0, "debts_paid": 0, "promises_updated": 0, "follow_ups_settled": 0,
                "leads_removed": 0}  # fmt: skip
    await connection.execute(insert(t.payment), plan.payments)
    for debt_id in sorted(plan.touched):
        d = plan.debts[debt_id]
        paid_on = max(
            (p["paid_on"] for p in plan.payments if p["debt_id"] == debt_id), key=str
        ) if d.balance_minor == 0 else None  # fmt: skip
        await connection.execute(
            update(t.debt)
            .where(t.debt.c.id == debt_id)
            .values(balance_minor=d.balance_minor, status=d.status.value, paid_on=paid_on)
        )
    promises_updated, kept = await _update_promises(connection, sorted(plan.touched), now.date())
    paid = plan.paid_off
    follow_ups_settled = await _settle_follow_ups(connection, kept, paid)
    leads_removed = 0
    for start in range(0, len(paid), 500):
        result = await connection.execute(
            update(t.campaign_lead)
            .where(
                and_(
                    t.campaign_lead.c.debt_id.in_(paid[start : start + 500]),
                    # every lead, not only ready or claimed ones: a lead left ``done`` by a
                    # promise or ``removed`` for a dispute would be put back on the list by the
                    # promise check or the resolution.
                    or_(
                        t.campaign_lead.c.status != LeadStatus.REMOVED.value,
                        t.campaign_lead.c.removed_reason != "paid",
                    ),
                )
            )
            .values(status=LeadStatus.REMOVED.value, removed_reason="paid")
        )
        leads_removed += result.rowcount
    return {
        "payments": len(plan.payments),
        "debts_paid": len(paid),
        "promises_updated": promises_updated,
        "follow_ups_settled": follow_ups_settled,
        "leads_removed": leads_removed,
    }


async def _settle_follow_ups(
    connection: AsyncConnection, kept_promises: list[int], paid_debt_ids: list[str]
) -> int:
    """What waited on the debts paid is settled, as the promise check would settle it: a kept
    promise's reminder and check are void; on a debt paid off, every pending callback or call is
    void (nobody is called about a paid debt) and a payment check is done (the money came)."""
    settled = 0
    for start in range(0, len(kept_promises), 500):
        result = await connection.execute(
            update(t.follow_up)
            .where(
                t.follow_up.c.promise_id.in_(kept_promises[start : start + 500]),
                t.follow_up.c.status == _PENDING,
                t.follow_up.c.kind.in_(_PROMISE_FOLLOW_UPS),
            )
            .values(status=_VOID)
        )
        settled += result.rowcount
    for start in range(0, len(paid_debt_ids), 500):
        chunk = paid_debt_ids[start : start + 500]
        pending = and_(t.follow_up.c.debt_id.in_(chunk), t.follow_up.c.status == _PENDING)
        for is_check, status in ((True, _DONE), (False, _VOID)):
            kind = t.follow_up.c.kind == _PAYMENT_CHECK
            result = await connection.execute(
                update(t.follow_up)
                .where(pending, kind if is_check else ~kind)
                .values(status=status)
            )
            settled += result.rowcount
    return settled


async def _update_promises(
    connection: AsyncConnection, debt_ids: list[str], today: date
) -> tuple[int, list[int]]:
    """Bring the open promises on ``debt_ids`` up to date: how many changed, and which are kept."""
    open_states = [PromiseStatus.PENDING.value, PromiseStatus.PARTIAL.value]
    changed = 0
    kept: list[int] = []
    for start in range(0, len(debt_ids), 500):
        chunk = debt_ids[start : start + 500]
        promises = (
            (
                await connection.execute(
                    select(t.promise).where(
                        and_(t.promise.c.debt_id.in_(chunk), t.promise.c.status.in_(open_states))
                    )
                )
            )
            .mappings()
            .all()
        )
        if not promises:
            continue
        payment_rows = (
            (
                await connection.execute(
                    select(t.payment).where(
                        t.payment.c.debt_id.in_({p["debt_id"] for p in promises})
                    )
                )
            )
            .mappings()
            .all()
        )
        payments = [
            Payment(r["reference"], r["account_id"], r["debt_id"], r["amount_minor"],
                    r["currency"], r["paid_on"], r["source_file"], r["posted_at"])
            for r in payment_rows
        ]  # fmt: skip
        paid_off = await paid_debts(connection, {p["debt_id"] for p in promises})
        for r in promises:
            promise = PromiseToPay(
                r["id"], r["debt_id"], r["amount_minor"], r["currency"], r["due_on"],
                r["made_at"], PromiseStatus(r["status"]), r["paid_minor"],
            )  # fmt: skip
            debt_paid = promise.debt_id in paid_off
            status, paid = promise_status(promise, payments, today, debt_paid=debt_paid)
            if status is PromiseStatus.BROKEN:
                # Lapsed before these payments and not kept by them: the promise check breaks
                # it and puts the debt back on the list; marked broken here, it would not.
                continue
            if status is promise.status and paid == promise.paid_minor:
                continue
            await connection.execute(
                update(t.promise)
                .where(t.promise.c.id == promise.id)
                .values(status=status.value, paid_minor=paid)
            )
            changed += 1
            if status is PromiseStatus.KEPT:
                kept.append(promise.id)
    return changed, kept


async def _known_references(connection: AsyncConnection, references: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(references), 500):
        result = await connection.execute(
            select(t.payment.c.reference)
            .where(t.payment.c.reference.in_(references[start : start + 500]))
            .distinct()
        )
        found.update(row[0] for row in result)
    return found
