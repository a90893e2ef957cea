"""Events the running dialer publishes about its campaigns and calls (beside the PBX's own)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar


@dataclass(frozen=True, slots=True)
class CampaignStatus:
    """A campaign's live figures, published every pacing tick it changes."""

    campaign_id: str
    at: datetime
    mode: str
    decision: str  # the pacer's reason for its last decision
    dial_level: float  # lines in use per working agent
    lines: int
    agents_logged_in: int
    abandon_rate: float
    abandon_target: float
    amd_on: bool
    amd_reason: str
    dialing: bool  # False while the database or Asterisk is unreachable, or when stopped
    topic: ClassVar[str] = "recoup/v1/campaigns/{campaign_id}/status"


@dataclass(frozen=True, slots=True)
class DialPlaced:
    """The dialer placed a call (after the gate allowed it and the attempt was written)."""

    campaign_id: str
    attempt_id: int
    channel_id: str
    debt_id: str
    at: datetime
    topic: ClassVar[str] = "recoup/v1/campaigns/{campaign_id}/dial_placed"


@dataclass(frozen=True, slots=True)
class DialRefused:
    """The compliance gate refused a dial; nothing reached Asterisk."""

    campaign_id: str
    debt_id: str
    rule: str
    reason: str
    at: datetime
    topic: ClassVar[str] = "recoup/v1/campaigns/{campaign_id}/dial_refused"


@dataclass(frozen=True, slots=True)
class CallClosed:
    """A call's attempt is closed, with what the dialer knows of its outcome."""

    campaign_id: str
    attempt_id: int
    channel_id: str
    debt_id: str
    outcome: str  # "" when the agent's disposition will say
    abandoned: bool
    at: datetime
    topic: ClassVar[str] = "recoup/v1/campaigns/{campaign_id}/call_closed"


@dataclass(frozen=True, slots=True)
class DialerHealth:
    """Whether the dialer can dial: the database and Asterisk reachable."""

    dialer_id: str
    at: datetime
    database: bool
    pbx: bool
    topic: ClassVar[str] = "recoup/v1/dialers/{dialer_id}/health"
