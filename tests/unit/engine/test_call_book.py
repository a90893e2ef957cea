"""The dialer's book of outbound calls: what each event means for the attempt and the law."""

from datetime import UTC, datetime

import pytest

from dialer.engine.calls import CallBook, CallPhase, ChangeKind, OutboundCall
from dialer.events import (
    AgentCompleted,
    AgentConnected,
    AmdResult,
    AmdStatus,
    CallAnswered,
    CallFailed,
    CallRinging,
    FailReason,
    HungUp,
    QueueAbandoned,
    QueueJoined,
)
from recoup.domain.model import Disposition

AT = datetime(2026, 11, 20, 15, tzinfo=UTC)
CID = "c-1"
HALF1 = "Local/15550001@recoup-outbound-00000001;1"


def a_call(amd: bool = False) -> tuple[CallBook, OutboundCall]:
    book = CallBook()
    call = OutboundCall(CID, 7, "camp", "D1", "P1", "+15550001", amd, placed_at=0.0)
    book.place(call)
    return book, call


def test_busy_number_ends_as_busy_without_a_hangup_event() -> None:
    book, call = a_call()
    change = book.apply(
        CallFailed(uniqueid=CID, linkedid=CID, at=AT, reason=FailReason.BUSY, reason_code=5), 3.0
    )
    assert change is not None
    assert change.kind is ChangeKind.FAILED
    assert call.outcome is Disposition.BUSY
    assert len(book) == 0


def test_the_connect_clock_starts_at_the_answer_when_amd_is_off() -> None:
    book, call = a_call(amd=False)
    book.apply(CallRinging(uniqueid=CID, linkedid=CID, at=AT), 1.0)
    change = book.apply(CallAnswered(uniqueid=CID, linkedid=CID, at=AT, channel=HALF1), 6.0)
    assert change is not None
    assert change.kind is ChangeKind.LIVE
    assert book.overdue(7.9, 2.0) == []
    assert book.overdue(8.0, 2.0) == [call]


def test_with_amd_the_connect_clock_starts_when_the_greeting_ended() -> None:
    book, call = a_call(amd=True)
    answered = book.apply(CallAnswered(uniqueid=CID, linkedid=CID, at=AT, channel=HALF1), 6.0)
    assert answered is not None
    assert answered.kind is ChangeKind.ANSWERED
    assert book.overdue(20.0, 2.0) == []  # AMD still listening: nobody is waiting yet
    assert (book.ringing_elapsed(7.0), book.screening(), book.waiting()) == ((), 1, 0)
    # "Hello?" ended at 8.2; AMD heard 803 ms of silence after it, then said HUMAN at 9.0.
    human = AmdResult(
        uniqueid=CID, linkedid=CID, at=AT, status=AmdStatus.HUMAN, cause="HUMAN-803-800",
        silence_after_greeting_ms=803,
    )  # fmt: skip
    live = book.apply(human, 9.0)
    assert live is not None
    assert live.kind is ChangeKind.LIVE
    assert call.live_since == pytest.approx(8.197)
    assert book.overdue(10.19, 2.0) == []
    assert book.overdue(10.2, 2.0) == [call]  # 2 s after the greeting, 1.2 s after AMD
    assert (book.screening(), book.waiting()) == (0, 1)


def test_a_human_verdict_that_does_not_say_its_silence_takes_amd_confs_800_ms() -> None:
    book, call = a_call(amd=True)
    book.apply(CallAnswered(uniqueid=CID, linkedid=CID, at=AT, channel=HALF1), 6.0)
    book.apply(AmdResult(uniqueid=CID, linkedid=CID, at=AT, status=AmdStatus.HUMAN), 9.0)
    assert call.live_since == pytest.approx(8.2)  # after_greeting_silence, asterisk_conf/amd.conf


def test_the_greeting_never_ends_before_the_answer() -> None:
    book, call = a_call(amd=True)
    book.apply(CallAnswered(uniqueid=CID, linkedid=CID, at=AT, channel=HALF1), 6.0)
    human = AmdResult(
        uniqueid=CID, linkedid=CID, at=AT, status=AmdStatus.HUMAN, silence_after_greeting_ms=2500
    )
    book.apply(human, 7.0)
    assert call.live_since == 6.0


