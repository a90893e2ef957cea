"""What a running campaign shows its pacer: only the lines that may still want an agent."""

from datetime import UTC, datetime, timedelta

import pytest

from dialer.agents.state import Connect, Login, Pause, Ready
from dialer.engine.base import RECOUP_MEMBERS
from dialer.engine.calls import CallBook, OutboundCall
from dialer.engine.campaign_run import CampaignRun
from dialer.events import AmdResult, AmdStatus, CallAnswered, CallRinging, QueueAbandoned
from recoup.demo_centre import demo_campaign_config

AT = datetime(2026, 11, 20, 15, tzinfo=UTC)


def a_line(book: CallBook, channel_id: str, campaign: str = "camp", *, amd: bool = True) -> None:
    book.place(OutboundCall(channel_id, 7, campaign, "D1", "P1", "+15550001", amd, placed_at=0.0))
    book.apply(CallRinging(uniqueid=channel_id, linkedid=channel_id, at=AT), 1.0)


def answered(book: CallBook, channel_id: str, status: AmdStatus) -> None:
    book.apply(CallAnswered(uniqueid=channel_id, linkedid=channel_id, at=AT), 5.0)
    book.apply(AmdResult(uniqueid=channel_id, linkedid=channel_id, at=AT, status=status), 7.0)


def test_the_pacer_sees_ringing_screened_and_waiting_lines_of_its_own_campaign_only() -> None:
    book = CallBook()
    run = CampaignRun("camp", "Past due", demo_campaign_config(), RECOUP_MEMBERS)
    a_line(book, "ringing")
    a_line(book, "listening")  # answered, AMD still listening: it may yet be a person
    book.apply(CallAnswered(uniqueid="listening", linkedid="listening", at=AT), 6.0)
    a_line(book, "person")
    answered(book, "person", AmdStatus.HUMAN)
    a_line(book, "elsewhere", campaign="other")

    snapshot = run.snapshot(book, AT, 10.0)

    assert snapshot.ringing == (10.0,)  # placed at 0.0
    assert snapshot.screening == 1  # answered: no longer a ringing line's odds
    assert snapshot.waiting == 1


def test_a_machine_leaving_its_message_is_neither_ringing_nor_waiting() -> None:
    book = CallBook()
    run = CampaignRun("camp", "Past due", demo_campaign_config(), RECOUP_MEMBERS)
    a_line(book, "machine")
    answered(book, "machine", AmdStatus.MACHINE)

    snapshot = run.snapshot(book, AT, 10.0)

    assert snapshot.ringing == ()
    assert snapshot.waiting == 0
    assert len(book) == 1  # the call is still up: only pacing leaves it out


def test_a_caller_sent_to_the_abandon_message_no_longer_waits_for_an_agent() -> None:
    book = CallBook()
    run = CampaignRun("camp", "Past due", demo_campaign_config(), RECOUP_MEMBERS)
    for channel_id in ("redirecting", "abandoned"):
        a_line(book, channel_id)
        answered(book, channel_id, AmdStatus.HUMAN)
    assert run.snapshot(book, AT, 10.0).waiting == 2

    for call in book.for_campaign("camp"):
        call.redirecting = True
    book.apply(
        QueueAbandoned(
            uniqueid="abandoned",
            linkedid="abandoned",
            at=AT,
            queue="camp",
            position=1,
            original_position=1,
            hold_time_s=2,
            by_dialer=True,
        ),
        11.0,
    )

    snapshot = run.snapshot(book, AT, 12.0)
    assert snapshot.waiting == 0
    assert snapshot.calls_in_progress == 0


def test_an_agent_going_to_lunch_after_this_call_is_not_dialled_for() -> None:
    book = CallBook()
    run = CampaignRun("camp", "Past due", demo_campaign_config(), RECOUP_MEMBERS)
    for i, name in enumerate(["ann", "bob"]):
        run.roster.apply(name, Login("camp", "collections", f"agent{i}"), AT)
        run.roster.apply(name, Ready(), AT)
        run.roster.apply(name, Connect(f"c{i}"), AT)
    run.roster.apply("ann", Pause("lunch"), AT + timedelta(seconds=30))

    snapshot = run.snapshot(book, AT + timedelta(seconds=60), 60.0)

    assert snapshot.talking == (60.0,)  # bob's call; ann leaves when hers is wrapped up
    assert snapshot.agents_working == 1


def test_with_amd_on_the_pacer_knows_its_callers_reach_it_with_less_than_two_seconds_left() -> None:
    book = CallBook()
    screened = CampaignRun("camp", "Past due", demo_campaign_config(), RECOUP_MEMBERS)
    assert screened.amd.use_amd
    # The 2 s run from the end of the greeting; AMD says HUMAN 0.8 s of silence later.
    assert screened.snapshot(book, AT, 10.0).connect_limit_s == pytest.approx(1.2)
    plain_config = demo_campaign_config().model_copy(
        update={"amd": demo_campaign_config().amd.model_copy(update={"enabled": False})}
    )
    plain = CampaignRun("camp", "Past due", plain_config, RECOUP_MEMBERS)
    assert plain.snapshot(book, AT, 10.0).connect_limit_s == pytest.approx(2.0)
