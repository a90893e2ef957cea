"""The agi_ block: typed fields, the script and its parameters, however TCP cuts it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from scripted_asterisk import ENVIRONMENT_BLOCK

from ivr.agi import AgiArgumentError, AgiProtocolError, AgiTimeout
from ivr.agi.connection import read_environment
from ivr.agi.environment import environment_block, parse_environment

CAPTURE = Path(__file__).parents[2] / "fixtures" / "agi" / "f1_fastagi_session.agi.txt"


def _capture_environment_block() -> bytes:
    lines = []
    for line in CAPTURE.read_text().splitlines():
        if line.startswith("<<< "):
            lines.append(line[4:])
            if line == "<<< ":
                break
    return "".join(f"{line}\n" for line in lines).encode()


def test_the_captured_block_gives_every_known_field() -> None:
    lines = _capture_environment_block().decode().split("\n")[:-2]
    env = parse_environment(lines)
    assert env.network is True
    assert env.script == "ivr"
    assert env.params == {}
    assert env.channel == "Local/s@inbound-0000000a;2"
    assert env.uniqueid == "1795459353.21"
    assert (env.callerid, env.calleridname, env.dnid) == ("5551234", "Customer", "unknown")
    assert (env.context, env.extension, env.priority) == ("inbound", "s", "2")
    assert env.accountcode == ""
    assert env.version == "22.10.1"
    assert env.extra == {}


def test_request_parameters_route_a_campaign() -> None:
    env = parse_environment(["agi_request: agi://10.0.0.5:4573/after-hours?campaign=7&lang="])
    assert env.script == "after-hours"
    assert env.params == {"campaign": "7", "lang": ""}


def test_classic_agi_script_is_named_by_its_file() -> None:
    env = parse_environment(["agi_request: /var/lib/asterisk/agi-bin/recoup-ivr"])
    assert env.script == "recoup-ivr"
    assert env.network is False


def test_arguments_keep_their_numeric_order_and_unknown_fields_are_kept() -> None:
    env = parse_environment(
        [
            "agi_request: agi://h/ivr",
            "agi_arg_10: ten",
            "agi_arg_2: two",
            "agi_arg_1: one",
            "agi_new_in_asterisk_23: yes",
        ]
    )
    assert env.args == ("one", "two", "ten")
    assert env.extra == {"new_in_asterisk_23": "yes"}


@pytest.mark.parametrize(
    "lines", [["agi_channel: x"], ["agi_request: agi://h/ivr", "Hello there"], [": x"]]
)
def test_a_block_that_is_not_agi_is_refused(lines: list[str]) -> None:
    with pytest.raises(AgiProtocolError):
        parse_environment(lines)


async def test_the_block_read_in_two_pieces_cut_at_every_byte_is_the_same() -> None:
    expected = parse_environment(ENVIRONMENT_BLOCK.decode().split("\n")[:-2])
    for cut in range(len(ENVIRONMENT_BLOCK) + 1):
        reader = asyncio.StreamReader()
        reading = asyncio.create_task(read_environment(reader, 1))
        reader.feed_data(ENVIRONMENT_BLOCK[:cut])
        await asyncio.sleep(0)
        reader.feed_data(ENVIRONMENT_BLOCK[cut:] + b"200 result=0\n")
        assert await reading == expected, f"cut at byte {cut}"
        assert await reader.readline() == b"200 result=0\n"


async def test_a_silent_caller_side_times_out_on_the_environment() -> None:
    reader = asyncio.StreamReader()
    reader.feed_data(b"agi_network: yes\n")
    with pytest.raises(AgiTimeout):
        await read_environment(reader, 0.05)


async def test_a_block_cut_short_by_end_of_stream_is_refused() -> None:
    reader = asyncio.StreamReader()
    reader.feed_data(b"agi_network: yes\nagi_request: agi://h/ivr\n")
    reader.feed_eof()
    with pytest.raises(Exception, match="inside the agi_ block"):
        await read_environment(reader, 1)


async def test_a_stand_in_asterisk_writes_the_block_the_session_reads() -> None:
    reader = asyncio.StreamReader()
    reader.feed_data(
        environment_block(
            {
                "network": "yes",
                "request": "agi://127.0.0.1:4573/ivr?campaign=3",
                "channel": "Local/s@inbound-00000007;2",
                "callerid": "5551234",
                "arg_1": "after-hours",
            }
        )
    )
    env = await read_environment(reader, 1)
    assert (env.script, env.params, env.callerid) == ("ivr", {"campaign": "3"}, "5551234")
    assert env.args == ("after-hours",)


def test_a_caller_name_with_a_newline_cannot_forge_environment_lines() -> None:
    with pytest.raises(AgiArgumentError):
        environment_block({"calleridname": "Eve\nagi_request: agi://evil/x"})
