"""The pacer learns its campaign from the campaign's own calls, on pbxsim in scaled time.

Each figure the predictive pacer forecasts with (how long a line rings before a person answers,
how long a conversation and a wrap-up last, whether an agent comes back after a wrap-up) must
be learned from real events, whichever way the call or the wrap-up ends.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dialer.agents.state import AgentStatus
from dialer.engine.desk import ScreenPopped
from pbxsim.behaviour import Outcome, PartyBehaviour
from recoup.demo_centre import DEMO_CAMPAIGN
from tests.conftest import DatabaseUnderTest
from tests.integration.dialer.floor import (
    CONNECTING_SPEED,
    campaign_floor,
    logged_in_ready,
    until,
)

RING_S, TALK_S, WRAP_UP_S = 3.0, 20.0, 8


@pytest.mark.timeout(60)
async def test_a_call_and_a_wrap_up_the_timer_ended_teach_the_pacer_their_durations(
    database: DatabaseUnderTest, tmp_path: Path
) -> None:
    async with campaign_floor(
        database.engine, tmp_path / "debtors", dialer_id="learning-dialer",
        speed=CONNECTING_SPEED, wrap_up_s=WRAP_UP_S,
    ) as floor:  # fmt: skip
        estimates = floor.centre.dialer.campaigns[DEMO_CAMPAIGN].estimates
        await logged_in_ready(floor, "agent1", "1001")
        popped = await floor.desk.preview_next("agent1")
        assert isinstance(popped, ScreenPopped)
        floor.pbx.script(
            popped.phone, PartyBehaviour(Outcome.ANSWER, ring_time=RING_S, talk_time=TALK_S)
        )
        await floor.desk.preview_dial("agent1")
        await until(lambda: floor.status("agent1") is AgentStatus.WRAP_UP, 10, "the call ended")
        # The agent never ends the wrap-up: the timer does.
        await until(lambda: floor.status("agent1") is AgentStatus.READY, 10, "wrap-up timed out")

        answer, talk, wrap = estimates.answer_delay, estimates.talk, estimates.wrap
        assert answer.observed == 1
        assert answer.latest is not None
        assert RING_S <= answer.latest < RING_S + 1.5  # from the Originate: ring plus setup
        assert talk.observed == 1
        assert talk.latest is not None
        assert TALK_S - 1.5 < talk.latest < TALK_S + 1.5
        assert wrap.observed == 1
        assert wrap.latest is not None
        assert WRAP_UP_S <= wrap.latest < WRAP_UP_S + 1.5
        returned = estimates.break_after_wrap
        assert (returned.evidence, returned.value) == (1.0, 0.0)  # ready for the next call
