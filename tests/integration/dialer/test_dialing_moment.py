"""What the dialer owes the debtor at the moment it dials: the compliance gate's verdict holds
for the moment it was given, so the dialer dials on it at once or not at all (the calling
window and the caps are judged when the attempt is written, and an Originate never follows a
verdict that has gone stale); and an all-party-consent debtor hears of the recording in the
way the campaign chose."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from dialer.campaigns.config import RecordingNotice
from dialer.engine.desk import DeskError, ScreenPopped
from recoup.demo_centre import DEMO_CAMPAIGN
from recoup.storage import tables as t
from tests.conftest import DatabaseUnderTest
from tests.integration.dialer.floor import Floor, campaign_floor, logged_in_ready

SPEED = 30.0  # simulated seconds per real second


def slowed(floor: Floor, *, before: float = 0.0, after: float = 0.0) -> list[datetime]:
    """The dialer's store, with the "gate and attempt" transaction held up (in simulated s)
    before it runs (the database away) or after it commits (the dialer stalled). Returns
    the moments the transaction was let run."""
    store = floor.centre.dialer.store
    original: Callable[..., Awaitable[Any]] = store.run
    let_run: list[datetime] = []

    async def run(what: str, work: Any) -> Any:
        if what != "gate and attempt":
            return await original(what, work)
        await asyncio.sleep(before / SPEED)
        let_run.append(floor.clock.now())
        result = await original(what, work)
        await asyncio.sleep(after / SPEED)
        return result

    store.run = run  # type: ignore[method-assign]
    return let_run


async def the_attempt(floor: Floor) -> Any:
    a = t.contact_attempt
    async with floor.centre.dialer.store.engine.connect() as conn:
        return (await conn.execute(select(a.c.at, a.c.outcome, a.c.closed_at))).one()


@contextlib.asynccontextmanager
async def previewing(database: DatabaseUnderTest, tmp_path: Path) -> AsyncIterator[Floor]:
    """A preview campaign's floor, with agent1 ready and a debtor on their screen."""
    async with campaign_floor(
        database.engine, tmp_path / "debtors", dialer_id="gate-dialer", speed=SPEED
    ) as floor:
        await logged_in_ready(floor, "agent1", "1001")
        assert isinstance(await floor.desk.preview_next("agent1"), ScreenPopped)
        yield floor


@pytest.mark.timeout(60)
async def test_a_dial_that_waited_for_the_database_is_judged_when_it_answers(
    database: DatabaseUnderTest, tmp_path: Path
) -> None:
    async with previewing(database, tmp_path) as floor:
        let_run = slowed(floor, before=30.0)
        await floor.desk.preview_dial("agent1")
        attempt = await the_attempt(floor)
        # Judged (and stamped) half a minute after the agent asked, when it could be.
        assert attempt.at.replace(tzinfo=let_run[0].tzinfo) >= let_run[0]


@pytest.mark.timeout(60)
async def test_a_verdict_gone_stale_before_the_originate_is_not_dialed_on(
    database: DatabaseUnderTest, tmp_path: Path
) -> None:
    async with previewing(database, tmp_path) as floor:
        slowed(floor, after=10.0)  # the dialer stalls 10 s between the verdict and the call
        with pytest.raises(DeskError):
            await floor.desk.preview_dial("agent1")
        assert floor.dials() == set()
        await floor.centre.dialer.store.flush()
        attempt = await the_attempt(floor)
        assert (attempt.outcome, attempt.closed_at is not None) == ("failed", True)


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("notice", "played"), [("script", "0"), ("prompt", "1")])
@pytest.mark.parametrize(
    "consenting",
    [{"all_party_consent": True}, {"all_party_consent": False, "region": "CA", "country": "US"}],
    ids=["flagged", "living-in-california"],
)
async def test_the_recording_notice_is_played_only_when_the_campaign_asks_for_a_prompt(
    database: DatabaseUnderTest,
    tmp_path: Path,
    notice: str,
    played: str,
    consenting: dict[str, object],
) -> None:
    # An all-party-consent debtor must hear that the call is recorded. By default the agent
    # says so (the script's opening): a prompt before the queue would spend the 2 s the law
    # gives from the debtor's greeting to an agent, most of which AMD's silence already took.
    # The file's flag is optional: an address in an all-party-consent state is enough.
    async with campaign_floor(
        database.engine, tmp_path / "debtors", dialer_id="gate-dialer", speed=SPEED
    ) as floor:
        run = floor.centre.dialer.campaigns[DEMO_CAMPAIGN]
        run.config = run.config.model_copy(update={"recording_notice": RecordingNotice(notice)})
        await logged_in_ready(floor, "agent1", "1001")
        popped = await floor.desk.preview_next("agent1")
        assert isinstance(popped, ScreenPopped)
        async with database.engine.begin() as conn:
            await conn.execute(
                update(t.debtor).where(t.debtor.c.id == popped.debtor_id).values(**consenting)
            )
        sent: list[dict[str, str]] = []
        pbx = floor.centre.dialer.pbx
        originate = pbx.originate

        async def noting(*args: Any, **kwargs: Any) -> Any:
            sent.append(dict(kwargs["variables"]))
            return await originate(*args, **kwargs)

        pbx.originate = noting  # type: ignore[method-assign]
        await floor.desk.preview_dial("agent1")
        assert [v["RECOUP_ALL_PARTY_CONSENT"] for v in sent] == [played]
