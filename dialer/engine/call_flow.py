"""How the dialer follows its calls: PBX events folded into the call book, and what follows.

The book is folded synchronously as events arrive (so the 2-second watcher always reads a
current book); the I/O each change needs (the attempt row, the agent's state, the screen pop)
comes after, in order, with writes queued rather than awaited. After a reconnect, calls that
ended unseen are closed and agents missing from their queue are added back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from dialer.agents.state import (
    AgentStatus,
    Connect,
    Hangup,
    Pause,
    Ready,
)
from dialer.campaigns.claims import (
    LeadNotHeldError,
    release_lead,
)
from dialer.engine.attempts import (
    close_attempt,
    record_answer,
    record_connect,
    record_live,
)
from dialer.engine.calls import CallChange, ChangeKind, OutboundCall
from dialer.engine.campaign_queues import shared_queue
from dialer.engine.campaign_run import CampaignRun
from dialer.engine.connect_watch import ConnectWatch
from dialer.engine.desk import CallLeftAgent, ScreenPopped
from dialer.engine.status import CallClosed
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
from recoup.domain.model import Disposition
from recoup.scripts.library import PendingPop, load_screen_pop

log = logging.getLogger(__name__)


class CallFlow(ConnectWatch):
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
        answered_now = kind is ChangeKind.ANSWERED or (kind is ChangeKind.LIVE and not call.amd)
        if answered_now and call.answered_at is not None:
            # The answer itself (with AMD on, LIVE comes later, at the verdict).
            run.estimates.answer_delay.observe(max(0.0, call.answered_at - call.placed_at))
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
                run.estimates.observe_dial(live=False, machine=True)
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
            case ChangeKind.FAILED:
                run.estimates.observe_dial(live=False, machine=False)
                run.estimates.fail_duration.observe(max(0.0, mono - call.placed_at))
                await self._close(run, call, now)
            case ChangeKind.ENDED:
                if call.answered_without_verdict:
                    run.estimates.observe_dial(live=False, machine=False)
                await self._ended(run, call, now)

    async def _live(self, run: CampaignRun, call: OutboundCall, now: datetime) -> None:
        run.estimates.observe_dial(live=True, machine=False)
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
            self._not_ours(run, call)
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
        self.floor.attempts[username] = call.attempt_id
        # The pop follows as soon as the debtor's file (read at the answer) is there; the
        # events behind this one do not wait for it.
        self._spawn(self._pop(run, call, username, now), "screen pop")

    def _not_ours(self, run: CampaignRun, call: OutboundCall) -> None:
        """The queue gave the call to someone not of its campaign: an agent of another campaign
        on the same queue (which a dialer must refuse to start, see
        :mod:`~dialer.engine.campaign_queues`) or of no campaign here. Either way their own
        campaign cannot follow a call that is not its own: say what is wrong."""
        other = self.agent_campaign.get(call.agent)
        run_of_other = self.campaigns.get(other) if other else None
        problem = None
        if run_of_other is not None:
            running = {run_of_other.campaign_id: run_of_other.queue}
            problem = shared_queue(running, run.campaign_id, run.queue)
        if problem is None:
            log.warning(
                "call %s reached %s, who is not logged in here", call.channel_id, call.agent
            )
        else:
            log.error("call %s reached %s of %s: %s", call.channel_id, call.agent, other, problem)

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
        # The debtor's own date (a debt due today is not past due at 7 pm in California), and
        # the profile thresholds the dialing list chose the debtor by.
        now, policy = self.clock.now(), self.settings.profile

        async def read(conn: AsyncConnection) -> PendingPop:
            return await load_screen_pop(
                conn, debtor_id, now=now, campaign_id=run.campaign_id, policy=policy
            )

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
        self._learn_talk(run, call)
        if call.connected_at is None or call.outcome is not None:
            await self._close(run, call, now)
            holder = run.roster.on_call(call.channel_id)
            if holder is not None and holder.status is AgentStatus.ON_CALL:
                # Redirected to the abandon message as the agent answered: the dialer knows
                # the outcome, there is nothing for the agent to record.
                self.floor.forget_call(holder.username)
                await self.apply_agent(run, holder.username, Hangup(call.channel_id))
                await self.end_wrap_up(run, holder.username)
            return
        # An agent had the call: the attempt closes now, the lead waits for the disposition.
        self.store.later(
            "close",
            lambda c: close_attempt(
                c, call.attempt_id, at=now, outcome=None, abandoned=call.abandoned,
                hangup_cause=call.hangup_cause,
            ),
        )  # fmt: skip
        self.metrics.calls.labels(run.campaign_id, "agent").inc()
        self.publish(
            CallClosed(run.campaign_id, call.attempt_id, call.channel_id, call.debt_id, "",
                       call.abandoned, now)
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

    @staticmethod
    def _learn_talk(run: CampaignRun, call: OutboundCall) -> None:
        """How long the agent talked, learned once the call is over and only from a call the
        identification message did not take: a bridge its Redirect broke a moment later is no
        conversation, and would teach the pacer that agents free up at once."""
        if call.connected_at is None or call.agent_done_at is None:
            return
        if call.outcome is not Disposition.ABANDONED:
            run.estimates.talk.observe(max(0.0, call.agent_done_at - call.connected_at))

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
            self.floor.forget_call(reserved.username)
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
                await self.floor.rejoin(run, agent)
