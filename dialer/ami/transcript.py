"""Reading AMI captures in the lab's transcript format.

The captures in ``tests/fixtures/asterisk/`` (from a real Asterisk 22.10.1) are the
specification of the wire. Each line is prefixed: ``<<< `` was sent by Asterisk, ``>>> `` by the
client, ``## `` is a recorder comment (``## +1.234s`` is the time since the TCP connect). The
line terminator was stripped; AMI lines end in ``\\r\\n`` on the wire, so the bytes are rebuilt
exactly by adding it back (bytes that are not UTF-8, read with ``surrogateescape``, too).

:func:`read_transcript` turns such a text into :class:`TranscriptStep` values in order: who
sent which bytes, and when. :func:`looks_like_transcript` tells a capture from a raw byte log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

FROM_ASTERISK: Final = "<<< "
FROM_CLIENT: Final = ">>> "
COMMENT: Final = "## "
_OFFSET = re.compile(r"^## \+(\d+(?:\.\d+)?)s")

Direction = Literal["asterisk", "client"]


class TranscriptFormatError(ValueError):
    """A line of a capture is neither ``<<< ``, ``>>> `` nor ``## ``."""


@dataclass(frozen=True, slots=True)
class TranscriptStep:
    """A run of lines from one side at one moment, as the bytes that went over the wire."""

    direction: Direction
    data: bytes
    offset_s: float  # seconds since the TCP connect, from the last ``## +N.NNNs`` comment
    line_number: int  # where the run starts in the capture (1-based)


def looks_like_transcript(text: str) -> bool:
    """True if the first meaningful line carries a transcript prefix."""
    for line in text.splitlines():
        if not line.strip():
            continue
        return line.startswith((FROM_ASTERISK, FROM_CLIENT, COMMENT, "<<<", ">>>", "##"))
    return False


def read_transcript(text: str, *, terminator: bytes = b"\r\n") -> list[TranscriptStep]:
    """Split a capture into steps, one per run of lines from one side."""
    steps: list[TranscriptStep] = []
    offset = 0.0
    run_direction: Direction | None = None
    run: list[bytes] = []
    run_offset = 0.0
    run_line = 0

    def flush() -> None:
        if run_direction is not None and run:
            steps.append(TranscriptStep(run_direction, b"".join(run), run_offset, run_line))
        run.clear()

    for number, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")  # noqa: PLW2901 - a CRLF copy of a capture reads the same
        if not line:
            continue
        if line.startswith("##"):
            match = _OFFSET.match(line)
            if match:  # a new moment: what follows is a new step
                flush()
                run_direction = None
                offset = float(match.group(1))
            continue
        if line.startswith(("<<<", ">>>")):
            direction: Direction = "asterisk" if line.startswith("<<<") else "client"
            payload = line[4:] if len(line) > 3 else ""
            if direction != run_direction:
                flush()
                run_direction = direction
                run_offset = offset
                run_line = number
            run.append(payload.encode("utf-8", "surrogateescape") + terminator)
            continue
        msg = f"line {number} is not a capture line (expected '<<< ', '>>> ' or '## '): {line!r}"
        raise TranscriptFormatError(msg)
    flush()
    return steps


def asterisk_bytes(steps: list[TranscriptStep]) -> bytes:
    """Everything Asterisk sent, in order."""
    return b"".join(step.data for step in steps if step.direction == "asterisk")


def client_bytes(steps: list[TranscriptStep]) -> bytes:
    """Everything the client sent, in order."""
    return b"".join(step.data for step in steps if step.direction == "client")
