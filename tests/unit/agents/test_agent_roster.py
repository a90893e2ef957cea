"""A campaign's roster: who is free, talking or wrapping up, as the pacer needs it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dialer.agents.roster import AgentCounts, Roster
from dialer.agents.state import (
    AgentPolicy,
    AgentStatus,
    Connect,
    Hangup,
    IllegalTransitionError,
    Login,
    Logout,
    Pause,
    Ready,
    Reserve,
)

T0 = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def login(roster: Roster, username: str, extension: str, seconds: float) -> None:
    roster.apply(username, Login("late-30", "collections", extension), at(seconds))
    roster.apply(username, Ready(), at(seconds))


def test_counts_give_pacing_free_agents_and_elapsed_talk_and_wrap_up() -> None:
    roster = Roster("late-30", AgentPolicy(wrap_up_s=30))
    for i, name in enumerate(["ann", "bob", "cy", "dee", "eve"]):
        login(roster, name, f"agent{i}", 0)
    roster.apply("ann", Connect("c1"), at(10))
    roster.apply("bob", Connect("c2"), at(40))
    roster.apply("cy", Connect("c3"), at(20))
    roster.apply("cy", Hangup("c3"), at(50))
    roster.apply("dee", Pause("lunch"), at(5))
    assert roster.counts(at(60)) == AgentCounts(
        free=1, reserved=0, talking=(50.0, 20.0), wrapping=(10.0,), paused=1, logged_in=5
    )
    roster.apply("eve", Reserve("c4"), at(61))
    assert roster.counts(at(62)).reserved == 1
    assert roster.counts(at(62)).free == 0


def test_an_agent_leaving_after_this_call_is_not_counted_for_the_next_one() -> None:
    roster = Roster("late-30", AgentPolicy(wrap_up_s=30))
    for i, name in enumerate(["ann", "bob", "cy", "dee"]):
        login(roster, name, f"agent{i}", 0)
        roster.apply(name, Connect(f"c{i}"), at(10 + i))
    roster.apply("ann", Pause("lunch"), at(20))  # taken when ann's wrap-up ends
    roster.apply("bob", Logout(), at(20))  # likewise
    roster.apply("cy", Hangup("c2"), at(30))
    roster.apply("dee", Hangup("c3"), at(30))
    roster.apply("dee", Pause("coaching"), at(35))  # asked for during the wrap-up

    counts = roster.counts(at(40))

    assert counts.talking == ()
    assert counts.talking_then_leaving == 2
    assert counts.wrapping == (10.0,)  # cy, who stays
    assert counts.wrapping_then_leaving == 1
    assert counts.logged_in == 4


def test_the_longest_idle_ready_agent_is_reserved_first() -> None:
    roster = Roster("late-30", AgentPolicy())
    login(roster, "ann", "agent1", 5)
    login(roster, "bob", "agent2", 1)
    login(roster, "cy", "agent3", 3)
    first = roster.longest_idle()
    assert first is not None
    assert first.username == "bob"
    roster.apply("bob", Reserve("c1"), at(9))
    idle = roster.longest_idle()
    assert idle is not None
    assert idle.username == "cy"
    on_c1 = roster.on_call("c1")
    assert on_c1 is not None
    assert on_c1.username == "bob"


def test_logged_out_agents_leave_the_roster() -> None:
    roster = Roster("late-30", AgentPolicy())
    login(roster, "ann", "agent1", 0)
    roster.apply("ann", Logout(), at(5))
    assert list(roster) == []
    assert roster.state("ann").status is AgentStatus.LOGGED_OUT
    assert roster.counts(at(6)).logged_in == 0


def test_an_agent_cannot_log_in_to_another_campaigns_roster() -> None:
    roster = Roster("late-30", AgentPolicy())
    with pytest.raises(IllegalTransitionError, match="this roster is campaign late-30"):
        roster.apply("ann", Login("early", "collections", "agent1"), T0)
    assert list(roster) == []
