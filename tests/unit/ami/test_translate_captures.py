"""Replaying the real Asterisk captures yields the calls' true stories as domain events."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialer.ami.decode import decode_ami_log
from dialer.ami.protocol import AmiParser
from dialer.ami.transcript import asterisk_bytes, read_transcript
from dialer.ami.translate import LAB_DIALPLAN, CallTranslator
from dialer.events import (
    AgentCompleted,
    AgentConnected,
    AmdResult,
    AmdStatus,
    CallAnswered,
    CallEvents,
    CallFailed,
    CallOriginated,
    FailReason,
    HungUp,
    QueueAbandoned,
    QueueJoined,
    RecordingStarted,
    RecordingStopped,
    SpyStarted,
    SpyStopped,
)
from recoup.bus.event import event_type, topic_of

FIXTURES = Path(__file__).parents[2] / "fixtures" / "asterisk"
START = datetime(2026, 11, 23, 18, 41, tzinfo=UTC)


def decode(name: str) -> list[CallEvents]:
    return decode_ami_log((FIXTURES / name).read_bytes(), START)


def types(events: list[CallEvents]) -> list[str]:
    return [event_type(e) for e in events]


def test_answered_call_joins_queue_reaches_an_agent_and_is_recorded() -> None:
    events = decode("b_originate_answer_queue.txt")
    assert types(events) == [
        "call_originated",
        "call_answered",
        "recording_started",
        "queue_joined",
        "agent_called",
        "agent_connected",
        "agent_completed",
        "recording_stopped",
        "hung_up",
    ]
    for event in events:
        assert event.uniqueid == "dialer-lead0001-try1"
        assert event.linkedid == "dialer-lead0001-try1"
        assert event.campaign == "camp42"
        assert event.lead == "lead0001"
    originated, answered = events[0], events[1]
    assert isinstance(originated, CallOriginated)
    assert originated.action_id == "dialer-camp42-lead0001-try1"
    assert originated.dial_string == "Local/answer@customers"
    assert isinstance(answered, CallAnswered)
    assert answered.action_id == "dialer-camp42-lead0001-try1"
    assert answered.channel == "Local/answer@customers-00000000;1"
    recording = events[2]
    assert isinstance(recording, RecordingStarted)
    assert recording.file == "/var/spool/asterisk/monitor/dialer-lead0001-try1.wav"
    joined = events[3]
    assert isinstance(joined, QueueJoined)
    assert (joined.queue, joined.position, joined.count) == ("collections", 1, 1)
    connected = events[5]
    assert isinstance(connected, AgentConnected)
    assert connected.member == "agent1"
    assert connected.interface == "Local/agent1@agents/n"
    assert connected.agent_uniqueid == "1795459262.2"
    completed = events[6]
    assert isinstance(completed, AgentCompleted)
    assert (completed.talk_time_s, completed.ended_by) == (21, "caller")
    hung_up = events[-1]
    assert isinstance(hung_up, HungUp)
    assert (hung_up.cause, hung_up.cause_text) == (16, "Normal Clearing")


def test_event_times_follow_the_capture_clock() -> None:
    events = decode("b_originate_answer_queue.txt")
    assert (events[0].at - START).total_seconds() == pytest.approx(1.004)
    assert (events[-1].at - START).total_seconds() == pytest.approx(21.515)


@pytest.mark.parametrize(
    ("capture", "reason", "code", "cause"),
    [
        ("c1_originate_busy.txt", FailReason.BUSY, 5, 17),
        ("c2_originate_noanswer.txt", FailReason.NO_ANSWER, 3, 19),
        ("c3_originate_congest.txt", FailReason.CONGESTION, 8, 34),
    ],
)
def test_unanswered_originate_fails_with_its_reason_and_hangup_cause(
    capture: str, reason: FailReason, code: int, cause: int
) -> None:
    events = decode(capture)
    (failed,) = [e for e in events if isinstance(e, CallFailed)]
    assert failed.reason is reason
    assert failed.reason_code == code
    assert failed.uniqueid  # tied to its channels although the response says <unknown>
    assert failed.campaign == "camp42"
    (hung_up,) = [e for e in events if isinstance(e, HungUp)]
    assert hung_up.linkedid == failed.linkedid
    assert hung_up.cause == cause
    assert "call_answered" not in types(events)


def test_no_answer_call_rang_first() -> None:
    assert types(decode("c2_originate_noanswer.txt"))[:3] == [
        "call_originated",
        "call_ringing",
        "call_failed",
    ]


def test_originate_to_a_missing_context_or_technology_is_unreachable() -> None:
    failed = [e for e in decode("g3_originate_bad_context.txt") if isinstance(e, CallFailed)]
    assert [(f.action_id, f.reason) for f in failed] == [
        ("g3-async", FailReason.UNREACHABLE),
        ("g3-badtech", FailReason.UNREACHABLE),
    ]
    assert failed[0].uniqueid == "1795459397.30"
    assert failed[1].uniqueid == ""  # no channel was ever created
    assert failed[1].dial_string == "Bogus/123"


def test_supervisor_listening_is_reported_on_the_customer_call() -> None:
    events = decode("e_chanspy.txt")
    started = [e for e in events if isinstance(e, SpyStarted)]
    stopped = [e for e in events if isinstance(e, SpyStopped)]
    assert len(started) == len(stopped) == 1
    assert started[0].uniqueid == "1795459328.14"
    assert started[0].spyer_channel == "Local/s@spy-00000009;2"
    assert started[0].spyer_linkedid == "1795459330.18"
    assert topic_of(started[0]) == "recoup/v1/calls/1795459328.14/spy_started"


def test_listening_through_audiosocket_three_ways_gives_three_listens() -> None:
    events = decode("k_audiosocket_chanspy.txt")
    assert types(events).count("spy_started") == 3
    assert types(events).count("spy_stopped") == 3


def test_dialers_redirect_out_of_the_queue_is_not_a_customer_abandon() -> None:
    events = decode("m_redirect_abandon_message.txt")
    (abandoned,) = [e for e in events if isinstance(e, QueueAbandoned)]
    assert abandoned.by_dialer is True
    assert abandoned.hold_time_s == 2
    assert (abandoned.position, abandoned.original_position) == (1, 1)
    assert abandoned.uniqueid == "dialer-lead-m2-try1"


def test_the_same_abandon_without_the_dialers_redirect_is_the_customers() -> None:
    steps = read_transcript((FIXTURES / "m_redirect_abandon_message.txt").read_text())
    events = decode_ami_log(asterisk_bytes(steps), START)  # a raw log: no client actions
    (abandoned,) = [e for e in events if isinstance(e, QueueAbandoned)]
    assert abandoned.by_dialer is False


def test_call_that_cannot_join_a_paused_queue_is_answered_then_hung_up() -> None:
    events = [e for e in decode("m_redirect_abandon_message.txt") if e.lead == "lead-m1"]
    assert types(events) == [
        "call_originated",
        "call_answered",
        "recording_started",
        "recording_stopped",
        "hung_up",
    ]


def test_stopped_recording_carries_its_file_and_mixmonitor_id() -> None:
    events = decode("j_mixmonitor_audio_stop.txt")
    (started,) = [e for e in events if isinstance(e, RecordingStarted)]
    (stopped,) = [e for e in events if isinstance(e, RecordingStopped)]
    assert started.mixmonitor_id == stopped.mixmonitor_id == "0x7f9d78018300"
    assert stopped.file == "/var/spool/asterisk/monitor/dialer-lead-j-try1.wav"
    assert stopped.at > started.at


def test_agent_complete_without_caller_fields_still_belongs_to_the_call() -> None:
    events = decode("k2_websocket_chanspy.txt")
    (completed,) = [e for e in events if isinstance(e, AgentCompleted)]
    assert completed.uniqueid == completed.linkedid == "dialer-lead-k2-try1"


def test_busy_agent_is_rung_only_after_the_other_call() -> None:
    events = [e for e in decode("n_queue_member_pause_ringinuse.txt") if e.lead]
    assert types(events).index("queue_joined") < types(events).index("agent_called")
    other = [e for e in decode("n_queue_member_pause_ringinuse.txt") if not e.lead]
    assert types(other) == ["call_originated", "call_answered", "hung_up"]


@pytest.mark.parametrize(
    "capture",
    [
        "a_login_coresettings_ping.txt",
        "a2_challenge_md5_login.txt",
        "g1_login_bad_secret.txt",
        "g1b_action_before_login.txt",
        "g2_unknown_action.txt",
    ],
)
def test_captures_without_calls_yield_no_call_events(capture: str) -> None:
    assert decode(capture) == []


@pytest.mark.parametrize(
    "capture",
    [
        "f1_fastagi_session.ami.txt",
        "f2_fastagi_hangup_during_command.ami.txt",
        "f3_fastagi_hangup_while_idle.ami.txt",
        "f4_fastagi_script_ends_first.ami.txt",
        "l_ivr_record_say.ami.txt",
    ],
)
def test_ivr_calls_are_originated_answered_and_hung_up_once(capture: str) -> None:
    found = types(decode(capture))
    assert found[:2] == ["call_originated", "call_answered"]
    assert found.count("hung_up") == 1
    assert found[-1] == "hung_up"


def test_order_of_originate_response_and_dial_end_does_not_matter() -> None:
    """OriginateResponse may come before the first DialEnd or after it (README)."""
    steps = read_transcript((FIXTURES / "b_originate_answer_queue.txt").read_text())
    messages = AmiParser().feed(asterisk_bytes(steps))
    response = next(m for m in messages if m.event == "OriginateResponse")
    first_dial = next(m for m in messages if m.event == "DialBegin")
    reordered = [m for m in messages if m is not response]
    reordered.insert(reordered.index(first_dial), response)

    translator = CallTranslator(LAB_DIALPLAN)
    translator.note_originate(
        action_id="dialer-camp42-lead0001-try1",
        dial_string="Local/answer@customers",
        channel_id="dialer-lead0001-try1",
    )
    events = [e for m in reordered for e in translator.translate(m, START)]
    assert types(events)[:2] == ["call_originated", "call_answered"]
    assert types(events).count("call_answered") == 1
    assert types(events).count("call_originated") == 1


def test_amd_verdict_from_channel_variables() -> None:
    def varset(name: str, value: str) -> bytes:
        return (
            f"Event: VarSet\r\nChannel: Local/answer@customers-00000000;1\r\n"
            f"Uniqueid: u1\r\nLinkedid: u1\r\nVariable: {name}\r\nValue: {value}\r\n\r\n"
        ).encode()

    messages = AmiParser(expect_banner=False).feed(
        varset("AMDSTATUS", "MACHINE") + varset("AMDCAUSE", "LONGGREETING-1500-1500")
    )
    translator = CallTranslator(LAB_DIALPLAN)
    events = [e for m in messages for e in translator.translate(m, START)]
    (event,) = events
    assert isinstance(event, AmdResult)
    assert event.status is AmdStatus.MACHINE
    assert event.cause == "LONGGREETING-1500-1500"


def test_amd_verdict_from_the_labs_user_event() -> None:
    (message,) = AmiParser(expect_banner=False).feed(
        b"Event: UserEvent\r\nUserEvent: DialerAMD\r\nUniqueid: u2\r\nLinkedid: u2\r\n"
        b"AMDStatus: HUMAN\r\nAMDCause: HUMAN-803-800\r\n\r\n"
    )
    (event,) = CallTranslator(LAB_DIALPLAN).translate(message, START)
    assert isinstance(event, AmdResult)
    assert event.status is AmdStatus.HUMAN
    assert event.cause == "HUMAN-803-800"


def test_failure_of_an_originate_that_made_no_channel_keeps_its_channel_id() -> None:
    translator = CallTranslator(LAB_DIALPLAN)
    translator.note_originate(
        action_id="attempt-9", dial_string="Bogus/123", channel_id="lead9-try1", lead="lead9"
    )
    (response,) = AmiParser(expect_banner=False).feed(
        b"Event: OriginateResponse\r\nActionID: attempt-9\r\nResponse: Failure\r\n"
        b"Channel: Bogus/123\r\nReason: 0\r\nUniqueid: <unknown>\r\n\r\n"
    )
    (failed,) = translator.translate(response, START)
    assert isinstance(failed, CallFailed)
    assert failed.uniqueid == failed.linkedid == "lead9-try1"
    assert failed.lead == "lead9"
    assert failed.reason is FailReason.UNREACHABLE


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_wherever_the_originate_response_lands_the_call_story_is_the_same(
    data: st.DataObject,
) -> None:
    """OriginateResponse may arrive anywhere after the channel exists (README: order varies)."""
    steps = read_transcript((FIXTURES / "b_originate_answer_queue.txt").read_text())
    messages = AmiParser().feed(asterisk_bytes(steps))
    response = next(m for m in messages if m.event == "OriginateResponse")
    rest = [m for m in messages if m is not response]
    first_channel = next(i for i, m in enumerate(rest) if m.event == "Newchannel")
    last_hangup = max(i for i, m in enumerate(rest) if m.event == "Hangup")
    where = data.draw(st.integers(min_value=first_channel + 1, max_value=last_hangup + 1))
    rest.insert(where, response)
    translator = CallTranslator(LAB_DIALPLAN)
    translator.note_originate(
        action_id="dialer-camp42-lead0001-try1",
        dial_string="Local/answer@customers",
        channel_id="dialer-lead0001-try1",
    )
    found = sorted(types([e for m in rest for e in translator.translate(m, START)]))
    assert found == sorted(types(decode("b_originate_answer_queue.txt")))
