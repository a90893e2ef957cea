"""The AMI parser is a function of bytes: however TCP cuts the stream, the messages are the same."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialer.ami.protocol import AmiMessage, AmiParser, AmiProtocolError, encode
from dialer.ami.session import login_key
from dialer.ami.transcript import asterisk_bytes, read_transcript

FIXTURES = Path(__file__).parents[2] / "fixtures" / "asterisk"

LOGIN_REPLY = (
    b"Asterisk Call Manager/11.0.0\r\n"
    b"Response: Success\r\nActionID: a-1\r\nMessage: Authentication accepted\r\n\r\n"
    b"Event: FullyBooted\r\nPrivilege: system,all\r\nUptime: 5\r\nLastReload: 5\r\n"
    b"Status: Fully Booted\r\n\r\n"
)


def _parse_in_chunks(data: bytes, cuts: list[int]) -> list[list[tuple[str, str]]]:
    parser = AmiParser()
    out = []
    previous = 0
    for cut in [*sorted(cuts), len(data)]:
        out.extend(parser.feed(data[previous:cut]))
        previous = cut
    return [list(m.headers) for m in out]


def test_login_reply_is_the_banner_then_two_messages() -> None:
    messages = AmiParser().feed(LOGIN_REPLY)
    assert messages[0].is_banner
    assert messages[0].get("__banner__") == "Asterisk Call Manager/11.0.0"
    assert messages[1].response == "Success"
    assert messages[1].action_id == "a-1"
    assert messages[2].event == "FullyBooted"
    assert len(messages) == 3


def test_a_message_split_at_every_offset_parses_the_same() -> None:
    whole = _parse_in_chunks(LOGIN_REPLY, [])
    for cut in range(len(LOGIN_REPLY) + 1):
        assert _parse_in_chunks(LOGIN_REPLY, [cut]) == whole, cut


def test_byte_by_byte_feed_parses_the_same_as_one_chunk() -> None:
    parser = AmiParser()
    messages = []
    for i in range(len(LOGIN_REPLY)):
        messages.extend(parser.feed(LOGIN_REPLY[i : i + 1]))
    assert [m.headers for m in messages] == [m.headers for m in AmiParser().feed(LOGIN_REPLY)]
    assert parser.pending_bytes == 0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(LOGIN_REPLY)), max_size=12))
def test_any_chunking_parses_the_same(cuts: list[int]) -> None:
    assert _parse_in_chunks(LOGIN_REPLY, cuts) == _parse_in_chunks(LOGIN_REPLY, [])


def test_debtor_name_in_utf8_survives_a_chunk_cut_inside_a_character() -> None:
    name = "Zoë Ångström-Łukasz 日本"
    data = b"Asterisk Call Manager/11.0.0\r\n" + encode(
        [("Event", "NewCallerid"), ("CallerIDName", name)]
    )
    raw_name = name.encode()
    inside = data.index(raw_name) + raw_name.index("ë".encode()) + 1  # between the two bytes of ë
    for cut in range(inside - 3, inside + 12):
        messages = _parse_in_chunks(data, [cut])
        assert messages[1] == [("Event", "NewCallerid"), ("CallerIDName", name)]


def test_repeated_variable_headers_are_all_kept_in_order() -> None:
    data = encode(
        [
            ("Action", "Originate"),
            ("Variable", "DIALER_CAMPAIGN=camp42"),
            ("Variable", "DIALER_LEAD=lead0001"),
        ]
    )
    (message,) = AmiParser(expect_banner=False).feed(data)
    assert message.get_all("variable") == ["DIALER_CAMPAIGN=camp42", "DIALER_LEAD=lead0001"]
    assert message.as_dict()["Variable"] == ["DIALER_CAMPAIGN=camp42", "DIALER_LEAD=lead0001"]


def test_command_output_lines_are_a_list_even_when_there_is_one() -> None:
    steps = read_transcript((FIXTURES / "a_login_coresettings_ping.txt").read_text())
    messages = AmiParser().feed(asterisk_bytes(steps))
    (command,) = [m for m in messages if m.action_id == "a-5"]
    assert command.get_all("Output") == [
        "Asterisk 22.10.1 built by root @ vm on a x86_64 running Linux on 2026-11-23 18:28:19 UTC"
    ]


def test_empty_values_are_empty_strings_not_missing() -> None:
    (message,) = AmiParser(expect_banner=False).feed(b"Event: Newchannel\r\nAccountCode: \r\n\r\n")
    assert message.get("AccountCode") == ""
    assert "AccountCode" in message


def test_a_one_megabyte_event_arrives_whole() -> None:
    big = "x" * (1024 * 1024)
    data = encode([("Event", "UserEvent"), ("UserEvent", "Bulk"), ("Payload", big)])
    parser = AmiParser(expect_banner=False)
    messages = []
    for i in range(0, len(data), 4096):
        messages.extend(parser.feed(data[i : i + 4096]))
    assert len(messages) == 1
    assert messages[0].get("Payload") == big


def test_a_message_that_never_ends_is_refused_not_buffered_forever() -> None:
    parser = AmiParser(expect_banner=False, max_message_bytes=1000)
    with pytest.raises(AmiProtocolError, match="grew past 1000 bytes"):
        parser.feed(b"Event: Endless\r\nPayload: " + b"y" * 2000)
    assert parser.pending_bytes == 0


def test_garbage_lines_are_kept_aside_and_the_stream_continues() -> None:
    data = b"\x00\xffnot a header\r\nEvent: Hangup\r\n\r\nEvent: Newchannel\r\n\r\n"
    messages = AmiParser(expect_banner=False).feed(data)
    assert messages[0].event == "Hangup"
    assert messages[0].not_utf8
    assert messages[0].malformed_lines == ("\x00\ufffdnot a header",)
    assert messages[1].event == "Newchannel"


def test_a_half_sent_block_waits_for_its_end() -> None:
    parser = AmiParser(expect_banner=False)
    assert parser.feed(b"Response: Success\r\nActionID: a-2\r\nMessage: Pong") == []
    assert parser.pending_bytes > 0
    (message,) = parser.feed(b"\r\n\r\n")
    assert message.get("Message") == "Pong"


def test_bare_lf_messages_from_hand_written_logs_are_accepted() -> None:
    messages = AmiParser(expect_banner=False).feed(b"Event: A\nX: 1\n\nEvent: B\n\n")
    assert [m.event for m in messages] == ["A", "B"]


def test_a_stream_without_banner_starts_with_a_message() -> None:
    messages = AmiParser().feed(b"Event: Hangup\r\nCause: 16\r\n\r\n")
    assert messages[0].event == "Hangup"
    assert messages[0].get("Cause") == "16"


def test_reset_after_reconnect_expects_a_new_banner() -> None:
    parser = AmiParser()
    parser.feed(b"Asterisk Call Manager/11.0.0\r\nResponse: Succ")
    parser.reset()
    messages = parser.feed(LOGIN_REPLY)
    assert messages[0].is_banner
    assert messages[1].response == "Success"


def test_a_callers_name_cannot_inject_a_header() -> None:
    with pytest.raises(AmiProtocolError, match="line breaks"):
        encode([("Action", "Setvar"), ("Value", "Bob\r\nAction: Hangup")])
    with pytest.raises(AmiProtocolError):
        encode([("Bad:Key", "x")])


def test_encode_then_parse_round_trips() -> None:
    fields = [("Action", "Originate"), ("CallerID", '"Collections" <5551000>'), ("Timeout", 30000)]
    (message,) = AmiParser(expect_banner=False).feed(encode(fields))
    assert message.headers == (
        ("Action", "Originate"),
        ("CallerID", '"Collections" <5551000>'),
        ("Timeout", "30000"),
    )


AMI_CAPTURES = sorted(
    p.name for p in FIXTURES.glob("*.txt") if "<<< Asterisk Call Manager" in p.read_text()
)


@pytest.mark.parametrize("capture", AMI_CAPTURES)
def test_every_capture_parses_into_whole_messages(capture: str) -> None:
    text = (FIXTURES / capture).read_text()
    data = asterisk_bytes(read_transcript(text))
    messages = AmiParser().feed(data)
    assert messages[0].is_banner
    assert all(not m.malformed_lines for m in messages)
    assert all(m.event or m.response for m in messages[1:])
    # And the same bytes split in 7-byte chunks give the same messages.
    parser = AmiParser()
    chunked = [m for i in range(0, len(data), 7) for m in parser.feed(data[i : i + 7])]
    assert chunked == messages


def test_lookups_on_a_message_off_the_wire_match_a_full_split() -> None:
    data = (
        b"Event: VarSet\r\nChannel: Local/a-1;1\r\nUniqueID: u1\r\nVariable: X\r\n"
        b"Variable: Y\r\nValue: a: b\r\nEventTV: 2026-11-23T18:41:00\r\nOdd: one\nBare: two\r\n"
        b"AccountCode: \r\n\r\n"
    )
    (lazy,) = AmiParser(expect_banner=False).feed(data)
    assert lazy.get("Event") == "VarSet"
    assert lazy.get("Uniqueid") == "u1"  # another spelling finds it too
    assert lazy.get("Variable") == "X"  # the first of a repeated header
    assert lazy.get("Value") == "a: b"
    assert lazy.get("Odd") == "one"
    assert lazy.get("Bare") == "two"
    assert lazy.get("AccountCode") == ""
    assert lazy.get("Missing") is None
    assert "Channel" in lazy
    assert "channel" in lazy
    assert "Missing" not in lazy
    assert lazy.get_all("variable") == ["X", "Y"]
    eager = AmiMessage(lazy.headers)
    for key, _ in lazy.headers:
        assert lazy.get(key) == eager.get(key)


def test_md5_login_key_matches_the_one_asterisk_accepted() -> None:
    text = (FIXTURES / "a2_challenge_md5_login.txt").read_text()
    assert "Challenge: 209350343" in text
    assert f"Key: {login_key('209350343', 'dialerpass')}" in text


_KEYS = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_", min_size=1)
_VALUES = st.text(
    alphabet=st.characters(blacklist_characters="\r\n", blacklist_categories=("Cs",)), max_size=40
)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.lists(st.tuples(_KEYS, _VALUES), min_size=1, max_size=8), min_size=1, max_size=6),
    st.lists(st.integers(min_value=0, max_value=4000), max_size=8),
)
def test_any_headers_survive_encode_and_any_tcp_chunking(
    messages: list[list[tuple[str, str]]], cuts: list[int]
) -> None:
    data = b"".join(encode(m) for m in messages)
    parser = AmiParser(expect_banner=False)
    got = []
    previous = 0
    for cut in [*sorted(c for c in cuts if c < len(data)), len(data)]:
        got.extend(parser.feed(data[previous:cut]))
        previous = cut
    assert [list(m.headers) for m in got] == messages
    for message, sent in zip(got, messages, strict=True):
        key, value = sent[0]
        assert message.get(key) == value
