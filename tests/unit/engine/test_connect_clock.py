"""When the 2-second connect clock starts, from what Asterisk's AMD says on AMI.

47 CFR 64.1200(a)(7) counts the two seconds from the end of the person's greeting. AMD says
HUMAN only after ``after_greeting_silence`` of silence following it, and says how much it heard
in ``AMDCAUSE`` (``HUMAN-<silence>-<after_greeting_silence>``): the clock starts that much
before the verdict.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dialer.ami.protocol import AmiMessage, AmiParser
from dialer.ami.translate import CallTranslator
from dialer.engine.calls import CallBook, OutboundCall
from dialer.events import AmdResult, CallAnswered

AT = datetime(2026, 11, 20, 15, tzinfo=UTC)
CID = "d1-0001"
HALF1 = "Local/+15550001@recoup-outbound-00000001;1"


def ami(*blocks: dict[str, str]) -> list[AmiMessage]:
    data = b"".join(
        "".join(f"{k}: {v}\r\n" for k, v in block.items()).encode() + b"\r\n" for block in blocks
    )
    return AmiParser(expect_banner=False).feed(data)


def on_the_call(event: str, **fields: str) -> dict[str, str]:
    return {"Event": event, "Channel": HALF1, "Uniqueid": CID, "Linkedid": CID, **fields}


def answered_with_amd() -> tuple[CallBook, OutboundCall]:
    book = CallBook()
    call = OutboundCall(CID, 7, "camp", "D1", "P1", "+15550001", amd=True, placed_at=0.0)
    book.place(call)
    book.apply(CallAnswered(uniqueid=CID, linkedid=CID, at=AT, channel=HALF1), 5.0)
    return book, call


def verdict(*blocks: dict[str, str]) -> AmdResult:
    translator = CallTranslator()
    found = [e for m in ami(*blocks) for e in translator.translate(m, AT)]
    (amd,) = [e for e in found if isinstance(e, AmdResult)]
    return amd


def test_the_clock_starts_when_the_greeting_ended_as_amds_variables_say() -> None:
    book, call = answered_with_amd()
    amd = verdict(
        on_the_call("VarSet", Variable="AMDSTATUS", Value="HUMAN"),
        on_the_call("VarSet", Variable="AMDCAUSE", Value="HUMAN-950-800"),
    )
    book.apply(amd, 6.5)  # "Hello?" until 5.55, then 950 ms of silence
    assert amd.silence_after_greeting_ms == 950
    assert call.live_since == pytest.approx(5.55)
    assert book.overdue(7.54, 2.0) == []
    assert book.overdue(7.55, 2.0) == [call]


def test_the_clock_starts_when_the_greeting_ended_as_recoups_amd_event_says() -> None:
    book, call = answered_with_amd()
    amd = verdict(
        on_the_call("UserEvent", UserEvent="RecoupAMD", AMDStatus="HUMAN", AMDCause="HUMAN-803-800")
    )
    book.apply(amd, 6.3)
    assert call.live_since == pytest.approx(5.497)


@pytest.mark.parametrize(
    ("status", "cause"),
    [
        ("NOTSURE", "TOOLONG-5000"),
        ("HUMAN", ""),
        ("HUMAN", "HUMAN"),
        ("MACHINE", "LONGGREETING-1500-1500"),
    ],
)
def test_a_cause_that_tells_no_silence_after_a_greeting_gives_none(status: str, cause: str) -> None:
    amd = verdict(
        on_the_call("VarSet", Variable="AMDSTATUS", Value=status),
        on_the_call("VarSet", Variable="AMDCAUSE", Value=cause),
    )
    assert amd.silence_after_greeting_ms is None
