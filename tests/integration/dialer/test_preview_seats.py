"""Preview seats on pbxsim: while several agents' preview calls ring at once, each debtor
reaches the agent who previewed them, and no one else (see :mod:`dialer.agents.seats`)."""

from __future__ import annotations

from pathlib import Path

from dialer.events import AgentConnected
from pbxsim.behaviour import Outcome, PartyBehaviour
from pbxsim.queues import Member
from recoup.demo_centre import DEMO_QUEUE
from tests.conftest import DatabaseUnderTest
from tests.integration.dialer.floor import (
    CONNECTING_SPEED,
    attempt_of,
    campaign_floor,
    logged_in_ready,
    until,
)

DIALER_ID = "seats-dialer"


async def test_two_agents_dialing_at_once_each_reach_the_debtor_they_previewed(
    sqlite_database: DatabaseUnderTest, tmp_path: Path
) -> None:
    engine = sqlite_database.engine
    folder = tmp_path / "debtors"
    async with campaign_floor(engine, folder, dialer_id=DIALER_ID, speed=CONNECTING_SPEED) as floor:
        desk = floor.desk
        await logged_in_ready(floor, "agent1", "1001")
        await logged_in_ready(floor, "agent2", "1002")
        first = await desk.preview_next("agent1")
        second = await desk.preview_next("agent2")
        assert first is not None
        assert second is not None
        # agent1's debtor rings longer: agent2's answers first, while both agents are
        # unpaused and free, and the queue could hand it to either
        floor.pbx.script(first.phone, PartyBehaviour(Outcome.ANSWER, ring_time=6, talk_time=20))
        floor.pbx.script(second.phone, PartyBehaviour(Outcome.ANSWER, ring_time=1, talk_time=20))
        dialed = {
            "agent1": await desk.preview_dial("agent1"),
            "agent2": await desk.preview_dial("agent2"),
        }
        await until(lambda: len(floor.of_type(AgentConnected)) == 2, 10, "both debtors connected")
        await floor.centre.dialer.store.flush()
        for connected in floor.of_type(AgentConnected):
            attempt = await attempt_of(engine, dialed[connected.member].attempt_id or 0)
            assert attempt.pbx_channel_id == connected.linkedid  # their own call, no other
            assert attempt.agent == connected.member
        for username, previewed in (("agent1", first), ("agent2", second)):
            shown = floor.centre.dialer.pops[username]
            assert (shown.debt_id, shown.attempt_id) == (
                previewed.debt_id, dialed[username].attempt_id
            )  # fmt: skip


async def test_each_preview_agent_has_a_seat_of_their_own_and_leaves_it_at_logout(
    sqlite_database: DatabaseUnderTest, tmp_path: Path
) -> None:
    engine = sqlite_database.engine
    async with campaign_floor(engine, tmp_path / "debtors", dialer_id=DIALER_ID) as floor:
        await logged_in_ready(floor, "agent1", "1001")
        await logged_in_ready(floor, "agent2", "1002")
        assert (floor.member("1001").penalty, floor.member("1002").penalty) == (1, 2)
        await floor.desk.logout("agent1")
        await until(lambda: floor.member("1001") is None, 5, "agent1 out of the queue")
        await logged_in_ready(floor, "agent3", "1003")
        assert floor.member("1003").penalty == 1  # agent1's seat, free again
        assert floor.member("1002").penalty == 2


async def test_a_member_left_by_an_earlier_dialer_is_given_the_agents_seat_and_pause(
    sqlite_database: DatabaseUnderTest, tmp_path: Path
) -> None:
    engine = sqlite_database.engine
    async with campaign_floor(engine, tmp_path / "debtors", dialer_id=DIALER_ID) as floor:
        interface = "Local/1001@recoup-agents/n"
        # A dialer that died left agent1 in the queue, unpaused, with another seat.
        floor.pbx.pbx.queues[DEMO_QUEUE].members[interface] = Member(
            interface=interface, name="agent1", state_interface="Local/1001@recoup-agents",
            penalty=7,
        )  # fmt: skip
        await logged_in_ready(floor, "agent1", "1001")
        # QueueAdd answers "Already there": the dialer sets the pause and the seat itself.
        await until(lambda: floor.member("1001").penalty == 1, 5, "agent1 in seat 1")
        assert floor.member("1001").paused
        assert floor.member("1001").paused_reason == "preview"
