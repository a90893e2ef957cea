"""Preview seats on pbxsim: while several agents' preview calls ring at once, each debtor
reaches the agent who previewed them, and no one else (see :mod:`dialer.agents.seats`)."""

from __future__ import annotations

from pathlib import Path

from dialer.agents.state import AgentStatus
from dialer.events import AgentConnected
from pbxsim.behaviour import Outcome, PartyBehaviour
from tests.conftest import DatabaseUnderTest
from tests.integration.dialer.floor import attempt_of, campaign_floor, logged_in_ready, until

DIALER_ID = "seats-dialer"


async def test_two_agents_dialing_at_once_each_reach_the_debtor_they_previewed(
    sqlite_database: DatabaseUnderTest, tmp_path: Path
) -> None:
    engine = sqlite_database.engine
    async with campaign_floor(engine, tmp_path / "debtors", dialer_id=DIALER_ID) as floor:
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
        placed = floor.centre.dialer.book
        for connected in floor.of_type(AgentConnected):
            call = placed.get(connected.linkedid)
            assert call is not None
            assert call.attempt_id == dialed[connected.member].attempt_id
        for username, previewed in (("agent1", first), ("agent2", second)):
            assert floor.status(username) is AgentStatus.ON_CALL
            shown = floor.centre.dialer.pops[username]
            assert (shown.debt_id, shown.attempt_id) == (
                previewed.debt_id, dialed[username].attempt_id
            )  # fmt: skip
        await floor.centre.dialer.store.flush()
        for username, call in dialed.items():
            assert (await attempt_of(engine, call.attempt_id or 0)).agent == username


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
