"""Replay a real Asterisk capture's client actions against pbxsim, and normalise both sides.

A capture (``/work/shared/asterisk-transcripts/*.txt``) is read into timed client actions and
server blocks. :func:`replay` sends the actions to a running pbxsim at the capture's moments
(scaled by the sim's clock) and returns what pbxsim sent. :func:`normalise` replaces what
belongs to one run only (uniqueids, channel sequence numbers, timestamps, session ids, ports,
bridge ids, durations) so that the two sides can be compared field by field.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from dialer.ami.protocol import AmiMessage, AmiParser, encode
from pbxsim.sim import PbxSim

SHARED = Path("/work/shared/asterisk-transcripts")
LOCAL = Path(__file__).resolve().parents[2] / "fixtures" / "asterisk"

Block = list[tuple[str, str]]


def capture_path(name: str) -> Path:
    for folder in (LOCAL, SHARED):
        matches = sorted(folder.glob(f"{name}_*.txt")) if folder.exists() else []
        matches = [m for m in matches if not m.name.endswith((".agi.txt", ".audiosocket.txt"))]
        if matches:
            return matches[0]
    msg = f"no capture {name!r} in {LOCAL} or {SHARED}"
    raise FileNotFoundError(msg)


@dataclass
class Capture:
    actions: list[tuple[float, Block]] = field(default_factory=list)  # (seconds, headers)
    server: list[Block] = field(default_factory=list)
    closed_by_server: bool = False


def read_capture(path: Path) -> Capture:
    capture = Capture()
    now = 0.0
    current: Block = []
    direction = ""
    for raw in path.read_text().splitlines():
        if raw.startswith("## +"):
            stamp = re.match(r"## \+([0-9.]+)s", raw)
            if stamp:
                now = float(stamp.group(1))
            if "closed the TCP connection" in raw:
                capture.closed_by_server = True
            continue
        if raw.startswith("##"):
            continue
        direction, text = raw[:3], raw[4:]
        if text.startswith("Asterisk Call Manager/"):
            continue
        if text == "":
            if current:
                if direction == ">>>":
                    capture.actions.append((now, current))
                else:
                    capture.server.append(current)
            current = []
            continue
        key, _, value = text.partition(":")
        current.append((key, value.removeprefix(" ")))
    return capture


ID_PATTERNS = [
    (re.compile(r"\b1[0-9]{9}\.[0-9]+\b"), "<uniqueid>"),
    (re.compile(r"-[0-9a-f]{8};"), "-<seq>;"),
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"), "<uuid>"),
    (re.compile(r"\b0x[0-9a-f]+\b"), "<hex>"),
]
VOLATILE = {
    "EventTV",
    "SessionTV",
    "Timestamp",
    "Uptime",
    "LastReload",
    "LoginTime",
    "LastCall",
    "LastPause",
    "StartTime",
    "AnswerTime",
    "EndTime",
    "Duration",
    "BillableSeconds",
    "HoldTime",
    "TalkTime",
    "RingTime",
    "Holdtime",
    "Seconds",
    "Wait",
    "Challenge",
    "Key",
    "CoreStartupDate",
    "CoreStartupTime",
    "CoreReloadDate",
    "CoreReloadTime",
    "CoreProcessedCalls",
    "CoreCurrentCalls",
    "LocalAddress",
    "RemoteAddress",
    "SessionID",
    "ServicelevelPerf",
    "ServicelevelPerf2",
    "Completed",
    "CallsTaken",
    "LongestHoldTime",
}


def normalise(block: Block) -> Block:
    out: Block = []
    for key, value in block:
        if key in VOLATILE:
            out.append((key, "<v>"))
            continue
        text = value
        for pattern, replacement in ID_PATTERNS:
            text = pattern.sub(replacement, text)
        out.append((key, text))
    return out


def keys(block: Block) -> list[str]:
    return [k for k, _ in block]


def header(block: Block, name: str) -> str | None:
    for key, value in block:
        if key == name:
            return value
    return None


LabEdit = Callable[[PbxSim], None]


async def replay(
    sim: PbxSim,
    capture: Capture,
    *,
    settle: float = 2.0,
    edits: dict[str, LabEdit] | None = None,
) -> tuple[list[Block], bool]:
    """Send the capture's actions at their moments; return pbxsim's blocks and whether it
    closed the connection. ``edits`` change the sim before the action with that ActionID is
    sent (what the lab did by hand, such as editing queues.conf)."""
    reader, writer = await asyncio.open_connection(sim.host, sim.port)
    parser = AmiParser(expect_banner=True)
    received: list[Block] = []
    closed = False

    async def read() -> None:
        nonlocal closed
        while True:
            data = await reader.read(65536)
            if not data:
                closed = True
                return
            received.extend(list(m.headers) for m in parser.feed(data) if not m.is_banner)

    lab_channels = [
        header(b, "Channel") for b in capture.server if b[:1] == [("Event", "Newchannel")]
    ]

    def rename(action: Block) -> Block:
        """Channel names in the lab's actions -> the sim's, by order of creation."""
        sim_channels = [
            header(b, "Channel") for b in received if b[:1] == [("Event", "Newchannel")]
        ]
        pairs = [
            (lab, ours)
            for lab, ours in zip(lab_channels, sim_channels, strict=False)
            if lab and ours
        ]
        out = []
        for key, value in action:
            text = value
            for lab, ours in pairs:
                text = text.replace(lab, ours)
            out.append((key, text))
        return out

    reading = asyncio.create_task(read())
    start = sim.clock.monotonic()
    for moment, action in capture.actions:
        wait = moment - (sim.clock.monotonic() - start)
        await sim.clock.sleep(max(wait, 0.0))
        await asyncio.sleep(0.001)  # let the reader take in what pbxsim sent so far
        action_id = header(action, "ActionID") or ""
        if edits and action_id in edits:
            edits[action_id](sim)
        if writer.is_closing():
            break
        try:
            writer.write(encode(rename(action)))
            await writer.drain()
        except ConnectionError:
            break
    await sim.clock.sleep(settle)
    await asyncio.wait({reading}, timeout=1.0)
    reading.cancel()
    writer.close()
    return received, closed


def responses(blocks: list[Block]) -> dict[str, Block]:
    return {
        header(b, "ActionID") or "": b
        for b in blocks
        if b and b[0][0] == "Response" and header(b, "ActionID")
    }


def as_message(block: Block) -> AmiMessage:
    return AmiMessage(block)
