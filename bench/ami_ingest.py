"""How fast the dialer ingests AMI: parse + translate on one core, against panoramisk 1.4.

The stream is built from the real Asterisk 22 captures ``b`` (an answered call through the
queue to an agent, recorded) and ``e`` (the same with a supervisor listening): what Asterisk
sent, repeated with fresh uniqueids and channel names until about 200,000 messages. It is fed in
64 KiB chunks, as a socket would deliver it, through

* Recoup: :class:`dialer.ami.protocol.AmiParser` and :class:`dialer.ami.translate.CallTranslator`
  (every message framed and decoded, every call followed, domain events made; a message is
  split into all its headers only when the translator needs more than a lookup, so a second
  figure gives the rate with every header of every message split);
* panoramisk 1.4: its ``AMIProtocol.data_received`` (parsing and its own dispatch only).

Prints one JSON object: messages, domain events, both rates, and the ratio.
Run: ``.venv/bin/python bench/ami_ingest.py [--messages N]``.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import time
from datetime import UTC, datetime
from pathlib import Path

from dialer.ami.protocol import AmiParser
from dialer.ami.transcript import asterisk_bytes, read_transcript
from dialer.ami.translate import CallTranslator

FIXTURES = Path(__file__).parents[1] / "tests" / "fixtures" / "asterisk"
CHUNK = 65536
_UNIQUEID = re.compile(rb"\b(1795459\d{3}\.\d+|dialer-lead0001-try1)")
_CHANNEL_SEQ = re.compile(rb"-(0000000[0-9a-f]);")


def one_call(capture: str) -> bytes:
    """What Asterisk sent in a capture, without the banner and login replies."""
    data = asterisk_bytes(read_transcript((FIXTURES / capture).read_text()))
    messages = data.split(b"\r\n\r\n")
    start = next(i for i, m in enumerate(messages) if b"Event: Newchannel" in m)
    end = max(i for i, m in enumerate(messages) if b"Event: Hangup\r\n" in m) + 3
    return b"\r\n\r\n".join(messages[start:end]) + b"\r\n\r\n"


def build_stream(target_messages: int) -> tuple[bytes, int]:
    calls = [one_call("b_originate_answer_queue.txt"), one_call("e_chanspy.txt")]
    per_round = sum(c.count(b"\r\n\r\n") for c in calls)
    rounds = max(1, target_messages // per_round)
    parts = [b"Asterisk Call Manager/11.0.0\r\n"]
    for n in range(rounds):
        for k, call in enumerate(calls):
            tag = f"{n:06d}{k}".encode()
            fresh = _UNIQUEID.sub(lambda m, tag=tag: tag + b"." + m.group(1), call)
            fresh = _CHANNEL_SEQ.sub(lambda m, tag=tag: b"-" + tag + b";", fresh)
            parts.append(fresh)
    return b"".join(parts), rounds * per_round


def run_recoup(stream: bytes) -> tuple[float, int, int]:
    parser = AmiParser()
    translator = CallTranslator()
    at = datetime.now(UTC)
    messages = events = 0
    began = time.perf_counter()
    for i in range(0, len(stream), CHUNK):
        for message in parser.feed(stream[i : i + CHUNK]):
            messages += 1
            events += len(translator.translate(message, at))
    return time.perf_counter() - began, messages, events


def run_recoup_all_headers(stream: bytes) -> tuple[float, int]:
    """Parse only, but split every message into all of its headers (no lazy lookups)."""
    parser = AmiParser()
    messages = 0
    began = time.perf_counter()
    for i in range(0, len(stream), CHUNK):
        for message in parser.feed(stream[i : i + CHUNK]):
            messages += len(message.headers) > 0
    return time.perf_counter() - began, messages


def run_panoramisk(stream: bytes) -> tuple[float, int]:
    from panoramisk.ami_protocol import AMIProtocol

    counted = [0]

    class Factory:
        save_stream = None

        def dispatch(self, message: object) -> None:
            counted[0] += 1

    protocol = AMIProtocol()
    protocol.connection_made(None)
    protocol.factory = Factory()
    protocol.encoding = "utf8"
    began = time.perf_counter()
    for i in range(0, len(stream), CHUNK):
        protocol.data_received(stream[i : i + CHUNK])
    return time.perf_counter() - began, counted[0]


def best_of(runs: int, stream: bytes) -> dict[str, float | int]:
    ours = min((run_recoup(stream) for _ in range(runs)), key=lambda r: r[0])
    theirs = min((run_panoramisk(stream) for _ in range(runs)), key=lambda r: r[0])
    eager = min((run_recoup_all_headers(stream) for _ in range(runs)), key=lambda r: r[0])
    ours_rate = ours[1] / ours[0]
    # panoramisk parses every message too but dispatches only events (not the 2 Responses a
    # round holds): its rate counts every message it parsed, like ours.
    theirs_rate = ours[1] / theirs[0]
    return {
        "messages": ours[1],
        "domain_events": ours[2],
        "recoup_parse_translate_msgs_per_s": round(ours_rate),
        "recoup_seconds": round(ours[0], 3),
        "recoup_parse_every_header_msgs_per_s": round(eager[1] / eager[0]),
        "panoramisk_1_4_parse_msgs_per_s": round(theirs_rate),
        "panoramisk_events_dispatched": theirs[1],
        "panoramisk_seconds": round(theirs[0], 3),
        "ratio_recoup_over_panoramisk": round(ours_rate / theirs_rate, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=200_000, help="stream size")
    parser.add_argument("--runs", type=int, default=3, help="best of this many runs")
    args = parser.parse_args()
    stream, _ = build_stream(args.messages)
    result: dict[str, object] = {
        "bench": "ami_ingest",
        "stream_bytes": len(stream),
        "chunk_bytes": CHUNK,
        "python": platform.python_version(),
        **best_of(args.runs, stream),
        "goal": {"msgs_per_s": 20_000, "ratio": 2.0},
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
