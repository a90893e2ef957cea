"""The contact-centre floor for dialer tests: pbxsim and a running dialer over the demo's
debtors, with everything both of them emitted."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from dialer.agents.state import AgentState, AgentStatus
from dialer.ami.session import AmiSettings
from dialer.campaigns.config import CampaignConfig
from dialer.campaigns.lists import update_campaign_config
from dialer.engine.agent_desk import DialerDesk
from dialer.engine.runner import DialerSettings
from pbxsim import PbxSim
from pbxsim.channels import Fields
from recoup.bus.event import Event
from recoup.bus.mqtt import Command
from recoup.clock import ScaledClock
from recoup.contact_centre import ContactCentre, handle_command, running_dialer
from recoup.demo_centre import (
    DEMO_CAMPAIGN,
    DEMO_QUEUE,
    demo_campaign_config,
    demo_pbx_config,
    prepare_demo,
)
from recoup.storage import tables as t

MONDAY = datetime(2026, 12, 7, 17, 0, tzinfo=UTC)  # inside every US debtor's calling window
# For tests whose point is that a call reaches its agent: at x10 the 2-second connect window
# is 200 ms of real time, which no machine misses (at the default x30 it is 67 ms).
CONNECTING_SPEED = 10.0
E = TypeVar("E")


@dataclass
class Floor:
    centre: ContactCentre
    pbx: PbxSim
    clock: ScaledClock
    pbx_events: list[Fields]
    dialer_id: str
    published: list[Event] = field(default_factory=list)

    @property
    def desk(self) -> DialerDesk:
        return self.centre.desk

    async def command(self, path: str, body: dict[str, Any] | None = None) -> None:
        await handle_command(self.centre, Command(path, body or {}))

    def agent(self, username: str) -> AgentState | None:
        return self.desk.agent(username)

    def status(self, username: str) -> AgentStatus | None:
        state = self.desk.agent(username)
        return state.status if state else None

    def member(self, extension: str) -> Any:
        """The agent's membership of the campaign's queue, as pbxsim holds it (or None)."""
        return self.pbx.pbx.queues[DEMO_QUEUE].members.get(f"Local/{extension}@recoup-agents/n")

    def paused_in_queue(self, extension: str) -> bool | None:
        """Whether Asterisk (pbxsim) has the agent paused in the queue; None: not a member."""
        member = self.member(extension)
        return None if member is None else bool(member.paused)

    def dials(self) -> set[str]:
        """ChannelIds of the calls pbxsim placed for this dialer (the Originates it took)."""
        return originated(self.pbx_events, self.dialer_id)

    def of_type(self, kind: type[E]) -> list[E]:
        return [e for e in self.published if isinstance(e, kind)]


def originated(events: list[Fields], dialer_id: str) -> set[str]:
    """The ChannelIds of the calls pbxsim placed for ``dialer_id``: its Originates' ``;1``
    halves (the ``;2`` half's Uniqueid is the ChannelId with ``;2``)."""
    ids = set()
    for fields in events:
        values = dict(fields)
        uniqueid = values.get("Uniqueid", "")
        if values.get("Event") == "Newchannel" and uniqueid.startswith(f"{dialer_id}-"):
            ids.add(uniqueid.split(";")[0])
    return ids


async def until(condition: Callable[[], object], within: float, what: str) -> None:
    for _ in range(int(within / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    pytest.fail(f"never: {what}")


@contextlib.asynccontextmanager
async def campaign_floor(
    engine: AsyncEngine,
    folder: Path,
    *,
    dialer_id: str,
    dial_mode: str = "preview",
    debtors: int = 5,
    seed: int = 7,
    talk_s: tuple[float, float] = (5.0, 10.0),
    mqtt_url: str | None = None,
    speed: float = 30.0,
    wrap_up_s: int = 600,
) -> AsyncIterator[Floor]:
    """The demo's debtors in a campaign that dials ``dial_mode``; pbxsim and the dialer up.

    ``speed``: simulated seconds per real second; a test that needs every call connected
    runs at :data:`CONNECTING_SPEED`. ``wrap_up_s``: the wrap-up timer (by default long
    enough that only the agent ends a wrap-up)."""
    clock = ScaledClock(speed, start=MONDAY)
    await prepare_demo(engine, folder, debtors=debtors, seed=seed, now=clock.now())
    config = CampaignConfig.model_validate(
        {**demo_campaign_config(wrap_up_s=wrap_up_s).to_json(), "dial_mode": dial_mode}
    )
    async with engine.begin() as conn:
        await update_campaign_config(conn, DEMO_CAMPAIGN, config)
    async with PbxSim(demo_pbx_config(seed=seed, talk_s=talk_s), clock) as pbx:
        events = pbx.record_events()
        ami = AmiSettings(
            host=pbx.host, port=pbx.port, username="dialer", secret="dialerpass",
            action_timeout_s=2.0,
        )  # fmt: skip
        settings = DialerSettings(
            dialer_id=dialer_id,
            supervisor_phone="Local/{extension}@recoup-agents/n",  # pbxsim's phones
        )
        async with running_dialer(
            engine=engine, ami=ami, clock=clock, settings=settings, mqtt_url=mqtt_url
        ) as centre:
            floor = Floor(centre, pbx, clock, events, dialer_id)
            subscription = centre.bus.subscribe("#")

            async def record() -> None:
                async for _topic, event in subscription:
                    floor.published.append(event)

            recorder = asyncio.create_task(record())
            try:
                yield floor
            finally:
                recorder.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await recorder
                subscription.close()


async def logged_in_ready(floor: Floor, username: str, extension: str) -> None:
    await floor.desk.login(username, extension=extension, campaign_id=DEMO_CAMPAIGN)
    await floor.desk.ready(username)
    await until(lambda: floor.member(extension) is not None, 5, f"{username} in the queue")


async def attempt_of(engine: AsyncEngine, attempt_id: int) -> Any:
    """The call's ``contact_attempt`` row, as stored."""
    a = t.contact_attempt
    async with engine.connect() as conn:
        return (await conn.execute(select(a).where(a.c.id == attempt_id))).one()
