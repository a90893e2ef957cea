"""The events a disposition produces travel under recoup/v1, named by what they are about."""

from __future__ import annotations

from datetime import UTC, date, datetime

from recoup.bus.event import event_payload, topic_of
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
    PromiseSuperseded,
)
from recoup.domain.model import Disposition

AT = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
DUE = date(2026, 12, 1)


def test_each_event_has_its_topic_under_recoup_v1() -> None:
    events: dict[DispositionEvent, str] = {
        DispositionRecorded("INV-1", "ACC-1", Disposition.REFUSED, True, "alex", "c1", 7, AT):
            "recoup/v1/debts/INV-1/disposition_recorded",
        PromiseRecorded("INV-1", 3, 10_000, "USD", DUE, "alex", None, AT, AT):
            "recoup/v1/debts/INV-1/promise_recorded",
        PromiseKept("INV-1", 3, 10_000, "USD", DUE): "recoup/v1/debts/INV-1/promise_kept",
        PromiseBroken("INV-1", 3, 10_000, 0, "USD", DUE, DUE):
            "recoup/v1/debts/INV-1/promise_broken",
        PromiseSuperseded("INV-1", 3, 4, AT): "recoup/v1/debts/INV-1/promise_superseded",
        IssueOpened("INV-1", 9, "sales", "sam", "Price", AT): "recoup/v1/issues/9/opened",
        IssueResolved("INV-1", 9, "sales", "Refunded", AT, AT): "recoup/v1/issues/9/resolved",
        CallbackScheduled("INV-1", 4, "c1", "alex", AT, AT):
            "recoup/v1/debts/INV-1/callback_scheduled",
        PhoneSuppressed("ACC-1", "+12125550142", "wrong party", AT):
            "recoup/v1/debtors/ACC-1/phone_suppressed",
    }  # fmt: skip
    assert {topic_of(e) for e in events} == set(events.values())
    assert all(topic_of(e) == topic for e, topic in events.items())


def test_a_recorded_disposition_travels_as_plain_json() -> None:
    event = DispositionRecorded("INV/1", "ACC-1", Disposition.NO_ANSWER, False, "", "c1", None, AT)
    assert topic_of(event) == "recoup/v1/debts/INV%2F1/disposition_recorded"
    assert event_payload(event) == {
        "type": "disposition_recorded", "debt_id": "INV/1", "debtor_id": "ACC-1",
        "disposition": "no_answer", "conversation": False, "agent": "", "campaign_id": "c1",
        "attempt_id": None, "at": "2026-11-20T15:00:00+00:00",
    }  # fmt: skip
