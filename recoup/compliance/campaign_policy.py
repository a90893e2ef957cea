"""A campaign's compliance figures, read from its stored configuration (``campaign.config``).

The campaign's JSON (written by ``dialer/campaigns``) carries the calling window (``window``:
``start``, ``end``, ``weekdays``, ``holidays``) and ``uk_mode``; whatever it leaves out keeps the
federal default. Read here without importing the dialer, so that the audit and the gate read a
campaign the same way; a value that cannot be read is an error, never a silent default.

The window's end is when the last call may still be *answered*: a call placed at 20:59:50 rings
into 21:00 and a person who picks up then is called after hours. So a campaign places its last
call ``ring_timeout_s`` (its longest ring, 25 s by default) plus :data:`DIAL_DELAY_S` (how late
the dialer may send a judged dial) before the end of its window.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any

from recoup.compliance.abandon_cap import AbandonCapPolicy
from recoup.compliance.calling_window import CallingWindow
from recoup.compliance.gate import CompliancePolicy


class CampaignPolicyError(ValueError):
    """A campaign's configuration names a compliance figure that cannot be read."""


def _time(value: Any, key: str) -> time:
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        msg = f"window.{key} {value!r} is not a time such as 08:00"
        raise CampaignPolicyError(msg) from None


def _window(raw: Any, default: CallingWindow) -> CallingWindow:
    if raw is None:
        return default
    if not isinstance(raw, Mapping):
        msg = f"window {raw!r} is not a table"
        raise CampaignPolicyError(msg)
    try:
        return CallingWindow(
            start=_time(raw["start"], "start") if "start" in raw else default.start,
            end=_time(raw["end"], "end") if "end" in raw else default.end,
            weekdays=frozenset(int(d) for d in raw.get("weekdays", default.weekdays)),
            holidays=frozenset(
                date.fromisoformat(str(d)) for d in raw.get("holidays", default.holidays)
            ),
        )
    except (TypeError, ValueError) as error:
        msg = f"window: {error}"
        raise CampaignPolicyError(msg) from None


def policy_from_campaign_config(
    config: Mapping[str, Any], base: CompliancePolicy | None = None
) -> CompliancePolicy:
    """The gate's policy for a campaign: ``base`` (the jurisdiction's) with its window and mode."""
    base = base or CompliancePolicy()
    uk_mode = config.get("uk_mode", base.uk_mode)
    if not isinstance(uk_mode, bool):
        msg = f"uk_mode {uk_mode!r} is not true or false"
        raise CampaignPolicyError(msg)
    window = _last_dial(_window(config.get("window"), base.window), config.get("ring_timeout_s"))
    return replace(base, window=window, uk_mode=uk_mode)


DEFAULT_RING_S = 25.0  # the campaign configuration's default ring timeout
# How old the gate's verdict may be when the dialer sends the Originate; the dialer drops a
# dial whose verdict is older (dialer.engine.runner.GATE_FRESH_S must not exceed it).
DIAL_DELAY_S = 5.0


def _last_dial(window: CallingWindow, ring: Any) -> CallingWindow:
    """The window for placing calls: it closes one ring timeout, and the time the dialer may
    take from the gate's verdict to the Originate, before the calling window does, so that no
    call judged in it can be answered after the end."""
    seconds = DEFAULT_RING_S if ring is None else ring
    if (
        isinstance(seconds, bool)
        or not isinstance(seconds, int | float)
        or not math.isfinite(seconds)
        or seconds < 0
    ):
        msg = f"ring_timeout_s {ring!r} is not a number of seconds"
        raise CampaignPolicyError(msg)
    end = datetime.combine(date.min, window.end)
    margin = seconds + DIAL_DELAY_S
    if margin >= (end - datetime.combine(date.min, window.start)).total_seconds():
        msg = f"a {seconds:g} s ring leaves no time to dial in the window {window.hours}"
        raise CampaignPolicyError(msg)
    return replace(window, end=(end - timedelta(seconds=margin)).time())


def abandon_policy_from_campaign_config(
    config: Mapping[str, Any], us: AbandonCapPolicy | None = None
) -> AbandonCapPolicy:
    """How the audit measures a campaign's abandon rate: per calendar day in UK mode."""
    return AbandonCapPolicy.uk() if config.get("uk_mode") is True else us or AbandonCapPolicy()
