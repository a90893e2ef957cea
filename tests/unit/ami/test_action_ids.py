"""ActionIDs: Asterisk sends an async Originate's OriginateResponse to every AMI session, so
the ActionID is all that tells one dialer's call outcome from another's."""

from __future__ import annotations

from datetime import UTC, datetime

from dialer.ami.protocol import AmiMessage
from dialer.ami.session import AmiSession, AmiSettings
from dialer.ami.translate import CallTranslator
from dialer.events import CallFailed

SETTINGS = AmiSettings(host="127.0.0.1", username="recoup", secret="s")
AT = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)


def test_two_dialers_on_one_asterisk_never_send_the_same_action_id() -> None:
    first, second = AmiSession(SETTINGS), AmiSession(SETTINGS)
    ids_first = {first.next_action_id() for _ in range(1000)}
    ids_second = {second.next_action_id() for _ in range(1000)}
    assert len(ids_first) == 1000
    assert ids_first.isdisjoint(ids_second)


def test_a_restarted_dialer_is_not_told_its_predecessors_busy_signal() -> None:
    """The dialer before a restart left an Originate ringing; its Failure comes back with its
    ActionID while the new dialer's first Originate is ringing a different debtor."""
    before_restart = AmiSession(SETTINGS).next_action_id()
    after_restart = AmiSession(SETTINGS)
    ours = after_restart.next_action_id()
    translator = CallTranslator()
    translator.note_originate(
        action_id=ours, dial_string="Local/5550002@recoup-outbound/n", channel_id="dialer-1-ours"
    )
    busy_elsewhere = AmiMessage(
        [
            ("Event", "OriginateResponse"),
            ("ActionID", before_restart),
            ("Response", "Failure"),
            ("Channel", "Local/5550001@recoup-outbound/n"),
            ("Reason", "5"),
            ("Uniqueid", "<unknown>"),
        ]
    )
    failed = [e for e in translator.translate(busy_elsewhere, AT) if isinstance(e, CallFailed)]
    assert all(e.linkedid != "dialer-1-ours" for e in failed)
