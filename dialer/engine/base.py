"""The dialer's shared state and the plumbing its parts use (see :mod:`dialer.engine.runner`)."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import deque
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from dialer.agents.membership import (
    MemberInterface,
    QueueAction,
)
from dialer.agents.state import (
    AgentCommand,
    AgentState,
)
from dialer.ami.pbx import AsteriskPbx
from dialer.engine.agent_floor import AgentFloor
from dialer.engine.calls import CallBook, CallChange
from dialer.engine.campaign_run import CampaignRun
from dialer.engine.metrics import DialerMetrics
from dialer.engine.status import DialerHealth
from dialer.engine.store import DialerStore
from dialer.events import (
    PbxEvent,
)
from recoup.bus.event import Event
from recoup.bus.local import InProcessBus
from recoup.clock import Clock
from recoup.rules.payment_profile import ProfilePolicy
from recoup.scripts.context import Agency
from recoup.scripts.library import PendingPop

log = logging.getLogger(__name__)

#: Recoup's production dialplan (asterisk_conf/extensions_recoup.conf)
#: the queue rings the agent through recoup-agents; ringinuse watches the phone itself
RECOUP_MEMBERS = MemberInterface("Local/{extension}@recoup-agents/n", "PJSIP/{extension}")


@dataclass(frozen=True, slots=True)
class DialerSettings:
    dialer_id: str = "dialer-1"
    outbound_context: str = "recoup-outbound"
    dialer_context: str = "recoup-dialer"
    abandon_context: str = "recoup-abandon"
    members: MemberInterface = RECOUP_MEMBERS
    agency: Agency = field(default_factory=lambda: Agency("Recoup Collections"))
    #: the site's payment-profile thresholds (``[profile]``), as the dialing lists use them
    profile: ProfilePolicy = field(default_factory=ProfilePolicy)
    spy_context: str = "recoup-spy"
    #: how a supervisor's phone is dialed for listen / whisper / barge
    supervisor_phone: str = "PJSIP/{extension}"
    tick_s: float = 1.0  # pacing decisions, in the clock's seconds
    claim_renew_s: float = 60.0
    stale_claim_s: float = 600.0  # another dialer's claims older than this were abandoned
    db_retry_s: float = 0.5  # real seconds, doubled up to 5 s while the database is down


class DialerBase:
    """What every part of the dialer shares: its collaborators, its call book and campaigns."""

    def __init__(
        self,
        *,
        engine: AsyncEngine,
        pbx: AsteriskPbx,
        events: asyncio.Queue[PbxEvent],
        bus: InProcessBus,
        clock: Clock,
        settings: DialerSettings | None = None,
        metrics: DialerMetrics | None = None,
    ) -> None:
        self.engine = engine
        self.pbx = pbx
        self.events = events
        self.bus = bus
        self.clock = clock
        self.settings = settings or DialerSettings()
        self.metrics = metrics or DialerMetrics()
        self.book = CallBook()
        self.campaigns: dict[str, CampaignRun] = {}
        self.disposed: set[int] = set()  # attempts the agent disposed while still talking
        self.store = DialerStore(
            engine, retry_s=self.settings.db_retry_s, on_availability=lambda _up: self._health()
        )
        self.answer_to_bridge: list[float] = []  # seconds, for benchmarks and the summary
        self._tasks: set[asyncio.Task[Any]] = set()
        self._handled = 0
        self._pending: deque[tuple[PbxEvent, CallChange | None]] = deque()
        self._pops_loading: dict[str, asyncio.Future[PendingPop]] = {}
        self._in_flight = 0  # dials between their transaction and their Originate
        self.floor = AgentFloor(
            pbx=pbx, store=self.store, clock=clock, metrics=self.metrics, publish=self.publish,
        )  # fmt: skip
        # the floor's views, under the names the desk and the tests use
        self.agent_campaign = self.floor.agent_campaign
        self.pops = self.floor.pops
        self.agent_channels = self.floor.agent_channels

    def _spawn(self, work: Awaitable[Any], name: str) -> asyncio.Task[Any]:
        task: asyncio.Task[Any] = asyncio.ensure_future(work)
        task.set_name(name)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("%s failed", task.get_name(), exc_info=task.exception())

    def publish(self, event: Event) -> None:
        self.bus.publish(event)

    def _health(self) -> None:
        self.publish(
            DialerHealth(
                self.settings.dialer_id,
                self.clock.now(),
                self.store.available,
                self.pbx.session.connected,
            )
        )

    # --- agents (see dialer/engine/agent_floor.py) -------------------------------------------
    async def apply_agent(
        self, run: CampaignRun, username: str, command: AgentCommand
    ) -> AgentState:
        return await self.floor.apply(run, username, command)

    def send_queue_action(self, action: QueueAction) -> None:
        self.floor.send_queue_action(action)

    async def give_back_undisposed(self, run: CampaignRun, state: AgentState) -> None:
        await self.floor.give_back_undisposed(run, state)

    async def end_wrap_up(self, run: CampaignRun, username: str) -> AgentState:
        return await self.floor.end_wrap_up(run, username)

    @property
    def can_dial(self) -> bool:
        return self.store.available and self.pbx.session.connected

    def new_channel_id(self) -> str:
        """A ChannelId for an Originate: unique, and naming the dialer that placed it."""
        return f"{self.settings.dialer_id}-{uuid.uuid4().hex[:20]}"
