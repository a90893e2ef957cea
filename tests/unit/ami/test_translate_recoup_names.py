"""The translator reads Recoup's production dialplan names by default, the lab's on request."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from dialer.ami.decode import decode_ami_log, dialplan_of
from dialer.ami.protocol import AmiMessage, AmiParser
from dialer.ami.translate import LAB_DIALPLAN, RECOUP_DIALPLAN, CallTranslator
from dialer.events import AmdResult, AmdStatus, CallEvents, QueueAbandoned

FIXTURES = Path(__file__).parents[2] / "fixtures" / "asterisk"
START = datetime(2026, 11, 23, 18, 41, tzinfo=UTC)
CHANNEL = "Local/+15550001@recoup-outbound-00000000;1"


def messages(*blocks: dict[str, str]) -> list[AmiMessage]:
    data = b"".join(
        "".join(f"{k}: {v}\r\n" for k, v in block.items()).encode() + b"\r\n" for block in blocks
    )
    return AmiParser(expect_banner=False).feed(data)


def event(name: str, **fields: str) -> dict[str, str]:
    return {"Event": name, "Channel": CHANNEL, "Uniqueid": "try1", "Linkedid": "try1", **fields}


def run(translator: CallTranslator, *blocks: dict[str, str]) -> list[CallEvents]:
    return [e for m in messages(*blocks) for e in translator.translate(m, START)]


def test_production_names_are_the_default() -> None:
    assert CallTranslator().names is RECOUP_DIALPLAN


def test_campaign_and_lead_come_from_the_recoup_variables() -> None:
    found = run(
        CallTranslator(),
        event("VarSet", Variable="RECOUP_CAMPAIGN", Value="spring"),
        event("VarSet", Variable="RECOUP_LEAD", Value="lead7"),
        event("UserEvent", UserEvent="RecoupAMD", AMDStatus="HUMAN", AMDCause="HUMAN-803-800"),
    )
    (amd,) = found
    assert isinstance(amd, AmdResult)
    assert (amd.campaign, amd.lead, amd.status) == ("spring", "lead7", AmdStatus.HUMAN)


def test_the_lab_preset_ignores_recoup_names_and_reads_dialer_ones() -> None:
    lab = CallTranslator(LAB_DIALPLAN)
    found = run(
        lab,
        event("VarSet", Variable="RECOUP_CAMPAIGN", Value="spring"),
        event("VarSet", Variable="DIALER_LEAD", Value="lead7"),
        event("UserEvent", UserEvent="RecoupAMD", AMDStatus="HUMAN", AMDCause="x"),
        event("UserEvent", UserEvent="DialerAMD", AMDStatus="MACHINE", AMDCause="y"),
    )
    (amd,) = found
    assert isinstance(amd, AmdResult)
    assert (amd.campaign, amd.lead, amd.status) == (None, "lead7", AmdStatus.MACHINE)


def test_the_recording_id_is_read_from_recoup_mixid() -> None:
    found = run(
        CallTranslator(),
        event("VarSet", Variable="MIXMONITOR_FILENAME", Value="/rec/try1.wav"),
        event("VarSet", Variable="RECOUP_MIXID", Value="0x7f00"),
        event("MixMonitorStart"),
    )
    (started,) = found
    assert getattr(started, "mixmonitor_id", None) == "0x7f00"
    assert getattr(started, "file", None) == "/rec/try1.wav"


def test_joinempty_abandon_is_reported_from_the_recoup_abandon_event() -> None:
    """Nobody could take the call: no QueueCallerJoin, only RecoupAbandon tells the dialer."""
    found = run(
        CallTranslator(),
        event("UserEvent", UserEvent="RecoupAbandon", Reason="JOINEMPTY", Queue="recoup-spring"),
    )
    (abandoned,) = found
    assert isinstance(abandoned, QueueAbandoned)
    assert abandoned.queue == "recoup-spring"
    assert abandoned.by_dialer is True


def test_a_redirected_caller_is_abandoned_once_not_twice() -> None:
    translator = CallTranslator()
    translator.note_redirect(CHANNEL)
    found = run(
        translator,
        event("QueueCallerAbandon", Queue="collections", Position="1", OriginalPosition="1"),
        event("UserEvent", UserEvent="RecoupAbandon", Reason="REDIRECT", Queue="collections"),
    )
    (abandoned,) = found
    assert isinstance(abandoned, QueueAbandoned)
    assert abandoned.by_dialer is True


def test_the_lab_dialplan_sends_no_abandon_event() -> None:
    found = run(
        CallTranslator(LAB_DIALPLAN),
        event("UserEvent", UserEvent="RecoupAbandon", Reason="JOINEMPTY", Queue="collections"),
    )
    assert found == []


def test_an_originate_action_names_campaign_and_lead_with_recoup_variables() -> None:
    translator = CallTranslator()
    (action,) = AmiParser(expect_banner=False).feed(
        b"Action: Originate\r\nActionID: a1\r\nChannel: Local/+15550009@recoup-outbound/n\r\n"
        b"ChannelId: try9\r\nVariable: RECOUP_CAMPAIGN=spring\r\n"
        b"Variable: RECOUP_LEAD=lead9\r\n\r\n"
    )
    translator.note_action(action)
    (failed,) = run(
        translator,
        {
            "Event": "OriginateResponse",
            "ActionID": "a1",
            "Response": "Failure",
            "Channel": "Local/+15550009@recoup-outbound/n",
            "Reason": "0",
            "Uniqueid": "<unknown>",
        },
    )
    assert (failed.campaign, failed.lead) == ("spring", "lead9")


def test_the_dialplan_of_a_log_is_found_in_it() -> None:
    assert dialplan_of((FIXTURES / "b_originate_answer_queue.txt").read_bytes()) is LAB_DIALPLAN
    assert dialplan_of(b"Variable: RECOUP_CAMPAIGN\r\n") is RECOUP_DIALPLAN
    assert dialplan_of(b"Event: Hangup\r\n") is RECOUP_DIALPLAN


def test_lab_captures_decode_with_their_campaign_whatever_the_default() -> None:
    events = decode_ami_log((FIXTURES / "b_originate_answer_queue.txt").read_bytes(), START)
    assert {e.campaign for e in events} == {"camp42"}
    forced = decode_ami_log(
        (FIXTURES / "b_originate_answer_queue.txt").read_bytes(), START, names=RECOUP_DIALPLAN
    )
    assert {e.campaign for e in forced} == {None}


def test_a_redirected_caller_is_abandoned_once_whichever_event_comes_first() -> None:
    """The abandon meter behind the 3% cap counts each QueueAbandoned: the dialplan's
    RecoupAbandon and the queue's QueueCallerAbandon of one call are one abandon, in either
    order (the translator never relies on arrival order)."""
    translator = CallTranslator()
    translator.note_redirect(CHANNEL)
    found = run(
        translator,
        event("UserEvent", UserEvent="RecoupAbandon", Reason="REDIRECT", Queue="collections"),
        event("QueueCallerAbandon", Queue="collections", Position="1", OriginalPosition="1"),
    )
    (abandoned,) = found
    assert isinstance(abandoned, QueueAbandoned)
    assert abandoned.by_dialer is True