def test_a_machine_is_reported_and_ends_as_machine() -> None:
    book, call = a_call(amd=True)
    book.apply(CallAnswered(uniqueid=CID, linkedid=CID, at=AT), 6.0)
    change = book.apply(AmdResult(uniqueid=CID, linkedid=CID, at=AT, status=AmdStatus.MACHINE), 8.0)
    assert change is not None
    assert change.kind is ChangeKind.MACHINE
    ended = book.apply(HungUp(uniqueid=CID, linkedid=CID, at=AT, cause=16), 12.0)
    assert ended is not None
    assert call.outcome is Disposition.MACHINE


def test_an_agent_within_the_limit_connects_and_the_agent_records_the_outcome() -> None:
    book, call = a_call()
    book.apply(CallAnswered(uniqueid=CID, linkedid=CID, at=AT), 6.0)
    book.apply(
        QueueJoined(
            uniqueid=CID,
            linkedid=CID,
            at=AT,
            channel=HALF1,
            queue="collections",
            position=1,
            count=1,
        ),
        6.0,
    )
    change = book.apply(
        AgentConnected(
            uniqueid=CID,
            linkedid=CID,
            at=AT,
            queue="collections",
            member="agent1",
            interface="Local/agent1@agents/n",
        ),
        7.0,
    )
    assert change is not None
    assert change.kind is ChangeKind.CONNECTED
    assert call.agent == "agent1"
    assert book.overdue(30.0, 2.0) == []
    done = book.apply(
        AgentCompleted(
            uniqueid=CID, linkedid=CID, at=AT, queue="collections", member="agent1", interface="i"
        ),
        90.0,
    )
    assert done is not None
    assert done.kind is ChangeKind.AGENT_DONE
    ended = book.apply(HungUp(uniqueid=CID, linkedid=CID, at=AT, cause=16), 90.0)
    assert ended is not None
    assert call.outcome is None  # the agent's disposition says what happened


def test_our_redirect_out_of_the_queue_ends_as_an_abandon() -> None:
    book, call = a_call()
    book.apply(CallAnswered(uniqueid=CID, linkedid=CID, at=AT), 6.0)
    book.apply(
        QueueJoined(
            uniqueid=CID,
            linkedid=CID,
            at=AT,
            channel=HALF1,
            queue="collections",
            position=1,
            count=1,
        ),
        6.0,
    )
    call.redirecting = True
    book.apply(
        QueueAbandoned(
            uniqueid=CID, linkedid=CID, at=AT, queue="collections", position=1,
            original_position=1, hold_time_s=2, by_dialer=True,
        ),
        8.1,
    )  # fmt: skip
    assert call.phase is CallPhase.ABANDONED
    book.apply(HungUp(uniqueid=CID, linkedid=CID, at=AT, cause=16), 11.0)
    assert call.outcome is Disposition.ABANDONED


def test_a_caller_who_hangs_up_before_the_limit_is_not_a_dialer_abandon() -> None:
    book, call = a_call()
    book.apply(CallAnswered(uniqueid=CID, linkedid=CID, at=AT), 6.0)
    book.apply(HungUp(uniqueid=CID, linkedid=CID, at=AT, cause=16), 7.0)
    assert call.outcome is Disposition.NO_ANSWER
    assert not call.abandoned


def test_only_the_first_half_hanging_up_ends_the_call() -> None:
    book, _ = a_call()
    book.apply(CallAnswered(uniqueid=CID, linkedid=CID, at=AT), 6.0)
    assert book.apply(HungUp(uniqueid="9999.2", linkedid=CID, at=AT, cause=16), 7.0) is None
    assert len(book) == 1


def test_events_of_calls_the_dialer_did_not_place_are_ignored() -> None:
    book, _ = a_call()
    assert book.apply(CallAnswered(uniqueid="other", linkedid="other", at=AT), 1.0) is None


