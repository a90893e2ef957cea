"""A call reaches an agent before the debtor's file does (the database was slow or away as the
call connected): the agent still records what was said, and the late file pops on no screen."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from dialer.agents.state import AgentStatus
from dialer.engine.desk import CallLeftAgent, DeskError, ScreenPopped
from recoup.demo_centre import DEMO_CAMPAIGN
from recoup.dispositions.record import Refused
from tests.conftest import DatabaseUnderTest
from tests.integration.dialer.floor import attempt_of, campaign_floor, logged_in_ready, until


async def test_an_agent_disposes_a_call_whose_screen_pop_has_not_arrived(
    database: DatabaseUnderTest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with campaign_floor(
        database.engine, tmp_path / "debtors", dialer_id="late-pop-dialer",
        dial_mode="predictive", debtors=20, seed=5, talk_s=(5.0, 10.0),
    ) as floor:  # fmt: skip
        dialer, desk = floor.centre.dialer, floor.desk
        files_back = asyncio.Event()
        load_pop = dialer._load_pop

        async def slow_database(*args: Any) -> Any:
            await files_back.wait()
            return await load_pop(*args)

        monkeypatch.setattr(dialer, "_load_pop", slow_database)
        await logged_in_ready(floor, "agent1", "1001")
        await until(lambda: floor.status("agent1") is AgentStatus.ON_CALL, 30, "a call answered")
        await floor.command(f"campaigns/{DEMO_CAMPAIGN}/stop")  # this one call, then no more
        await until(lambda: floor.of_type(CallLeftAgent), 30, "the debtor hangs up")
        (ended,) = floor.of_type(CallLeftAgent)
        assert floor.status("agent1") is AgentStatus.WRAP_UP
        assert not floor.of_type(ScreenPopped), "the debtor's file was not read yet"

        with pytest.raises(DeskError, match="is not agent1's call") as refused:
            await desk.dispose("agent1", ended.attempt_id + 1, Refused("x"), now=floor.clock.now())
        assert refused.value.status == 409
        saved = await desk.dispose(
            "agent1", ended.attempt_id, Refused("will not pay now"), now=floor.clock.now()
        )
        assert (saved.code, saved.state.status) == ("refused", AgentStatus.READY)

        files_back.set()  # the file arrives for a call that is over: no screen shows it
        await asyncio.sleep(0.3)
        assert not floor.of_type(ScreenPopped)
        assert desk.current_pop("agent1") is None
        with pytest.raises(DeskError, match="is not agent1's call"):  # disposed once only
            await desk.dispose("agent1", ended.attempt_id, Refused("x"), now=floor.clock.now())

        await dialer.store.flush()
        row = await attempt_of(database.engine, ended.attempt_id)
        assert row.agent == "agent1"
        assert row.closed_at is not None
        assert row.outcome == "refused"
