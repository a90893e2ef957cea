"""Dispositions written and followed up, on SQLite and on the real PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from recoup.bus.event import topic_of
from recoup.dispositions.apply import apply_disposition
from recoup.dispositions.events import (
    CallbackScheduled,
    DispositionEvent,
    DispositionRecorded,
    IssueOpened,
    IssueResolved,
    PhoneSuppressed,
    PromiseBroken,
    PromiseKept,
    PromiseRecorded,
)
from recoup.dispositions.follow_ups import (
    IssueNotOpenError,
    check_promises,
    complete_follow_up,
    due_follow_ups,
    resolve_issue,
)
from recoup.dispositions.plan import DispositionRefusedError, FollowUpKind
from recoup.dispositions.record import (
    Callback,
    DispositionRecord,
    Dispute,
    NoConversation,
    PromiseToPay,
    WrongParty,
)
from recoup.domain.model import Disposition
from recoup.domain.money import Money
from recoup.imports.run import import_accounts
from recoup.scripts.context import Agency
from recoup.scripts.library import screen_pop
from recoup.storage import tables as t
from tests.conftest import DatabaseUnderTest

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)  # 10:00 in New York
TODAY = date(2026, 11, 20)
DEBTS = ("INV-1001-1", "INV-1001-2", "INV-1004-1", "INV-1006-1")


async def a_campaign_on_the_sample_book(db: DatabaseUnderTest) -> None:
    """The sample accounts, and campaigns c1 and c2 dialing some of their debts."""
    await import_accounts(db.engine, EXAMPLES / "accounts.csv", now=NOW, default_region="US",
                          default_timezone="America/New_York")  # fmt: skip
    async with db.engine.begin() as c:
        for campaign in ("c1", "c2"):
            await c.execute(insert(t.campaign).values(id=campaign, name=campaign, config={},
                                                      created_at=NOW))  # fmt: skip
        await c.execute(
            insert(t.campaign_lead),
            [{"campaign_id": "c1", "debt_id": d, "status": "claimed", "claimed_by": "dialer-1"}
             for d in DEBTS] + [{"campaign_id": "c2", "debt_id": "INV-1001-2", "status": "ready",
                         "claimed_by": None}],
        )  # fmt: skip


async def a_call(db: DatabaseUnderTest, debt_id: str, debtor_id: str, phone: str) -> int:
    async with db.engine.begin() as c:
        result = await c.execute(
            insert(t.contact_attempt)
            .values(debtor_id=debtor_id, debt_id=debt_id, campaign_id="c1", channel="call",
                    phone=phone, at=NOW - timedelta(minutes=5), agent="alex")
            .returning(t.contact_attempt.c.id)
        )  # fmt: skip
        return int(result.scalar_one())


async def record(
    db: DatabaseUnderTest, disposition: DispositionRecord, attempt_id: int, now: datetime = NOW
) -> list[DispositionEvent]:
    async with db.engine.begin() as c:
        return await apply_disposition(c, disposition, now=now, attempt_id=attempt_id)


async def rows(db: DatabaseUnderTest, table: Any, *where: Any) -> list[dict[str, Any]]:
    async with db.engine.connect() as c:
        result = await c.execute(select(table).where(*where))
        return [dict(r) for r in result.mappings()]


async def leads(db: DatabaseUnderTest, debt_id: str) -> dict[str, tuple[str, str, datetime | None]]:
    found = await rows(db, t.campaign_lead, t.campaign_lead.c.debt_id == debt_id)
    return {r["campaign_id"]: (r["status"], r["removed_reason"], r["next_at"]) for r in found}


async def maria_promises(db: DatabaseUnderTest, amount: str, due: date) -> int:
    attempt = await a_call(db, "INV-1001-2", "ACC-1001", "+12125550142")
    events = await record(db, PromiseToPay(Money.parse(amount, "USD"), due), attempt)
    promised = [e for e in events if isinstance(e, PromiseRecorded)]
    return promised[0].promise_id


async def profile_script(connection: AsyncConnection, debtor_id: str, today: date) -> str:
    screen = await screen_pop(connection, debtor_id, today=today, agent_name="Alex",
                              agency=Agency("Fairway Recovery"))  # fmt: skip
    return screen.script.script_id


async def test_promise_is_written_with_a_reminder_before_and_a_check_after(
    database: DatabaseUnderTest,
) -> None:
    await a_campaign_on_the_sample_book(database)
    attempt = await a_call(database, "INV-1001-2", "ACC-1001", "+12125550142")
    events = await record(
        database, PromiseToPay(Money.parse("100.00", "USD"), date(2026, 12, 1)), attempt
    )
    recorded, promised = events
    assert isinstance(recorded, DispositionRecorded)
    assert recorded.conversation
    assert isinstance(promised, PromiseRecorded)
    assert topic_of(promised) == "recoup/v1/debts/INV-1001-2/promise_recorded"
    [promise] = await rows(database, t.promise)
    assert (promise["amount_minor"], promise["due_on"], promise["status"], promise["made_by"]) == (
        10_000,
        date(2026, 12, 1),
        "pending",
        "alex",
    )
    follow_ups = await rows(database, t.follow_up)
    assert {(f["kind"], f["due_at"], f["promise_id"]) for f in follow_ups} == {
        ("promise_reminder", datetime(2026, 11, 30, 15, 0, tzinfo=UTC), promise["id"]),
        ("promise_check", datetime(2026, 12, 2, 15, 0, tzinfo=UTC), promise["id"]),
    }
    [attempt_row] = await rows(database, t.contact_attempt)
    assert (attempt_row["outcome"], attempt_row["conversation"]) == ("promise_to_pay", True)
    assert await leads(database, "INV-1001-2") == {
        "c1": ("done", "", None),
        "c2": ("done", "", None),
    }


async def test_broken_promise_puts_the_debt_back_for_the_follow_up_script(
    database: DatabaseUnderTest,
) -> None:
    await a_campaign_on_the_sample_book(database)
    promise_id = await maria_promises(database, "100.00", date(2026, 11, 25))
    async with database.engine.begin() as c:
        assert await check_promises(c, NOW + timedelta(days=4)) == []
        events = await check_promises(c, NOW + timedelta(days=6))
    assert events == [PromiseBroken("INV-1001-2", promise_id, 10_000, 0, "USD",
                                    date(2026, 11, 25), date(2026, 11, 26))]  # fmt: skip
    assert (await leads(database, "INV-1001-2"))["c1"] == ("ready", "", None)
    kinds = {f["kind"]: f["status"] for f in await rows(database, t.follow_up)}
    assert kinds == {"promise_reminder": "void", "promise_check": "done"}
    async with database.engine.begin() as c:
        assert await check_promises(c, NOW + timedelta(days=7)) == []
        assert await profile_script(c, "ACC-1001", date(2026, 11, 30)) == "broken_promise.en"


async def test_kept_promise_voids_its_reminder_and_check(database: DatabaseUnderTest) -> None:
    await a_campaign_on_the_sample_book(database)
    promise_id = await maria_promises(database, "100.00", date(2026, 11, 25))
    async with database.engine.begin() as c:
        await c.execute(
            insert(t.payment).values(
                reference="PAY-9", account_id="ACC-1001", debt_id="INV-1001-2",
                amount_minor=10_000, currency="USD", paid_on=date(2026, 11, 22), posted_at=NOW,
            )
        )  # fmt: skip
        events = await check_promises(c, NOW + timedelta(days=3))
    assert events == [PromiseKept("INV-1001-2", promise_id, 10_000, "USD", date(2026, 11, 23))]
    assert {f["status"] for f in await rows(database, t.follow_up)} == {"void"}
    assert (await leads(database, "INV-1001-2"))["c1"][0] == "done"


async def test_dispute_stops_calls_until_resolved_then_schedules_a_call(
    database: DatabaseUnderTest,
) -> None:
    await a_campaign_on_the_sample_book(database)
    attempt = await a_call(database, "INV-1001-2", "ACC-1001", "+12125550142")
    events = await record(
        database, Dispute("service", "Charged for a month after cancelling"), attempt
    )
    opened = next(e for e in events if isinstance(e, IssueOpened))
    assert topic_of(opened) == f"recoup/v1/issues/{opened.issue_id}/opened"
    assert await leads(database, "INV-1001-2") == {
        "c1": ("removed", "dispute", None), "c2": ("removed", "dispute", None),
    }  # fmt: skip
    async with database.engine.connect() as c:
        assert await profile_script(c, "ACC-1001", TODAY) == "disputing.en"
    later = NOW + timedelta(days=3)
    async with database.engine.begin() as c:
        resolved = await resolve_issue(c, opened.issue_id, "Credit note issued", later)
    assert resolved == IssueResolved("INV-1001-2", opened.issue_id, "service",
                                     "Credit note issued", later, later)  # fmt: skip
    assert await leads(database, "INV-1001-2") == {
        "c1": ("ready", "", later), "c2": ("ready", "", later),
    }  # fmt: skip
    [issue] = await rows(database, t.issue)
    assert (issue["status"], issue["resolution"], issue["resolved_at"]) == (
        "resolved",
        "Credit note issued",
        later,
    )
    async with database.engine.connect() as c:
        due = await due_follow_ups(c, later)
    assert [(f.kind, f.debt_id, f.debtor_id, f.issue_id) for f in due] == [
        (FollowUpKind.ISSUE_RESOLVED_CALL, "INV-1001-2", "ACC-1001", opened.issue_id)
    ]


async def test_a_second_open_issue_keeps_the_debt_off_the_list(database: DatabaseUnderTest) -> None:
    await a_campaign_on_the_sample_book(database)
    first = await a_call(database, "INV-1001-2", "ACC-1001", "+12125550142")
    second = await a_call(database, "INV-1001-2", "ACC-1001", "+12125550142")
    opened = [
        next(e for e in await record(database, Dispute(bucket, text), attempt)
             if isinstance(e, IssueOpened))
        for bucket, text, attempt in (("service", "Late", first), ("sales", "Price", second))
    ]  # fmt: skip
    async with database.engine.begin() as c:
        resolved = await resolve_issue(c, opened[0].issue_id, "Apologised", NOW)
        with pytest.raises(IssueNotOpenError):
            await resolve_issue(c, opened[0].issue_id, "Again", NOW)
    assert resolved.call_at is None
    assert (await leads(database, "INV-1001-2"))["c1"][:2] == ("removed", "dispute")


async def test_wrong_party_suppresses_only_that_number(database: DatabaseUnderTest) -> None:
    await a_campaign_on_the_sample_book(database)
    attempt = await a_call(database, "INV-1004-1", "ACC-1004", "+14155550177")
    events = await record(database, WrongParty("+14155550177"), attempt)
    assert PhoneSuppressed("ACC-1004", "+14155550177", "wrong party", NOW) in events
    phones = await rows(database, t.phone, t.phone.c.debtor_id == "ACC-1004")
    assert {p["number"]: p["suppressed"] for p in phones} == {
        "+14155550133": False, "+14155550177": True,
    }  # fmt: skip
    assert (await leads(database, "INV-1004-1"))["c1"] == ("ready", "", NOW + timedelta(hours=1))
    async with database.engine.connect() as c:
        screen = await screen_pop(c, "ACC-1004", today=TODAY, agent_name="Alex",
                                  agency=Agency("Fairway Recovery"))  # fmt: skip
    assert screen.debtor.phones == ("+14155550133",)


async def test_callback_comes_due_for_the_agent_who_agreed_it(database: DatabaseUnderTest) -> None:
    await a_campaign_on_the_sample_book(database)
    attempt = await a_call(database, "INV-1001-2", "ACC-1001", "+12125550142")
    at = datetime(2026, 11, 21, 23, 0, tzinfo=UTC)  # 18:00 in New York
    events = await record(database, Callback(at, note="after work"), attempt)
    scheduled = next(e for e in events if isinstance(e, CallbackScheduled))
    assert (scheduled.agent, scheduled.call_at, scheduled.campaign_id) == ("alex", at, "c1")
    assert await leads(database, "INV-1001-2") == {
        "c1": ("ready", "", at),
        "c2": ("ready", "", None),
    }
    async with database.engine.begin() as c:
        assert await due_follow_ups(c, at - timedelta(seconds=1)) == []
        [due] = await due_follow_ups(c, at)
        assert (due.kind, due.agent, due.note, due.due_at) == (FollowUpKind.CALLBACK, "alex",
                                                               "after work", at)  # fmt: skip
        assert await complete_follow_up(c, due.id)
        assert not await complete_follow_up(c, due.id)
        assert await due_follow_ups(c, at) == []


async def test_callback_at_night_is_refused_and_nothing_is_written(
    database: DatabaseUnderTest,
) -> None:
    await a_campaign_on_the_sample_book(database)
    attempt = await a_call(database, "INV-1001-2", "ACC-1001", "+12125550142")
    with pytest.raises(DispositionRefusedError, match="outside the calling window"):
        await record(database, Callback(datetime(2026, 11, 21, 3, 0, tzinfo=UTC)), attempt)
    [attempt_row] = await rows(database, t.contact_attempt)
    assert attempt_row["outcome"] is None
    assert await rows(database, t.follow_up) == []


async def test_a_disposition_cannot_be_recorded_twice_on_one_call(
    database: DatabaseUnderTest,
) -> None:
    await a_campaign_on_the_sample_book(database)
    attempt = await a_call(database, "INV-1001-2", "ACC-1001", "+12125550142")
    await record(database, PromiseToPay(Money.parse("50.00", "USD"), TODAY), attempt)
    with pytest.raises(DispositionRefusedError, match="already recorded as promise_to_pay"):
        await record(database, PromiseToPay(Money.parse("50.00", "USD"), TODAY), attempt)
    assert len(await rows(database, t.promise)) == 1


async def test_promise_above_the_balance_is_refused_on_the_stored_balance(
    database: DatabaseUnderTest,
) -> None:
    await a_campaign_on_the_sample_book(database)
    attempt = await a_call(database, "INV-1001-2", "ACC-1001", "+12125550142")
    with pytest.raises(DispositionRefusedError, match=r"more than the balance of 215\.50 USD"):
        await record(database, PromiseToPay(Money.parse("215.51", "USD"), TODAY), attempt)


async def test_no_answer_is_recorded_without_a_conversation(database: DatabaseUnderTest) -> None:
    await a_campaign_on_the_sample_book(database)
    attempt = await a_call(database, "INV-1006-1", "ACC-1006", "+19155550191")
    [recorded] = await record(database, NoConversation(Disposition.NO_ANSWER), attempt)
    assert isinstance(recorded, DispositionRecorded)
    assert not recorded.conversation
    [attempt_row] = await rows(database, t.contact_attempt)
    assert (attempt_row["outcome"], attempt_row["conversation"]) == ("no_answer", False)
    assert (await leads(database, "INV-1006-1"))["c1"] == ("ready", "", NOW + timedelta(hours=3))


async def test_a_lead_the_dialer_removed_for_the_dispute_comes_back_when_it_is_resolved(
    database: DatabaseUnderTest,
) -> None:
    await a_campaign_on_the_sample_book(database)
    async with database.engine.begin() as c:
        await c.execute(
            update(t.campaign_lead)
            .where(t.campaign_lead.c.debt_id == "INV-1001-2", t.campaign_lead.c.campaign_id == "c1")
            .values(status="removed", removed_reason="disputed: no collection until verified")
        )
    attempt = await a_call(database, "INV-1001-2", "ACC-1001", "+12125550142")
    events = await record(database, Dispute("accounts", "Invoice sent twice"), attempt)
    opened = next(e for e in events if isinstance(e, IssueOpened))
    async with database.engine.begin() as c:
        await resolve_issue(c, opened.issue_id, "Duplicate cancelled", NOW)
    assert await leads(database, "INV-1001-2") == {
        "c1": ("ready", "", NOW), "c2": ("ready", "", NOW),
    }  # fmt: skip


async def test_another_agent_cannot_record_the_outcome_of_alexs_call(
    database: DatabaseUnderTest,
) -> None:
    await a_campaign_on_the_sample_book(database)
    attempt = await a_call(database, "INV-1001-2", "ACC-1001", "+12125550142")
    with pytest.raises(DispositionRefusedError, match="is alex's call, not bob's"):
        async with database.engine.begin() as c:
            await apply_disposition(
                c, PromiseToPay(Money.parse("50.00", "USD"), TODAY), now=NOW,
                attempt_id=attempt, agent="bob",
            )  # fmt: skip
    [attempt_row] = await rows(database, t.contact_attempt)
    assert (attempt_row["agent"], attempt_row["outcome"]) == ("alex", None)
    assert await rows(database, t.promise) == []


UNREACHED = [Disposition.NO_ANSWER, Disposition.BUSY, Disposition.ABANDONED, Disposition.FAILED]


@pytest.mark.parametrize("unreached", UNREACHED)
async def test_a_call_alex_talked_on_cannot_be_recorded_as_never_reaching_anyone(
    database: DatabaseUnderTest, unreached: Disposition
) -> None:
    # Recorded as no answer, the conversation would vanish from the 7-day hold after one.
    await a_campaign_on_the_sample_book(database)
    attempt = await a_call(database, "INV-1001-2", "ACC-1001", "+12125550142")
    async with database.engine.begin() as c:
        await c.execute(
            update(t.contact_attempt)
            .where(t.contact_attempt.c.id == attempt)
            .values(answered_at=NOW - timedelta(minutes=4), connected_at=NOW - timedelta(minutes=4))
        )
    with pytest.raises(DispositionRefusedError, match="reached an agent: record what came of it"):
        await record(database, NoConversation(unreached), attempt)
    [attempt_row] = await rows(database, t.contact_attempt)
    assert (attempt_row["outcome"], attempt_row["conversation"]) == (None, False)
    [recorded] = await record(database, NoConversation(Disposition.MACHINE), attempt)
    assert isinstance(recorded, DispositionRecorded)  # a machine handed to alex, AMD off
