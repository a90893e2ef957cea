"""Why panoramisk 1.4 is only a test and benchmark peer: two of its failures, shown.

Each test feeds the same bytes to panoramisk's own parser and to Recoup's, and asserts what
each one does with them.
"""

from __future__ import annotations

from typing import Any

from panoramisk.ami_protocol import AMIProtocol
from panoramisk.message import Message

from dialer.ami.protocol import AmiParser

NAME = "Zoë Ångström"
EVENT = (
    "Event: NewCallerid\r\nChannel: Local/answer@customers-00000000;1\r\n"
    f"CallerIDName: {NAME}\r\n\r\n"
).encode()


def panoramisk_reads(chunks: list[bytes]) -> list[Any]:
    received: list[Any] = []

    class Factory:
        save_stream = None

        def dispatch(self, message: Any) -> None:
            received.append(message)

    protocol = AMIProtocol()
    protocol.connection_made(None)
    protocol.factory = Factory()
    protocol.encoding = "utf8"  # what panoramisk's Manager sets by default
    for chunk in chunks:
        protocol.data_received(chunk)
    return received


def test_a_debtors_accented_name_cut_by_tcp_is_damaged_by_panoramisk_not_by_recoup() -> None:
    cut = EVENT.index("ë".encode()) + 1  # TCP splits the two bytes of "ë"
    chunks = [EVENT[:cut], EVENT[cut:]]

    (theirs,) = panoramisk_reads(chunks)
    assert theirs["CallerIDName"] != NAME
    assert theirs["CallerIDName"] == "Zo Ångström"  # the split character is silently dropped

    parser = AmiParser(expect_banner=False)
    ours = [m for chunk in chunks for m in parser.feed(chunk)]
    assert ours[0].get("CallerIDName") == NAME


def test_command_output_is_a_string_or_a_list_in_panoramisk_always_a_list_in_recoup() -> None:
    one = "Response: Success\r\nActionID: a-5\r\nMessage: Command output follows\r\nOutput: one"
    two = one + "\r\nOutput: two"
    assert Message.from_line(one)["Output"] == "one"
    assert Message.from_line(two)["Output"] == ["one", "two"]

    parser = AmiParser(expect_banner=False)
    assert parser.feed(one.encode() + b"\r\n\r\n")[0].get_all("Output") == ["one"]
    assert parser.feed(two.encode() + b"\r\n\r\n")[0].get_all("Output") == ["one", "two"]
