"""What the translator remembers about each call while it is alive.

Values and small functions only; :mod:`dialer.ami.translate` reads and updates them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final, TypedDict

from dialer.ami.protocol import AmiMessage
from dialer.events import AmdStatus, FailReason

ORIGINATE_REASONS: Final[Mapping[int, FailReason]] = {
    0: FailReason.UNREACHABLE,  # the channel could not be created or called
    1: FailReason.NO_ANSWER,  # the far end hung up before answering
    3: FailReason.NO_ANSWER,  # ring timeout
    5: FailReason.BUSY,
    8: FailReason.CONGESTION,
}
ANSWERED: Final = 4
UNKNOWN_UNIQUEID: Final = "<unknown>"
CAMPAIGN_VARIABLE: Final = "DIALER_CAMPAIGN"
LEAD_VARIABLE: Final = "DIALER_LEAD"
DIALER_AMD_USEREVENT: Final = "DialerAMD"
FINISHED_CALLS_KEPT: Final = 4096  # late events (Cdr, OriginateResponse) still find their call


class CallIds(TypedDict):
    uniqueid: str
    linkedid: str
    at: datetime
    channel: str
    campaign: str | None
    lead: str | None


class AgentFields(TypedDict):
    queue: str
    member: str
    interface: str
    agent_channel: str


def header_int(value: str | None) -> int:
    try:
        return int(value) if value else 0
    except ValueError:
        return 0


@dataclass(slots=True)
class PendingOriginate:
    """An Originate the dialer sent whose channels or outcome are still to come."""

    action_id: str
    dial_string: str
    channel_id: str | None
    campaign: str | None
    lead: str | None
    linkedid: str | None = None


@dataclass(slots=True)
class CallState:
    """One call (keyed by Linkedid): who it is for and what was already reported."""

    linkedid: str
    root_name: str = ""
    campaign: str | None = None
    lead: str | None = None
    action_id: str | None = None
    dial_string: str = ""
    originated: bool = False
    ringing: bool = False
    answered: bool = False
    failed: bool = False
    hung_up: bool = False
    amd_status: str | None = None
    amd_cause: str | None = None
    amd_done: bool = False
    pair_seen: set[str] = field(default_factory=set)
    pair_causes: dict[str, tuple[int, str]] = field(default_factory=dict)
    # per channel uniqueid: recording file, MixMonitor id, and whether it is running
    recording_file: dict[str, str] = field(default_factory=dict)
    recording_id: dict[str, str] = field(default_factory=dict)
    recording_on: set[str] = field(default_factory=set)


def local_partner(name: str) -> str | None:
    """The other half of a Local channel (``;1`` <-> ``;2``), or None for other channels."""
    if name.endswith(";1"):
        return name[:-1] + "2"
    if name.endswith(";2"):
        return name[:-1] + "1"
    return None


def amd_status(text: str) -> AmdStatus:
    try:
        return AmdStatus(text.strip().lower())
    except ValueError:
        return AmdStatus.NOTSURE


def originate_variables(action: AmiMessage) -> dict[str, str]:
    """An Originate's ``Variable: NAME=value`` headers."""
    return dict(v.split("=", 1) for v in action.get_all("Variable") if "=" in v)


def claim_originate(
    originates: Iterable[PendingOriginate], call: CallState, uniqueid: str, name: str
) -> None:
    """Tie a new first channel to the Originate that made it: by ChannelId, else dial string."""
    for originate in originates:
        if originate.linkedid is not None:
            continue
        by_id = originate.channel_id is not None and originate.channel_id == uniqueid
        by_name = originate.channel_id is None and name.startswith(originate.dial_string + "-")
        if by_id or by_name:
            originate.linkedid = call.linkedid
            call.action_id = originate.action_id
            call.dial_string = originate.dial_string
            call.campaign = call.campaign or originate.campaign
            call.lead = call.lead or originate.lead
            return


def oldest_unresolved_dial(calls: Iterable[CallState], dial_string: str) -> CallState | None:
    """The oldest call on ``dial_string`` with no outcome yet (a failure says ``<unknown>``)."""
    prefix = dial_string + "-"
    for call in calls:
        if (
            not call.answered
            and not call.failed
            and call.action_id is None
            and call.root_name.startswith(prefix)
        ):
            return call
    return None
