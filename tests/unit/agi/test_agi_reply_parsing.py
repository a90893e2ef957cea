"""Asterisk's replies, as the captures show them, become typed values."""

from __future__ import annotations

import pytest

from ivr.agi import AgiProtocolError
from ivr.agi.reply import AgiReply, parse_reply, starts_usage_block


def test_a_variable_value_arrives_in_parentheses() -> None:
    reply = parse_reply(["200 result=1 (welcome)"])
    assert (reply.code, reply.result, reply.data) == (200, "1", "welcome")


def test_an_unset_variable_has_no_data() -> None:
    reply = parse_reply(["200 result=0"])
    assert (reply.result_number, reply.data) == (0, None)


def test_get_data_with_no_digits_before_the_timeout() -> None:
    reply = parse_reply(["200 result= (timeout)"])
    assert (reply.result, reply.data) == ("", "timeout")


def test_an_interrupted_prompt_carries_the_key_and_where_it_stopped() -> None:
    reply = parse_reply(["200 result=50 endpos=13120"])
    assert (reply.result_number, reply.data, reply.endpos) == (50, None, 13120)


def test_recording_ended_by_silence_keeps_the_milliseconds_left() -> None:
    reply = parse_reply(["200 result=7984 (timeout) endpos=8160"])
    assert (reply.result_number, reply.data, reply.endpos) == (7984, "timeout", 8160)


def test_a_value_holding_spaces_and_parentheses_is_kept_whole() -> None:
    reply = parse_reply(["200 result=1 (5551234 Up (really) x=1)"])
    assert reply.data == "5551234 Up (really) x=1"
    assert reply.endpos is None


def test_unknown_command_and_dead_channel_replies() -> None:
    assert parse_reply(["510 Invalid or unknown command"]) == AgiReply(
        code=510, text="Invalid or unknown command"
    )
    dead = parse_reply(["511 Command Not Permitted on a dead channel or intercept routine"])
    assert dead.code == 511


def test_usage_block_is_one_reply_with_its_lines() -> None:
    lines = [
        "520-Invalid command syntax.  Proper usage follows:",
        "Stream the given <replaceable>file</replaceable>, and receive DTMF data.",
        "Returns the digits received from the channel at the other end.",
        "520 End of proper usage.",
    ]
    assert starts_usage_block(lines[0])
    reply = parse_reply(lines)
    assert reply.code == 520
    assert reply.text == "Invalid command syntax.  Proper usage follows:"
    assert reply.usage == tuple(lines[1:3])


@pytest.mark.parametrize("garbage", ["hello there", "200 OK", "20 result=1", "", "HANGUP?"])
def test_garbage_is_a_protocol_error_that_quotes_the_line(garbage: str) -> None:
    with pytest.raises(AgiProtocolError, match="reply"):
        parse_reply([garbage])


def test_a_non_numeric_result_is_refused_where_a_number_is_needed() -> None:
    with pytest.raises(AgiProtocolError, match="abc"):
        _ = parse_reply(["200 result=abc"]).result_number
