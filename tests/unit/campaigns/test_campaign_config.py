"""A campaign's configuration: the law's figures are refused with a reason, the rest round-trips."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from dialer.campaigns.config import (
    CampaignConfig,
    CampaignConfigError,
    Direction,
    MachineAction,
    OrderKey,
    load_campaign_config,
)
from recoup.domain.model import DebtStatus, DialMode, Disposition
from recoup.rules.payment_profile import PaymentProfile


def a_campaign(**changes: Any) -> dict[str, Any]:
    return {"caller_id": "+12125550100", **changes}


def refusal(data: dict[str, Any]) -> str:
    with pytest.raises(CampaignConfigError) as caught:
        load_campaign_config(data)
    return str(caught.value)


def test_defaults_are_how_collectors_work() -> None:
    config = load_campaign_config(a_campaign())
    assert [(o.key, o.direction) for o in config.order] == [(OrderKey.BALANCE, Direction.DESC)]
    assert config.abandon_target == 0.03
    assert config.abandon_target_basis_points == 300
    assert config.dial_mode is DialMode.PREDICTIVE
    assert config.ring_timeout_s >= 15
    assert config.connect_limit_s == 2.0
    assert config.selection.statuses == (DebtStatus.OPEN,)
    assert config.window.start.isoformat() == "08:00:00"
    assert config.window.end.isoformat() == "21:00:00"


def test_ring_timeout_under_15_seconds_is_refused() -> None:
    message = refusal(a_campaign(ring_timeout_s=14.9))
    assert "ring_timeout_s: ring_timeout_s 14.9 is below the legal 15 s" in message
    assert load_campaign_config(a_campaign(ring_timeout_s=15)).ring_timeout_s == 15


def test_abandon_target_above_three_percent_needs_explicit_permission() -> None:
    message = refusal(a_campaign(abandon_target=0.05))
    assert "abandon_target 5.00% is above the legal 3%" in message
    assert "allow_abandon_above_legal" in message
    allowed = load_campaign_config(a_campaign(abandon_target=0.05, allow_abandon_above_legal=True))
    assert allowed.abandon_target_basis_points == 500


def test_connect_limit_above_two_seconds_is_refused() -> None:
    assert "above the legal 2 s" in refusal(a_campaign(connect_limit_s=2.5))


def test_calling_window_outside_8_to_21_is_refused_unless_allowed() -> None:
    message = refusal(a_campaign(window={"start": "07:30", "end": "21:00"}))
    assert "window: 07:30-21:00 leaves 08:00-21:00 local time" in message
    late = a_campaign(window={"end": "21:30", "allow_outside_legal_hours": True})
    assert load_campaign_config(late).window.end.isoformat() == "21:30:00"
    assert "must start before it ends" in refusal(
        a_campaign(window={"start": "20:00", "end": "09:00"})
    )


def test_window_knows_weekdays_and_holidays() -> None:
    config = load_campaign_config(
        a_campaign(window={"weekdays": [0, 1, 2, 3, 4], "holidays": ["2026-12-25"]})
    )
    window = config.window
    assert window.contains(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))  # a Monday
    assert not window.contains(datetime(2026, 11, 23, 21, 0, tzinfo=UTC))  # 21:00 is out
    assert not window.contains(datetime(2026, 11, 23, 7, 59, tzinfo=UTC))
    assert not window.contains(datetime(2026, 11, 28, 12, 0, tzinfo=UTC))  # a Saturday
    assert not window.contains(datetime(2026, 12, 25, 12, 0, tzinfo=UTC))  # a holiday Friday
    assert "weekdays are 0 (Monday) to 6 (Sunday), not [7]" in refusal(
        a_campaign(window={"weekdays": [1, 7]})
    )


def test_caller_id_must_be_e164() -> None:
    assert "caller_id '212-555-0100' is not an E.164 number" in refusal(
        a_campaign(caller_id="212-555-0100")
    )


def test_leaving_a_message_on_a_machine_needs_a_prompt() -> None:
    message = refusal(a_campaign(amd={"on_machine": "leave_message"}))
    assert "needs a message_prompt" in message
    config = load_campaign_config(
        a_campaign(amd={"on_machine": "leave_message", "message_prompt": "recoup/please-call"})
    )
    assert config.amd.on_machine is MachineAction.LEAVE_MESSAGE


def test_uk_mode_refuses_redialling_an_abandon_within_72_hours() -> None:
    message = refusal(a_campaign(uk_mode=True))
    assert "4320 (72 h, Ofcom)" in message
    ok = a_campaign(uk_mode=True, retry={"abandoned": {"delay_minutes": 4320, "max_times": 2}})
    assert load_campaign_config(ok).uk_mode
    preview = a_campaign(uk_mode=True, dial_mode="preview")
    assert load_campaign_config(preview).dial_mode is DialMode.PREVIEW


def test_order_keys_are_named_once() -> None:
    twice = a_campaign(order=[{"key": "balance"}, {"key": "balance", "direction": "asc"}])
    assert "each key at most once" in refusal(twice)
    assert "name at least one key" in refusal(a_campaign(order=[]))
    assert "order.0.key" in refusal(a_campaign(order=[{"key": "shoe_size"}]))


def test_selection_ranges_and_paid_debts_are_checked() -> None:
    assert "max_days_past_due 10 is below min_days_past_due" in refusal(
        a_campaign(selection={"min_days_past_due": 30, "max_days_past_due": 10})
    )
    assert "nobody is called about a paid debt" in refusal(
        a_campaign(selection={"statuses": ["open", "paid"]})
    )
    assert "legal, written_off debts are no longer called" in refusal(
        a_campaign(selection={"statuses": ["open", "legal", "written_off"]})
    )
    assert "a paid-up debtor is never called" in refusal(
        a_campaign(selection={"profiles": ["paid_up"]})
    )


def test_every_problem_is_reported_at_once_with_its_place() -> None:
    with pytest.raises(CampaignConfigError) as caught:
        load_campaign_config({"ring_timeout_s": 5, "wrap_up_s": 0})
    places = [p.split(":")[0] for p in caught.value.problems]
    assert places == ["caller_id", "ring_timeout_s", "wrap_up_s"]


def test_unknown_fields_are_refused_rather_than_ignored() -> None:
    assert "ring_timout_s: unknown key (a misspelling?)" in refusal(a_campaign(ring_timout_s=20))


def test_retry_rules_name_a_rule_for_every_no_contact_outcome() -> None:
    retry = CampaignConfig(caller_id="+12125550100").retry
    assert retry.for_outcome(Disposition.BUSY) == retry.busy
    assert retry.for_outcome(Disposition.LEFT_MESSAGE) == retry.machine
    assert retry.for_outcome(Disposition.ABANDONED) == retry.abandoned
    assert retry.for_outcome(Disposition.PROMISE_TO_PAY) is None


def test_config_round_trips_through_its_json() -> None:
    config = load_campaign_config(
        a_campaign(
            selection={"profiles": ["broken_promise"], "segments": ["retail"]},
            order=[{"key": "promise_due", "direction": "asc"}, {"key": "balance"}],
            window={"holidays": [date(2026, 12, 25).isoformat()]},
            risk_by_profile={"never_paid": 90},
            scripts=[{"script_id": "gentle", "profile": "new_delinquent"}],
            wrap_up_s=None,
        )
    )
    again = load_campaign_config(config.to_json())
    assert again == config
    assert again.risk_by_profile[PaymentProfile.NEVER_PAID] == 90
    assert again.risk_by_profile[PaymentProfile.CURRENT] == 10  # defaults fill the rest
    assert again.wrap_up_s is None
