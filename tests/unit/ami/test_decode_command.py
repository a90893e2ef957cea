"""``recoup ami decode``: a capture or a byte log in, domain events out as JSON lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dialer.ami.cli import ami_group
from dialer.ami.transcript import asterisk_bytes, read_transcript

FIXTURES = Path(__file__).parents[2] / "fixtures" / "asterisk"


def run(*args: str) -> tuple[int, list[dict[str, object]], str]:
    result = CliRunner().invoke(ami_group, list(args))
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return result.exit_code, lines, result.output


def test_decode_prints_a_busy_call_as_json_lines() -> None:
    code, lines, _ = run("decode", str(FIXTURES / "c1_originate_busy.txt"))
    assert code == 0
    assert [line["type"] for line in lines] == ["call_originated", "call_failed", "hung_up"]
    failed = lines[1]
    assert failed["reason"] == "busy"
    assert failed["uniqueid"] == failed["linkedid"] == "1795459289.4"
    assert lines[2]["cause"] == 17


def test_decode_reads_a_raw_byte_log_too(tmp_path: Path) -> None:
    steps = read_transcript((FIXTURES / "b_originate_answer_queue.txt").read_text())
    raw = tmp_path / "asterisk.log"
    raw.write_bytes(asterisk_bytes(steps))
    code, lines, _ = run("decode", str(raw), "--start", "2026-11-23T18:41:00")
    assert code == 0
    assert "agent_connected" in [line["type"] for line in lines]
    assert all(str(line["at"]).startswith("2026-11-23T18:41:00") for line in lines)


def test_decode_refuses_a_file_that_is_not_ami_with_exit_2(tmp_path: Path) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    code, _, output = run("decode", str(junk))
    assert code == 2
    assert "neither an AMI capture" in output
    assert "Traceback" not in output


def test_decode_refuses_a_broken_capture_line_with_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("<<< Asterisk Call Manager/11.0.0\nthis is not a capture line\n")
    code, _, output = run("decode", str(bad))
    assert code == 2
    assert "line 2" in output


def test_decode_of_a_missing_file_is_a_usage_error() -> None:
    code, _, output = run("decode", "/no/such/capture.txt")
    assert code == 2
    assert "does not exist" in output


def test_every_command_has_help() -> None:
    for args in (["--help"], ["decode", "--help"]):
        result = CliRunner().invoke(ami_group, args)
        assert result.exit_code == 0
        assert "Usage:" in result.output
    assert "JSON lines" in CliRunner().invoke(ami_group, ["decode", "--help"]).output


def test_decode_refuses_an_agi_capture_with_exit_2() -> None:
    code, _, output = run("decode", str(FIXTURES / "f1_fastagi_session.agi.txt"))
    assert code == 2
    assert "no AMI message" in output


def test_decode_finds_the_lab_names_of_a_capture_by_itself() -> None:
    code, lines, _ = run("decode", str(FIXTURES / "c1_originate_busy.txt"))
    assert code == 0
    assert {line["campaign"] for line in lines} == {"camp42"}


def test_decode_reads_the_names_it_is_told_to() -> None:
    capture = str(FIXTURES / "c1_originate_busy.txt")
    code, lines, _ = run("decode", capture, "--dialplan", "recoup")
    assert code == 0
    assert {line["campaign"] for line in lines} == {None}
    code, lines, _ = run("decode", capture, "--dialplan", "lab")
    assert {line["campaign"] for line in lines} == {"camp42"}


@pytest.mark.parametrize("line_end", [b"\r\n", b"\n"])
def test_decode_keeps_the_last_event_of_a_log_saved_without_its_final_blank_line(
    tmp_path: Path, line_end: bytes
) -> None:
    """An editor trims the trailing blank line of a pasted log: the hang-up is still there."""
    steps = read_transcript((FIXTURES / "c1_originate_busy.txt").read_text())
    raw = tmp_path / "asterisk.log"
    whole = asterisk_bytes(steps)
    last_hangup_ends = whole.index(b"\r\n\r\n", whole.rindex(b"Event: Hangup"))
    raw.write_bytes(whole[:last_hangup_ends] + line_end)
    code, lines, _ = run("decode", str(raw))
    assert code == 0
    assert [line["type"] for line in lines] == ["call_originated", "call_failed", "hung_up"]


def test_decode_does_not_invent_an_event_from_a_log_cut_inside_a_line(tmp_path: Path) -> None:
    steps = read_transcript((FIXTURES / "c1_originate_busy.txt").read_text())
    whole = asterisk_bytes(steps)
    raw = tmp_path / "asterisk.log"
    raw.write_bytes(whole[: whole.rindex(b"Event: Hangup") + len(b"Event: Hang")])
    code, lines, _ = run("decode", str(raw))
    assert code == 0
    assert "hung_up" not in [line["type"] for line in lines]


def test_a_capture_with_a_latin1_caller_name_still_decodes_every_call(tmp_path: Path) -> None:
    """Carriers send caller names in Latin-1 and Asterisk passes the bytes on: one such byte
    must not turn the whole capture into no events at all."""
    capture = (FIXTURES / "c1_originate_busy.txt").read_bytes()
    latin1 = tmp_path / "c1_latin1.txt"
    latin1.write_bytes(capture.replace(b"CallerIDName: Collections", b"CallerIDName: Jos\xe9", 1))
    code, lines, _ = run("decode", str(latin1))
    assert code == 0
    assert [line["type"] for line in lines] == ["call_originated", "call_failed", "hung_up"]
