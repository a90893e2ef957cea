"""The running dialer: campaigns paced, leads claimed, dials gated, calls followed to the end.

One :class:`Dialer` owns the AMI connection's events (fed into :attr:`Dialer.events` by the
AMI session) and drives every active campaign:

* **Pacing.** Every ``tick_s`` each campaign's pacer (:mod:`dialer.pacing`) reads a snapshot of
  its agents and lines and says how many calls to place. The dialer claims that many leads
  (``FOR UPDATE SKIP LOCKED`` on PostgreSQL), asks the compliance gate about each (a refusal is
  recorded with its reason and never reaches Asterisk), writes the attempt row, and only then
  sends the Originate: a Local channel into ``recoup-dialer`` with ``ChannelId`` and the
  campaign, lead and debt as variables.
* **Calls.** PBX events fold into the :class:`~dialer.engine.calls.CallBook`; what changed drives
  the attempt row, the abandon meter, the estimates, the agents' states and the screen pop. A
  person left waiting ``connect_limit_s`` (2 s) with no agent is redirected to
  ``recoup-abandon`` (the identification message) and counted as abandoned.
* **Faults.** After every (re)connect the AMI session publishes a snapshot of live channels and
  queues: calls that ended while the dialer was away are closed, agents missing from their queue
  are added back. A database that cannot be reached pauses dialing; events wait in memory and are
  written, in order, once it is back. On start, attempts left open by a crash are reconciled
  against Asterisk and the dialer's own stale claims are released, so nothing is lost and
  nothing is dialed twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import deque
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from dialer.agents.membership import (
    MemberInterface,
    QueueAction,
    check_extension,
)
from dialer.agents.state import (
    AgentCommand,
    AgentState,
    AgentStatus,
    Connect,
    Hangup,
    Pause,
    Ready,
)
from dialer.ami.errors import ActionFailed, AmiError
from dialer.ami.pbx import AsteriskPbx
from dialer.campaigns.claims import (
    ClaimedLead,
    LeadNotHeldError,
    claim_next_leads,
    reclaim_stale_claims,
    release_lead,
    renew_claims,
)
from dialer.campaigns.config import CampaignConfig
from dialer.campaigns.lists import campaign_config
from dialer.engine.agent_floor import AgentFloor
from dialer.engine.attempts import (
    OpenAttempt,
    close_attempt,
    record_answer,
    record_connect,
    record_live,
)
from dialer.engine.calls import CallBook, CallChange, CallPhase, ChangeKind, OutboundCall
from dialer.engine.campaign_run import CampaignRun
from dialer.engine.desk import CallLeftAgent, ScreenPopped
from dialer.engine.dialing import GatedDial, gate_and_open
from dialer.engine.metrics import DialerMetrics
from dialer.engine.recovery import reconcile_after_restart, sweep_orphans
from dialer.engine.status import CallClosed, CampaignStatus, DialerHealth, DialPlaced, DialRefused
from dialer.engine.store import DialerStore
from dialer.events import (
    AgentConnected,
    CallAnswered,
    ChannelsSnapshot,
    PbxConnected,
    PbxDisconnected,
    PbxEvent,
    QueueAbandoned,
    QueueSnapshot,
)
from recoup.bus.event import Event
from recoup.bus.local import InProcessBus
from recoup.clock import Clock
from recoup.domain.model import Disposition
from recoup.scripts.context import Agency
from recoup.scripts.library import PendingPop, load_screen_pop
from recoup.storage import tables as t

log = logging.getLogger(__name__)

T = TypeVar("T")

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
    spy_context: str = "recoup-spy"
    #: how a supervisor's phone is dialed for listen / whisper / barge
    supervisor_phone: str = "PJSIP/{extension}"
    tick_s: float = 1.0  # pacing decisions, in the clock's seconds
    claim_renew_s: float = 60.0
    stale_claim_s: float = 600.0  # another dialer's claims older than this were abandoned
    db_retry_s: float = 0.5  # real seconds, doubled up to 5 s while the database is down
    undisposed_retry: timedelta = timedelta(hours=1)


class Dialer:
    """Runs the active campaigns against one Asterisk; see the module docstring."""

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
            undisposed_retry=self.settings.undisposed_retry,
        )  # fmt: skip
        # the floor's views, under the names the desk and the tests use
        self.agent_campaign = self.floor.agent_campaign
        self.pops = self.floor.pops
        self.agent_channels = self.floor.agent_channels

    # --- lifecycle --------------------------------------------------------------------------
    async def start(self, campaign_ids: list[str] | None = None) -> None:
        """Load the campaigns (the active ones by default), recover from a crash, start work."""
        await self.load_campaigns(campaign_ids)
        await self.recover()
        self._spawn(self.store.writer(), "dialer writes")
        self._spawn(self.floor.sender(), "dialer queue membership")
        self._spawn(self._event_worker(), "dialer events")
        self._spawn(self._pace_loop(), "dialer pacing")
        self._spawn(self._renew_loop(), "dialer claims")

    async def stop(self) -> None:
        """Stop dialing; the writes already queued are finished first."""
        for run in self.campaigns.values():
            run.stopped = True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.store.flush(), 30)
        if self.store.available:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.store.run("sweep", self.sweep_orphans), 10)
        await self.floor.stop()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()

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

    async def load_campaigns(self, campaign_ids: list[str] | None = None) -> None:
        async def load(conn: AsyncConnection) -> list[tuple[str, str]]:
            query = select(t.campaign.c.id, t.campaign.c.name)
            if campaign_ids is None:
                query = query.where(t.campaign.c.active.is_(True))
            else:
                query = query.where(t.campaign.c.id.in_(campaign_ids))
            return [(r.id, r.name) for r in await conn.execute(query)]

        for campaign_id, name in await self.store.run("load campaigns", load):
            if campaign_id in self.campaigns:
                continue
            config = await self._config(campaign_id)
            run = CampaignRun(campaign_id, name, config, self.settings.members)
            self.campaigns[campaign_id] = run
            await self._seed_meter(run)
            self.metrics.abandon_cap.labels(campaign_id).set(config.abandon_target)

    async def _config(self, campaign_id: str) -> CampaignConfig:
        async def read(conn: AsyncConnection) -> CampaignConfig:
            return await campaign_config(conn, campaign_id)

        return await self.store.run("campaign config", read)

    async def _seed_meter(self, run: CampaignRun) -> None:
        """The meter's window reaches back 30 days: count what this campaign already did."""
        since = self.clock.now() - timedelta(days=30)
        a = t.contact_attempt

        async def read(conn: AsyncConnection) -> list[Any]:
            rows = await conn.execute(
                select(a.c.at, a.c.answered_at, a.c.live_answer, a.c.abandoned, a.c.amd_status)
                .where(a.c.campaign_id == run.campaign_id, a.c.at >= since)
                .order_by(a.c.at)
            )
            return list(rows)

        for row in await self.store.run("seed abandon meter", read):
            when = row.answered_at or row.at
            if row.live_answer:
                run.meter.record_live_answer(when, amd_screened=bool(row.amd_status))
            if row.abandoned:
                run.meter.record_abandon(when)

    async def recover(self) -> None:
        """Reconcile attempts left open by a crash with Asterisk's live channels, and release
        this dialer's claims on leads whose calls are gone."""
        channels = await self.pbx.core_show_channels() if self.pbx.session.connected else ()
        live = {c.uniqueid for c in channels} | {c.linkedid for c in channels}
        now = self.clock.now()
        me = self.settings.dialer_id

        async def reconcile(conn: AsyncConnection) -> list[OpenAttempt]:
            return await reconcile_after_restart(conn, live, dialer_id=me, now=now)

        still_up = await self.store.run("reconcile open attempts", reconcile)
        for attempt in still_up:
            run = self.campaigns.get(attempt.campaign_id)
            if run is None:
                continue
            call = OutboundCall(
                attempt.channel_id, attempt.attempt_id, attempt.campaign_id, attempt.debt_id,
                attempt.debtor_id, attempt.phone, amd=False, placed_at=self.clock.monotonic(),
                phase=CallPhase.CONNECTED,
            )  # fmt: skip
            self.book.place(call)
            run.leads[attempt.channel_id] = ClaimedLead(
                attempt.campaign_id, attempt.debt_id, attempt.debtor_id, (attempt.phone,),
                "UTC", 0, 0, me, now,
            )  # fmt: skip
        if still_up:
            log.info("following %d call(s) still up in Asterisk after a restart", len(still_up))

    def _health(self) -> None:
        self.publish(
            DialerHealth(
                self.settings.dialer_id,
                self.clock.now(),
                self.store.available,
                self.pbx.session.connected,
            )
        )

    # --- events from Asterisk --------------------------------------------------------------
    async def _event_worker(self) -> None:
        while True:
            event = await self.events.get()
            self._pending.append(self._fold(event))
            self.absorb()
            while self._pending:
                folded, change = self._pending.popleft()
                try:
                    await self._act(folded, change)
                except Exception:
                    log.exception("could not handle %s", type(folded).__name__)
                self._handled += 1

    def absorb(self) -> None:
        """Fold every event already received into the call book, before any I/O for them.

        The book is then current whenever a decision reads it (the 2-second watcher above all):
        an agent who answered is seen even while earlier events are still being written.
        """
        while True:
            try:
                event = self.events.get_nowait()
            except asyncio.QueueEmpty:
                return
            self._pending.append(self._fold(event))

    def _fold(self, event: PbxEvent) -> tuple[PbxEvent, CallChange | None]:
        if isinstance(event, ChannelsSnapshot | QueueSnapshot | PbxConnected | PbxDisconnected):
            return event, None
        change = self.book.apply(event, self.clock.monotonic())
        if isinstance(event, QueueAbandoned) and event.by_dialer:
            self._abandoned_by_dialplan(event)
        if change is not None and change.kind in (ChangeKind.ANSWERED, ChangeKind.LIVE):
            run = self.campaigns.get(change.call.campaign_id)
            if run is not None:
                self._prefetch_pop(run, change.call)
                if change.kind is ChangeKind.LIVE:  # the connect clock starts now
                    self._spawn(self._watch_connect(run, change.call), "connect watch")
        return event, change

    def _abandoned_by_dialplan(self, event: QueueAbandoned) -> None:
        """The dialplan played the identification message on its own (no agent logged in or
        unpaused, or the queue's own timeout): an abandon the watcher did not count."""
        call = self.book.get(event.linkedid)
        if call is None or call.abandoned or call.live_since is None:
            return
        run = self.campaigns.get(call.campaign_id)
        if run is None:
            return
        call.abandoned = True
        run.meter.record_abandon(self.clock.now())

    @property
    def events_handled(self) -> int:
        return self._handled

    async def handle(self, event: PbxEvent) -> None:
        """Fold one PBX event into the dialer's state and act on it (tests, replays)."""
        folded, change = self._fold(event)
        await self._act(folded, change)

    async def _act(self, event: PbxEvent, change: CallChange | None) -> None:
        self.publish(event)
        match event:
            case ChannelsSnapshot():
                await self._resync_calls(event)
            case QueueSnapshot():
                await self._resync_members(event)
            case PbxConnected() | PbxDisconnected():
                self._health()
            case _ if change is not None:
                await self._on_change(change, event)

    async def _on_change(self, change: CallChange, event: PbxEvent) -> None:
        call = change.call
        run = self.campaigns.get(call.campaign_id)
        if run is None:
            return
        now = self.clock.now()
        mono = self.clock.monotonic()
        kind = change.kind
        if isinstance(event, CallAnswered) and event.uniqueid == call.channel_id:
            call.queue_channel = call.queue_channel or event.channel
        if kind in (ChangeKind.ANSWERED, ChangeKind.LIVE) and call.answered_at == mono:
            run.estimates.answer_delay.observe(max(0.0, mono - call.placed_at))
        match kind:
            case ChangeKind.ANSWERED:
                self.store.later(
                    "answer",
                    lambda c: record_answer(
                        c, call.attempt_id, at=now, live=None, uniqueid=call.channel_id
                    ),
                )
            case ChangeKind.LIVE:
                await self._live(run, call, now)
            case ChangeKind.MACHINE:
                run.learn(call, live=False, machine=True)
                self.store.later(
                    "machine",
                    lambda c: record_answer(
                        c,
                        call.attempt_id,
                        at=now,
                        live=False,
                        amd_status="MACHINE",
                        uniqueid=call.channel_id,
                    ),
                )
            case ChangeKind.CONNECTED:
                await self._connected(run, call, event, now, mono)
            case ChangeKind.AGENT_DONE:
                if call.connected_at is not None:
                    run.estimates.talk.observe(max(0.0, mono - call.connected_at))
            case ChangeKind.FAILED:
                run.learn(call, live=False, machine=False)
                run.estimates.fail_duration.observe(max(0.0, mono - call.placed_at))
                await self._close(run, call, now)
            case ChangeKind.ENDED:
                await self._ended(run, call, now)

    async def _live(self, run: CampaignRun, call: OutboundCall, now: datetime) -> None:
        run.learn(call, live=True, machine=False)
        run.meter.record_live_answer(now, amd_screened=call.amd)
        if call.amd:
            status = call.amd_status.value.upper() if call.amd_status else "HUMAN"
            self.store.later("live", lambda c: record_live(c, call.attempt_id, amd_status=status))
        else:
            self.store.later(
                "live",
                lambda c: record_answer(
                    c, call.attempt_id, at=now, live=True, uniqueid=call.channel_id
                ),
            )

    async def _watch_connect(self, run: CampaignRun, call: OutboundCall) -> None:
        """The 2-second rule: no agent in time, and the identification message plays."""
        await self.clock.sleep(run.config.connect_limit_s)
        self.absorb()
        if call.phase is not CallPhase.WAITING or call.redirecting:
            return
        if self.book.get(call.channel_id) is not call:
            return
        call.redirecting = True
        call.abandoned = True
        run.meter.record_abandon(self.clock.now())
        channel = call.queue_channel
        if not channel:
            log.warning("call %s waits with no channel known to redirect", call.channel_id)
            return
        try:
            await self.pbx.redirect(
                channel, context=self.settings.abandon_context, exten="s", priority=1
            )
        except AmiError as error:
            # Gone or bridged meanwhile; the abandon stays counted (the safe side of the cap).
            log.info("redirect of %s to the abandon message failed: %s", channel, error)

    async def _connected(
        self, run: CampaignRun, call: OutboundCall, event: PbxEvent, now: datetime, mono: float
    ) -> None:
        if call.live_since is not None:
            waited = max(0.0, mono - call.live_since)
            self.answer_to_bridge.append(waited)
            self.metrics.answer_to_bridge.labels(run.campaign_id).observe(waited)
        username = self._agent_for(run, event)
        self.store.later(
            "connect",
            lambda c: record_connect(c, call.attempt_id, at=now, agent=username or call.agent),
        )
        if username is None:
            log.warning(
                "call %s reached %s, who is not logged in here", call.channel_id, call.agent
            )
            return
        call.agent = username
        if isinstance(event, AgentConnected) and event.agent_channel:
            self.agent_channels[username] = event.agent_channel
        state = run.roster.state(username)
        if state.status is AgentStatus.PAUSED:
            # Asterisk offered the call as the agent paused: the call is theirs; the pause waits.
            reason = state.pause_reason
            await self.apply_agent(run, username, Ready())
            await self.apply_agent(run, username, Connect(call.channel_id))
            await self.apply_agent(run, username, Pause(reason))
        else:
            await self.apply_agent(run, username, Connect(call.channel_id))
        # The pop follows as soon as the debtor's file (read at the answer) is there; the
        # events behind this one do not wait for it.
        self._spawn(self._pop(run, call, username, now), "screen pop")

    def _agent_for(self, run: CampaignRun, event: PbxEvent) -> str | None:
        if not isinstance(event, AgentConnected):
            return None
        for agent in run.roster:
            if event.member == agent.username or (
                event.interface and event.interface == agent.interface
            ):
                return agent.username
        return None

    def _prefetch_pop(self, run: CampaignRun, call: OutboundCall) -> None:
        """A person answered: read their file now, so the connect waits for no database."""
        if call.channel_id not in self._pops_loading:
            self._pops_loading[call.channel_id] = asyncio.ensure_future(
                self._load_pop(run, call.debtor_id)
            )

    async def _load_pop(self, run: CampaignRun, debtor_id: str) -> PendingPop:
        today = self.clock.now().date()

        async def read(conn: AsyncConnection) -> PendingPop:
            return await load_screen_pop(conn, debtor_id, today=today, campaign_id=run.campaign_id)

        return await self.store.run("screen pop", read)

    async def _pop(
        self, run: CampaignRun, call: OutboundCall, username: str, now: datetime
    ) -> None:
        loading = self._pops_loading.pop(call.channel_id, None)
        try:
            pending = await loading if loading else await self._load_pop(run, call.debtor_id)
        except Exception:
            log.exception("screen pop for %s failed", call.debtor_id)
            return
        popped = ScreenPopped(
            username, run.campaign_id, call.attempt_id, call.debt_id, call.debtor_id,
            call.phone, False, now, pending.render(username, self.settings.agency).as_json(),
        )  # fmt: skip
        if run.roster.state(username).call_id == call.channel_id:
            self.pops[username] = popped
            self.publish(popped)

    async def screen_pop_for(
        self, run: CampaignRun, username: str, *, debt_id: str, debtor_id: str, phone: str,
        attempt_id: int | None, preview: bool, now: datetime,
    ) -> ScreenPopped:  # fmt: skip
        pending = await self._load_pop(run, debtor_id)
        data = pending.render(username, self.settings.agency).as_json()
        return ScreenPopped(
            username, run.campaign_id, attempt_id, debt_id, debtor_id, phone, preview, now, data
        )

    async def _ended(self, run: CampaignRun, call: OutboundCall, now: datetime) -> None:
        if call.connected_at is None or call.outcome is not None:
            await self._close(run, call, now)
            holder = run.roster.on_call(call.channel_id)
            if holder is not None and holder.status is AgentStatus.ON_CALL:
                # Redirected to the abandon message as the agent answered: the dialer knows
                # the outcome, there is nothing for the agent to record.
                self.pops.pop(holder.username, None)
                await self.apply_agent(run, holder.username, Hangup(call.channel_id))
                await self.end_wrap_up(run, holder.username)
            return
        # An agent had the call: the attempt closes now, the lead waits for the disposition.
        self.store.later(
            "close",
            lambda c: close_attempt(
                c, call.attempt_id, at=now, outcome=None, hangup_cause=call.hangup_cause
            ),
        )
        self.metrics.calls.labels(run.campaign_id, "agent").inc()
        self.publish(
            CallClosed(run.campaign_id, call.attempt_id, call.channel_id, call.debt_id, "",
                       False, now)
        )  # fmt: skip
        agent = run.roster.on_call(call.channel_id)
        if agent is None:
            return
        self.publish(CallLeftAgent(agent.username, run.campaign_id, call.attempt_id, now))
        await self.apply_agent(run, agent.username, Hangup(call.channel_id))
        if call.attempt_id in self.disposed:
            self.disposed.discard(call.attempt_id)
            run.leads.pop(call.channel_id, None)
            await self.end_wrap_up(run, agent.username)

    async def _close(self, run: CampaignRun, call: OutboundCall, now: datetime) -> None:
        """Close a call the dialer itself knows the outcome of, and release its lead."""
        outcome = call.outcome or Disposition.FAILED
        lead = run.leads.pop(call.channel_id, None)

        async def write(conn: AsyncConnection) -> None:
            await close_attempt(
                conn, call.attempt_id, at=now, outcome=outcome, abandoned=call.abandoned,
                hangup_cause=call.hangup_cause,
            )  # fmt: skip
            if lead is not None:
                with contextlib.suppress(LeadNotHeldError):
                    await release_lead(conn, lead, outcome, now, run.config)

        self._pops_loading.pop(call.channel_id, None)
        self.store.later("close", write)
        reserved = run.roster.on_call(call.channel_id)
        if reserved is not None and reserved.status is AgentStatus.RESERVED:
            self.pops.pop(reserved.username, None)
            await self.apply_agent(run, reserved.username, Hangup(call.channel_id))
        self.metrics.calls.labels(run.campaign_id, outcome.value).inc()
        self.publish(
            CallClosed(run.campaign_id, call.attempt_id, call.channel_id, call.debt_id,
                       outcome.value, call.abandoned, now)
        )  # fmt: skip

    # --- after a reconnect --------------------------------------------------------------------
    async def _resync_calls(self, snapshot: ChannelsSnapshot) -> None:
        """Calls that ended while the dialer could not hear Asterisk are closed now."""
        live = {c.uniqueid for c in snapshot.channels} | {c.linkedid for c in snapshot.channels}
        now = self.clock.now()
        for call in list(self.book.calls.values()):
            if call.channel_id in live:
                continue
            run = self.campaigns.get(call.campaign_id)
            del self.book.calls[call.channel_id]
            if run is None:
                continue
            if call.connected_at is not None:
                await self._ended(run, call, now)
                continue
            call.outcome = call.outcome or (
                Disposition.ABANDONED if call.abandoned else Disposition.FAILED
            )
            await self._close(run, call, now)

    async def _resync_members(self, snapshot: QueueSnapshot) -> None:
        """Agents logged in here but missing from their queue (Asterisk restarted) are added."""
        present = {(q.name, m.interface) for q in snapshot.queues for m in q.members}
        for run in self.campaigns.values():
            for agent in run.roster:
                if (agent.queue, agent.interface) in present:
                    continue
                paused = agent.status is not AgentStatus.READY
                reason = agent.pause_reason or agent.status.value
                with contextlib.suppress(AmiError):
                    await self.pbx.queue_add(
                        agent.queue, agent.interface, member_name=agent.username,
                        paused=paused, reason=reason if paused else None,
                        state_interface=agent.state_interface,
                    )  # fmt: skip

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

    # --- pacing -----------------------------------------------------------------------------
    async def _pace_loop(self) -> None:
        while True:
            await self.clock.sleep(self.settings.tick_s)
            for run in list(self.campaigns.values()):
                try:
                    await self.pace(run)
                except Exception:
                    log.exception("pacing %s failed", run.campaign_id)

    @property
    def can_dial(self) -> bool:
        return self.store.available and self.pbx.session.connected

    async def pace(self, run: CampaignRun) -> int:
        """One pacing decision for ``run``; returns the calls placed."""
        now = self.clock.now()
        decision = run.decide(self.book, now, self.clock.monotonic())
        self._status(run, now)
        if not self.can_dial or decision.dials <= 0:
            return 0
        me, wanted = self.settings.dialer_id, decision.dials

        async def claim_and_gate(conn: AsyncConnection) -> list[GatedDial]:
            leads = await claim_next_leads(conn, run.campaign_id, me, wanted, now)
            return [
                await gate_and_open(conn, run, lead, channel_id=self.new_channel_id(), now=now)
                for lead in leads
            ]

        self._in_flight += 1
        try:
            gated = await self.store.run("claim, gate and open attempts", claim_and_gate)
            run.exhausted = not gated
            placed = await asyncio.gather(*(self._place(run, dial, now) for dial in gated))
        finally:
            self._in_flight -= 1
        return sum(1 for call in placed if call is not None)

    def _status(self, run: CampaignRun, now: datetime) -> None:
        reading = run.meter.reading(now)
        level = run.dial_level(self.book)
        self.metrics.dial_level.labels(run.campaign_id).set(level)
        self.metrics.abandon_rate.labels(run.campaign_id).set(reading.rate)
        self.metrics.amd_on.labels(run.campaign_id).set(1 if run.amd.use_amd else 0)
        self.publish(
            CampaignStatus(
                run.campaign_id, now, run.mode.value,
                run.decision.reason if run.decision else "", round(level, 3),
                len(self.book.for_campaign(run.campaign_id)), run.agents_logged_in(),
                round(reading.rate, 5), run.config.abandon_target, run.amd.use_amd,
                run.amd.reason, self.can_dial and not run.stopped,
            )
        )  # fmt: skip

    async def dial(
        self,
        run: CampaignRun,
        lead: ClaimedLead,
        *,
        for_agent: str | None = None,
        channel_id: str | None = None,
    ) -> OutboundCall | None:
        """Gate, write the attempt, then Originate; None when the gate refused or it failed."""
        now = self.clock.now()
        cid = channel_id or self.new_channel_id()

        async def gate(conn: AsyncConnection) -> GatedDial:
            return await gate_and_open(
                conn, run, lead, channel_id=cid, now=now, agent_reserved=for_agent is not None
            )

        self._in_flight += 1
        try:
            dial = await self.store.run("gate and attempt", gate)
            return await self._place(run, dial, now, amd=for_agent is None)
        finally:
            self._in_flight -= 1

    async def _place(
        self, run: CampaignRun, dial: GatedDial, now: datetime, *, amd: bool = True
    ) -> OutboundCall | None:
        """Send the Originate of a gated dial (or count its refusal)."""
        lead, verdict = dial.lead, dial.verdict
        if dial.attempt_id is None:
            run.refused += 1
            rule = verdict.rule.value if verdict.rule else "unknown"
            self.metrics.refusals.labels(run.campaign_id, rule).inc()
            self.publish(
                DialRefused(run.campaign_id, lead.debt_id, rule, verdict.reason or rule, now)
            )
            return None
        call = OutboundCall(
            dial.channel_id, dial.attempt_id, run.campaign_id, lead.debt_id, lead.debtor_id,
            dial.phone, amd=run.amd.use_amd and amd, placed_at=self.clock.monotonic(),
        )  # fmt: skip
        self.book.place(call)  # before the Originate: its first events may beat its reply
        run.leads[dial.channel_id] = lead
        run.placed += 1
        variables = self._variables(run, call, lead, consent=dial.all_party_consent)
        try:
            await self.pbx.originate(
                f"Local/{dial.phone}@{self.settings.outbound_context}/n",
                context=self.settings.dialer_context, exten="s", priority=1,
                timeout_ms=int(run.config.ring_timeout_s * 1000), caller_id=run.config.caller_id,
                channel_id=dial.channel_id, variables=variables,
            )  # fmt: skip
        except ActionFailed as error:
            # Asterisk refused it: nothing was dialed.
            log.warning("originate for %s refused: %s", lead.debt_id, error)
            self.book.calls.pop(dial.channel_id, None)
            call.outcome = Disposition.FAILED
            await self._close(run, call, now)
            return None
        except AmiError as error:
            # Unknown whether it went out: the snapshot after the reconnect will tell.
            log.warning("originate for %s unconfirmed: %s", lead.debt_id, error)
        self.publish(
            DialPlaced(run.campaign_id, dial.attempt_id, dial.channel_id, lead.debt_id, now)
        )
        return call

    def new_channel_id(self) -> str:
        """A ChannelId for an Originate: unique, and naming the dialer that placed it."""
        return f"{self.settings.dialer_id}-{uuid.uuid4().hex[:20]}"

    def _variables(
        self, run: CampaignRun, call: OutboundCall, lead: ClaimedLead, *, consent: bool
    ) -> dict[str, str]:
        amd = run.config.amd
        variables = {
            "RECOUP_CAMPAIGN": run.campaign_id,
            "RECOUP_LEAD": str(call.attempt_id),
            "RECOUP_DEBT": lead.debt_id,
            "RECOUP_AMD": "1" if call.amd else "0",
            "RECOUP_ON_MACHINE": "message" if amd.on_machine.value == "leave_message" else "hangup",
            "RECOUP_ALL_PARTY_CONSENT": "1" if consent else "0",
            "RECOUP_QUEUE": run.queue,
        }
        if amd.message_prompt:
            variables["RECOUP_MACHINE_PROMPT"] = amd.message_prompt
        # AMI splits a Variable header on commas; the dialplan's UserEvents would too.
        return {k: v.replace(",", "_") for k, v in variables.items()}

    async def _renew_loop(self) -> None:
        while True:
            await self.clock.sleep(self.settings.claim_renew_s)
            await self.store.run("renew claims", self._renew)

    async def _renew(self, conn: AsyncConnection) -> None:
        """Keep this dialer's claims alive; free those of a dialer that died long ago."""
        now = self.clock.now()
        await self.sweep_orphans(conn)
        await renew_claims(conn, self.settings.dialer_id, now)
        await reclaim_stale_claims(conn, now - timedelta(seconds=self.settings.stale_claim_s))

    async def sweep_orphans(self, conn: AsyncConnection) -> None:
        """Close what a lost commit answer left behind (see :func:`sweep_orphans`); skipped
        while a dial is between its transaction and its Originate."""
        if self._in_flight:
            return
        held_leads = {
            (lead.campaign_id, lead.debt_id)
            for run in self.campaigns.values()
            for lead in [*run.leads.values(), *(p for p, _ in run.previews.values())]
        }
        held_attempts = {p.attempt_id for p in self.pops.values() if p.attempt_id is not None}
        await sweep_orphans(
            conn, dialer_id=self.settings.dialer_id, now=self.clock.now(),
            known_calls=set(self.book.calls), held_attempts=held_attempts, held_leads=held_leads,
        )  # fmt: skip

    async def spy(self, username: str, *, supervisor_extension: str, mode: str) -> str:
        """Ring a supervisor's phone into the agent's call: listen, whisper (to the agent only)
        or barge. Returns the ChannelId of the supervisor's leg."""
        if mode not in ("listen", "whisper", "barge"):
            msg = f"spy mode {mode!r}: listen, whisper or barge"
            raise ValueError(msg)
        run_id = self.agent_campaign.get(username)
        run = self.campaigns.get(run_id) if run_id else None
        target = self.agent_channels.get(username)
        if (
            run is None
            or target is None
            or run.roster.state(username).status is not AgentStatus.ON_CALL
        ):
            msg = f"{username} is not on a call"
            raise LookupError(msg)
        channel_id = self.new_channel_id()
        await self.pbx.originate(
            self.settings.supervisor_phone.format(extension=check_extension(supervisor_extension)),
            context=self.settings.spy_context, exten=mode, priority=1, channel_id=channel_id,
            variables={"RECOUP_SPY_TARGET": target}, caller_id=f"Recoup {mode} <{username}>",
        )  # fmt: skip
        return channel_id

    # --- what the campaign's supervisor sees --------------------------------------------------
    def campaign_summary(self, run: CampaignRun) -> dict[str, Any]:
        now = self.clock.now()
        reading = run.meter.reading(now)
        return {
            "id": run.campaign_id,
            "name": run.name,
            "dial_mode": run.mode.value,
            "queue": run.queue,
            "dial_level": round(run.dial_level(self.book), 3),
            "lines": len(self.book.for_campaign(run.campaign_id)),
            "agents_logged_in": run.agents_logged_in(),
            "abandon_rate": round(reading.rate, 5),
            "abandon_target": run.config.abandon_target,
            "amd_on": run.amd.use_amd,
            "amd_reason": run.amd.reason,
            "decision": run.decision.reason if run.decision else "",
            "dialing": self.can_dial and not run.stopped,
            "placed": run.placed,
            "refused": run.refused,
        }
