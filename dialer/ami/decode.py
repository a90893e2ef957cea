"""Turn a recorded AMI conversation into the domain events the dialer would have seen.

Accepts either a capture in the lab's transcript format (``<<< ``/``>>> ``/``## `` lines, see
:mod:`dialer.ami.transcript`) or a raw byte log of what Asterisk sent. In a transcript, the
client's own actions (``>>> ``) are given to the translator as the session would give them, so
an Originate's ActionID and a dialer's Redirect are known.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from dialer.ami.protocol import AmiMessage, AmiParser
from dialer.ami.transcript import looks_like_transcript, read_transcript
from dialer.ami.translate import CallTranslator
from dialer.events import CallEvents


class NotAnAmiLogError(ValueError):
    """The bytes are neither a capture nor an AMI byte log."""


def decode_ami_log(
    data: bytes, start: datetime, translator: CallTranslator | None = None
) -> list[CallEvents]:
    """Every domain event in ``data``; ``at`` is ``start`` plus the capture's ``## +Ns``."""
    translator = translator or CallTranslator()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = ""
    if text and looks_like_transcript(text):
        return _decode_transcript(text, start, translator)
    if b": " not in data[:4096]:
        msg = "neither an AMI capture ('<<< '/'>>> ' lines) nor an AMI byte log ('Key: Value')"
        raise NotAnAmiLogError(msg)
    events: list[CallEvents] = []
    messages = AmiParser().feed(data)
    _require_ami(messages)
    for message in messages:
        events.extend(translator.translate(message, start))
    return events


def _require_ami(messages: list[AmiMessage]) -> None:
    if not any(m.is_banner or "Event" in m or "Response" in m for m in messages):
        msg = "no AMI message in it (no banner, no Event or Response): an AGI capture?"
        raise NotAnAmiLogError(msg)


def _decode_transcript(text: str, start: datetime, translator: CallTranslator) -> list[CallEvents]:
    from_asterisk = AmiParser()
    from_client = AmiParser(expect_banner=False)
    events: list[CallEvents] = []
    seen: list[AmiMessage] = []
    for step in read_transcript(text):
        at = start + timedelta(seconds=step.offset_s)
        if step.direction == "client":
            for action in from_client.feed(step.data):
                translator.note_action(action)
            continue
        for message in from_asterisk.feed(step.data):
            if not seen:
                seen.append(message)
            events.extend(translator.translate(message, at))
    _require_ami(seen)  # the first message Asterisk sent: a banner, an Event or a Response
    return events
