"""Arguments reach Asterisk as written, and nobody can smuggle a second command in."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ivr.agi import AgiArgumentError
from ivr.agi.arguments import bare, command_line, dtmf_keys, quoted, split_command_line

no_line_breaks = st.text(alphabet=st.characters(blacklist_characters="\n\r\x00"))


@given(no_line_breaks)
def test_any_value_set_on_the_channel_arrives_unchanged(value: str) -> None:
    line = command_line("SET VARIABLE", "IVR_NOTE", quoted(value))
    assert split_command_line(line) == ["SET", "VARIABLE", "IVR_NOTE", value]


@given(no_line_breaks)
def test_a_bare_argument_is_one_argument_whatever_it_holds(value: str) -> None:
    assert split_command_line(command_line("DATABASE GET", bare(value), "k"))[2] == value


def test_plain_words_go_bare_and_the_rest_in_quotes() -> None:
    assert bare("demo-congrats") == "demo-congrats"
    assert bare("") == '""'
    assert bare("ABdY 'digits/at' IMp") == "\"ABdY 'digits/at' IMp\""
    assert quoted('say "hi" \\o/') == '"say \\"hi\\" \\\\o/"'


@pytest.mark.parametrize("evil", ["x\nHANGUP", "x\rHANGUP", "x\x00", "\n"])
def test_a_newline_in_an_argument_is_refused(evil: str) -> None:
    with pytest.raises(AgiArgumentError):
        quoted(evil)
    with pytest.raises(AgiArgumentError):
        bare(evil)


def test_escape_digits_are_dtmf_keys_only() -> None:
    assert dtmf_keys("0123456789#*") == '"0123456789#*"'
    assert dtmf_keys("") == '""'
    with pytest.raises(AgiArgumentError, match="x"):
        dtmf_keys("12x")


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ('SET VARIABLE IVR_STEP "welcome"', ["SET", "VARIABLE", "IVR_STEP", "welcome"]),
        ('STREAM FILE beep ""', ["STREAM", "FILE", "beep", ""]),
        (
            'GET FULL VARIABLE "${CALLERID(num)} ${CHANNEL(state)}"',
            ["GET", "FULL", "VARIABLE", "${CALLERID(num)} ${CHANNEL(state)}"],
        ),
        ('EXEC Verbose "1,hello from fastagi"', ["EXEC", "Verbose", "1,hello from fastagi"]),
        (
            'SAY  DATETIME\t1797345000 "" ABdY UTC',
            ["SAY", "DATETIME", "1797345000", "", "ABdY", "UTC"],
        ),
        ('VERBOSE "say \\"hi\\"" 1', ["VERBOSE", 'say "hi"', "1"]),
    ],
)
def test_captured_command_lines_split_as_asterisk_splits_them(line: str, words: list[str]) -> None:
    assert split_command_line(line) == words