def test_pacing_sees_ringing_and_waiting_lines() -> None:
    book, _ = a_call()
    book.apply(CallRinging(uniqueid=CID, linkedid=CID, at=AT), 1.0)
    # Aged from the Originate (0.0), as the answer delays the pacer learns are.
    assert book.ringing_elapsed(4.0) == (4.0,)
    book.apply(CallAnswered(uniqueid=CID, linkedid=CID, at=AT), 5.0)
    assert book.ringing_elapsed(6.0) == ()
    assert book.waiting() == 1


def test_a_call_hung_up_while_amd_listens_ends_answered_without_a_verdict() -> None:
    book, call = a_call(amd=True)
    book.apply(CallAnswered(uniqueid=CID, linkedid=CID, at=AT, channel=HALF1), 6.0)
    book.apply(AmdResult(uniqueid=CID, linkedid=CID, at=AT, status=AmdStatus.HANGUP), 7.0)
    ended = book.apply(HungUp(uniqueid=CID, linkedid=CID, at=AT, cause=16), 7.5)
    assert ended is not None
    assert ended.kind is ChangeKind.ENDED
    assert call.answered_without_verdict  # the pacer's rates count it as reaching nobody


def test_calls_with_a_verdict_or_never_answered_are_not_unresolved_answers() -> None:
    machine, person, unanswered = a_call(amd=True)[1], a_call(amd=True)[1], a_call(amd=True)[1]
    for call, status in ((machine, AmdStatus.MACHINE), (person, AmdStatus.HUMAN)):
        book = CallBook()
        book.place(call)
        book.apply(CallAnswered(uniqueid=CID, linkedid=CID, at=AT, channel=HALF1), 6.0)
        book.apply(AmdResult(uniqueid=CID, linkedid=CID, at=AT, status=status), 7.0)
        book.apply(HungUp(uniqueid=CID, linkedid=CID, at=AT, cause=16), 30.0)
        assert not call.answered_without_verdict, status
    assert not unanswered.answered_without_verdict


def waiting_in_the_queue(book: CallBook) -> None:
    book.apply(CallAnswered(uniqueid=CID, linkedid=CID, at=AT, channel=HALF1), 6.0)
    book.apply(
        QueueJoined(
            uniqueid=CID, linkedid=CID, at=AT, channel=HALF1, queue="collections", position=1,
            count=1,
        ),
        6.0,
    )  # fmt: skip


def test_a_caller_an_agent_took_after_a_failed_redirect_is_the_agents_call() -> None:
    book, call = a_call()
    waiting_in_the_queue(book)
    call.redirecting = call.abandoned = True  # 2 s passed: counted; the Redirect then failed
    connected = book.apply(
        AgentConnected(
            uniqueid=CID, linkedid=CID, at=AT, queue="collections", member="agent1",
            interface="Local/1001@recoup-agents/n",
        ),
        8.5,
    )  # fmt: skip
    assert connected is not None
    assert connected.kind is ChangeKind.CONNECTED
    book.apply(HungUp(uniqueid=CID, linkedid=CID, at=AT, cause=16), 98.5)
    assert call.outcome is None  # the agent's disposition says what was said
    assert call.abandoned  # still an abandon for the cap: the 2 s were missed


def test_a_bridge_the_redirect_broke_ends_as_an_abandon() -> None:
    book, call = a_call()
    waiting_in_the_queue(book)
    call.redirecting = call.abandoned = True
    agent = {"queue": "collections", "member": "agent1", "interface": "i"}
    book.apply(AgentConnected(uniqueid=CID, linkedid=CID, at=AT, **agent), 8.05)
    done = book.apply(AgentCompleted(uniqueid=CID, linkedid=CID, at=AT, **agent), 8.1)
    assert done is not None
    assert call.agent_done_at == 8.1
    book.apply(
        QueueAbandoned(
            uniqueid=CID, linkedid=CID, at=AT, queue="collections", position=0,
            original_position=0, hold_time_s=0, by_dialer=True,
        ),
        8.1,
    )  # fmt: skip
    book.apply(HungUp(uniqueid=CID, linkedid=CID, at=AT, cause=16), 14.0)
    assert call.outcome is Disposition.ABANDONED  # the identification message took them
