"""An agent's day on a campaign is stored, change by change, for the reports."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from dialer.agents.roster import Roster, record_state_change
from dialer.agents.state import (
    AgentCommand,
    AgentPolicy,
    Connect,
    Hangup,
    Login,
    Logout,
    Pause,
    Ready,
    WrapUpDone,
)
from recoup.storage import tables as t
from tests.conftest import DatabaseUnderTest
from tests.integration.campaigns.campaign_builders import NOW


async def test_every_visible_change_is_stored_with_its_reason(database: DatabaseUnderTest) -> None:
    roster = Roster("late", AgentPolicy(wrap_up_s=20))
    day: list[AgentCommand] = [
        Login("late", "collections", "agent1"),
        Ready(),
        Connect("c1"),
        Pause("lunch"),  # waits for the call's end: stored as pending
        Hangup("c1"),
        WrapUpDone(),
        Logout(),
    ]
    async with database.engine.begin() as c:
        for minute, command in enumerate(day):
            transition = roster.apply("maria", command, NOW + timedelta(minutes=minute))
            if transition.event is not None:
                await record_state_change(c, transition.event)
    ch = t.agent_state_change
    async with database.engine.connect() as c:
        rows = (
            await c.execute(
                select(ch.c.username, ch.c.campaign_id, ch.c.state, ch.c.reason, ch.c.at).order_by(
                    ch.c.id
                )
            )
        ).all()
    assert [(r.state, r.reason) for r in rows] == [
        ("paused", "login"),
        ("ready", ""),
        ("on_call", ""),
        ("on_call", "pause: lunch"),
        ("wrap_up", "pause: lunch"),
        ("paused", "lunch"),
        ("logged_out", ""),
    ]
    assert {(r.username, r.campaign_id) for r in rows} == {("maria", "late")}
    assert rows[-1].at == NOW + timedelta(minutes=6)
