"""Properties every pacer keeps, for any snapshot of a campaign (Hypothesis)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from dialer.pacing.abandon_meter import AbandonReading
from dialer.pacing.baselines import ProgressivePacer, VicidialAdaptive
from dialer.pacing.estimates import CampaignEstimates
from dialer.pacing.predictive import PredictivePacer, PredictiveSettings
from dialer.pacing.snapshot import PacingSnapshot, one_to_one

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ESTIMATES = CampaignEstimates()

elapsed = st.floats(min_value=0.0, max_value=5000.0, allow_nan=False)
ringing_for = st.floats(min_value=0.0, max_value=60.0, allow_nan=False)


@st.composite
def readings(draw: st.DrawFn) -> AbandonReading:
    live = draw(st.integers(0, 5000))
    abandoned = draw(st.integers(0, live))
    return AbandonReading(float(live), float(abandoned), 0.0, 0.03)


@st.composite
def snapshots(draw: st.DrawFn) -> PacingSnapshot:
    return PacingSnapshot(
        now=START + timedelta(seconds=draw(st.floats(0, 8 * 3600))),
        agents_free=draw(st.integers(0, 60)),
        talking=tuple(draw(st.lists(elapsed, max_size=60))),
        wrapping=tuple(draw(st.lists(st.floats(0, 120), max_size=30))),
        ringing=tuple(draw(st.lists(ringing_for, max_size=120))),
        waiting=draw(st.integers(0, 10)),
        abandon=draw(readings()),
        estimates=ESTIMATES,
        on_machines=draw(st.integers(0, 5)),
        screening=draw(st.integers(0, 10)),
        amd_on=draw(st.booleans()),
    )


def nobody_logged_in(snapshot: PacingSnapshot) -> PacingSnapshot:
    return PacingSnapshot(
        now=snapshot.now,
        agents_free=0,
        talking=(),
        wrapping=(),
        ringing=snapshot.ringing,
        waiting=snapshot.waiting,
        abandon=snapshot.abandon,
        estimates=snapshot.estimates,
    )


@settings(max_examples=150, deadline=None)
@given(snapshots())
def test_the_predictive_pacer_never_dials_with_no_agent_logged_in(
    snapshot: PacingSnapshot,
) -> None:
    assert PredictivePacer().decide(nobody_logged_in(snapshot)).dials == 0


@settings(max_examples=150, deadline=None)
@given(snapshots())
def test_no_policy_dials_a_negative_or_absurd_number_of_calls(snapshot: PacingSnapshot) -> None:
    limit = PredictiveSettings().max_lines_per_agent * snapshot.agents_working
    for pacer in (PredictivePacer(), ProgressivePacer(), ProgressivePacer(2.0), VicidialAdaptive()):
        dials = pacer.decide(snapshot).dials
        assert 0 <= dials <= max(0.0, limit)


@settings(max_examples=150, deadline=None)
@given(snapshots())
def test_at_the_abandon_cap_the_predictive_pacer_dials_no_more_than_one_to_one(
    snapshot: PacingSnapshot,
) -> None:
    decision = PredictivePacer().decide(snapshot)
    if snapshot.abandon.at_cap:
        assert decision.dials <= one_to_one(snapshot)
        if snapshot.agents_working:
            assert decision.mode == "progressive"


@settings(max_examples=100, deadline=None)
@given(snapshots())
def test_progressive_never_has_more_calls_out_than_free_agents(snapshot: PacingSnapshot) -> None:
    dials = ProgressivePacer().decide(snapshot).dials
    if dials:
        assert dials + snapshot.calls_in_progress <= snapshot.agents_free
