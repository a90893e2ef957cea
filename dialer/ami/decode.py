"""Turn a recorded AMI conversation into the domain events the dialer would have seen.

Accepts either a capture in the lab's transcript format (``<<< ``/``>>> ``/``## `` lines, see
:mod:`dialer.ami.transcript`) or a raw byte log of what Asterisk sent. In a transcript, the
client's own actions (``>>> ``) are given to the translator as the session would give them, so
an Originate's ActionID and a dialer's Redirect are known.

Which dialplan's names to read (Recoup's production ``RECOUP_*`` or the lab's ``DIALER_*``) is
told, or found in the log itself (:func:`dialplan_of`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from dialer.ami.protocol import AmiMessage, AmiParser
from dialer.ami.transcript import looks_like_transcript, read_transcript
from dialer.ami.translate import LAB_DIALPLAN, RECOUP_DIALPLAN, CallTranslator, DialplanNames
from dialer.events import CallEvents


class NotAnAmiLogError(ValueError):
    """The bytes are neither a capture nor an AMI byte log."""


#: names only one of the two dialplans uses (contexts, variables, UserEvents)
_RECOUP_MARKS = (b"RECOUP_CAMPAIGN", b"RECOUP_LEAD", b"recoup-dialer", b"UserEvent: Recoup")
_LAB_MARKS = (b"DIALER_CAMPAIGN", b"DIALER_LEAD", b"dialer-out", b"UserEvent: DialerAMD")


def dialplan_of(data: bytes) -> DialplanNames:
    """The dialplan a log was recorded on: the lab's when it shows the lab's names and none of
    Recoup's, else Recoup's (production)."""
    if any(mark in data for mark in _RECOUP_MARKS):
        return RECOUP_DIALPLAN
    if any(mark in data for mark in _LAB_MARKS):
        return LAB_DIALPLAN
    return RECOUP_DIALPLAN


def decode_ami_log(
    data: bytes,
    start: datetime,
    translator: CallTranslator | None = None,
    *,
    names: DialplanNames | None = None,
) -> list[CallEvents]:
    """Every domain event in ``data``; ``at`` is ``start`` plus the capture's ``## +Ns``.

    Without a ``translator``, one reading ``names`` (default: :func:`dialplan_of` ``data``).
    """
    translator = translator or CallTranslator(names or dialplan_of(data))
    # A byte that is not UTF-8 (a caller name in Latin-1) is carried through as it came.
    text = data.decode("utf-8", "surrogateescape")
    if text and looks_like_transcript(text):
        return _decode_transcript(text, start, translator)
    if b": " not in data[:4096]:
        msg = "neither an AMI capture ('<<< '/'>>> ' lines) nor an AMI byte log ('Key: Value')"
        raise NotAnAmiLogError(msg)
    events: list[CallEvents] = []
    parser = AmiParser()
    messages = parser.feed(data)
    if data.endswith(b"\n") and parser.pending_bytes:
        # A log saved without its final blank line (an editor trims it): the last message is
        # whole up to its last line. One cut inside a line is left out, not guessed at.
        messages += parser.feed(b"\r\n" if data.endswith(b"\r\n") else b"\n")
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
