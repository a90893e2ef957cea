"""A campaign's snapshot for pacing tests: nobody on the floor unless a test says otherwise."""

from __future__ import annotations

from datetime import UTC, datetime

from dialer.pacing.abandon_meter import AbandonReading
from dialer.pacing.estimates import CampaignEstimates
from dialer.pacing.snapshot import PacingSnapshot

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
CLEAN_RECORD = AbandonReading(1000.0, 10.0, 0.0, 0.03)  # 1% abandoned: plenty of room


def a_campaign(**fields: object) -> PacingSnapshot:
    values: dict[str, object] = {
        "now": NOW,
        "agents_free": 0,
        "talking": (),
        "wrapping": (),
        "ringing": (),
        "waiting": 0,
        "abandon": CLEAN_RECORD,
        "estimates": CampaignEstimates(),
    }
    values.update(fields)
    return PacingSnapshot(**values)  # type: ignore[arg-type]
