"""The agents on the floor: their states, mirrored into Asterisk's queues, with wrap-up timers.

:class:`AgentFloor` applies commands to a campaign's roster (the pure state machine in
:mod:`dialer.agents.state`), sends the queue membership changes that make Asterisk agree, in
order and off the caller's path, publishes and stores each change, and runs the wrap-up timer:
a wrap-up that ends with no disposition counts as a conversation, and its lead waits 7 days.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from dialer.agents.membership import (
    QueueAction,
    QueueAddMember,
    QueuePauseMember,
    QueueRemoveMember,
)
from dialer.agents.roster import record_state_change
from dialer.agents.state import (
    AgentCommand,
    AgentState,
    AgentStateChanged,
    AgentStatus,
    IllegalTransitionError,
    Ready,
    WrapUpDone,
    WrapUpTimeout,
    asterisk_pause,
)
from dialer.ami.errors import ActionFailed, AmiError
from dialer.ami.pbx import AsteriskPbx
from dialer.campaigns.claims import LeadNotHeldError, release_lead
from dialer.campaigns.retry import UNDISPOSED
from dialer.engine.attempts import record_undisposed
from dialer.engine.campaign_run import CampaignRun
from dialer.engine.desk import ScreenPopped
from dialer.engine.metrics import DialerMetrics
from dialer.engine.store import DialerStore
from dialer.pacing.snapshot import DialMode
from recoup.bus.event import Event
from recoup.clock import Clock

log = logging.getLogger(__name__)

PREVIEW_PAUSE = "preview"  # the pause reason of a ready agent in a preview campaign
# How long a preview dial waits for Asterisk to unpause the agent (each AMI action has its
# own, shorter timeout; this bounds the wait behind the changes queued before it).
UNPAUSE_WAIT_S = 10.0


class AgentFloor:
    def __init__(
        self,
        *,
        pbx: AsteriskPbx,
        store: DialerStore,
        clock: Clock,
        metrics: DialerMetrics,
        publish: Callable[[Event], None],
    ) -> None:
        self.pbx = pbx
        self.store = store
        self.clock = clock
        self.metrics = metrics
        self.publish = publish
        self.agent_campaign: dict[str, str] = {}  # username -> campaign the agent is logged in to
        self.pops: dict[str, ScreenPopped] = {}  # username -> the call or preview on screen
        # username -> the attempt they are talking on or wrapping up: theirs to dispose even
        # when its screen pop never arrived (the database was away as the call connected)
        self.attempts: dict[str, int] = {}
        self.agent_channels: dict[str, str] = {}  # username -> their leg of the current call
        self._wrap_timers: dict[str, asyncio.Task[None]] = {}
        # agents whose break or logout was asked for before their wrap-up began: the pacer
        # has left them out of its forecast since, so their leaving teaches it nothing
        self._leaving_foreseen: set[str] = set()
        # membership changes in the order they were made, each with the future of whoever
        # waits for Asterisk's answer to it (None: nobody waits)
        self._queue_actions: asyncio.Queue[tuple[QueueAction, asyncio.Future[bool] | None]] = (
            asyncio.Queue()
        )

    async def stop(self) -> None:
        timers = list(self._wrap_timers.values())
        self._wrap_timers.clear()
        for task in timers:
            task.cancel()
        for task in timers:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def apply(self, run: CampaignRun, username: str, command: AgentCommand) -> AgentState:
        """Change an agent's state, mirror it into Asterisk's queue, publish and store it."""
        now = self.clock.now()
        before = run.roster.state(username)
        was = before.status
        transition = run.roster.apply(username, command, now)  # raises IllegalTransitionError
        state = transition.state
        if was is AgentStatus.WRAP_UP and isinstance(command, WrapUpDone | WrapUpTimeout | Ready):
            self._learn_wrap_up_end(run, before, state, now)
        if state.status is AgentStatus.WRAP_UP and was is not AgentStatus.WRAP_UP:
            if state.pending:
                self._leaving_foreseen.add(username)
            else:
                self._leaving_foreseen.discard(username)
        if state.status is AgentStatus.LOGGED_OUT:
            self.agent_campaign.pop(username, None)
            self.forget_call(username)
        else:
            self.agent_campaign[username] = run.campaign_id
        for action in self._for_mode(run, transition.actions):
            self.send_queue_action(action)
        if state.status is AgentStatus.LOGGED_OUT:
            run.seats.free(username)
        if transition.event is not None:
            self._changed(run, transition.event)
        self._arm_wrap_up(run, state)
        return state

    async def rejoin(self, run: CampaignRun, agent: AgentState) -> None:
        """Add a logged-in agent to their queue again (Asterisk restarted without them)."""
        mirrored = asterisk_pause(agent)
        if mirrored is None:
            return
        paused, reason = mirrored
        add = QueueAddMember(
            agent.queue, agent.interface, agent.username, paused, agent.state_interface, reason
        )
        for action in self._for_mode(run, (add,)):
            await self.queue_action(action)

    def _for_mode(self, run: CampaignRun, actions: tuple[QueueAction, ...]) -> list[QueueAction]:
        """In preview campaigns each agent has a seat (see :mod:`dialer.agents.seats`) and a
        ready agent stays paused in the queue until their own dial (see
        :meth:`unpaused_for_own_call`): becoming ready pauses them, reason ``preview``."""
        if run.mode is not DialMode.PREVIEW:
            return list(actions)
        kept: list[QueueAction] = []
        for action in actions:
            if isinstance(action, QueueAddMember):  # a seat of their own (dialer.agents.seats)
                seat = run.seats.seat(action.member_name)
                if action.paused:
                    kept.append(replace(action, penalty=seat))
                else:
                    kept.append(replace(action, penalty=seat, paused=True, reason=PREVIEW_PAUSE))
                continue
            if isinstance(action, QueuePauseMember) and not action.paused:
                kept.append(replace(action, paused=True, reason=PREVIEW_PAUSE))
                continue
            kept.append(action)
        return kept

    def send_queue_action(self, action: QueueAction) -> None:
        """Queue membership changes go to Asterisk in order, without holding up the caller."""
        self._queue_actions.put_nowait((action, None))

    async def unpaused_for_own_call(self, run: CampaignRun, username: str) -> bool:
        """Unpause a preview agent for the call they are about to dial, and wait for Asterisk.

        The call joins the queue as soon as the debtor answers. Were the agent still paused
        then, it would find no one (joinempty) and be abandoned, so the Originate waits for
        this. Sent after every membership change queued before it. False: Asterisk did not
        take it (or did not answer in time).
        """
        state = run.roster.state(username)
        answered: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._queue_actions.put_nowait(
            (QueuePauseMember(run.queue, state.interface, paused=False), answered)
        )
        try:
            return await asyncio.wait_for(asyncio.shield(answered), UNPAUSE_WAIT_S)
        except TimeoutError:
            return False

    async def sender(self) -> None:
        """The task that sends membership changes, in order; runs until cancelled."""
        while True:
            action, answered = await self._queue_actions.get()
            taken = await self.queue_action(action)
            if answered is not None and not answered.done():
                answered.set_result(taken)

    async def queue_action(self, action: QueueAction) -> bool:
        """Send one membership change; False when Asterisk refused it or did not answer."""
        try:
            match action:
                case QueueAddMember():
                    await self._add_member(action)
                case QueueRemoveMember():
                    await self.pbx.queue_remove(action.queue, action.interface)
                case QueuePauseMember():
                    await self.pbx.queue_pause(
                        action.interface, paused=action.paused, queue=action.queue,
                        reason=action.reason or None,
                    )  # fmt: skip
        except AmiError as error:
            # The queue snapshot after the next reconnect puts membership right again.
            log.warning("queue action %s failed: %s", type(action).__name__, error)
            return False
        return True

    async def _add_member(self, action: QueueAddMember) -> None:
        try:
            await self.pbx.queue_add(
                action.queue, action.interface, member_name=action.member_name,
                penalty=action.penalty, paused=action.paused, reason=action.reason or None,
                state_interface=action.state_interface or None,
            )  # fmt: skip
        except ActionFailed as error:
            if "already there" not in error.message.lower():
                raise
            # Left in the queue by an earlier run of the dialer: QueueAdd changes nothing on
            # an existing member, so its pause and penalty (a preview seat) are set here.
            await self.pbx.queue_pause(
                action.interface, paused=action.paused, queue=action.queue,
                reason=action.reason or None,
            )  # fmt: skip
            await self.pbx.queue_penalty(action.interface, action.penalty, queue=action.queue)

    def _changed(self, run: CampaignRun, event: AgentStateChanged) -> None:
        self.publish(event)
        counts = run.roster.counts(event.at)
        gauges = {
            "ready": counts.free, "reserved": counts.reserved,
            "on_call": len(counts.talking) + counts.talking_then_leaving,
            "wrap_up": len(counts.wrapping) + counts.wrapping_then_leaving,
            "paused": counts.paused,
        }  # fmt: skip
        for state, number in gauges.items():
            self.metrics.agents.labels(run.campaign_id, state).set(number)
        self.store.later("agent state", lambda c: record_state_change(c, event))

    def _arm_wrap_up(self, run: CampaignRun, state: AgentState) -> None:
        old = self._wrap_timers.pop(state.username, None)
        if old is not None and old is not asyncio.current_task():
            old.cancel()
        deadline = state.wrap_up_deadline
        if state.status is AgentStatus.WRAP_UP and deadline is not None:
            self._wrap_timers[state.username] = asyncio.ensure_future(
                self._wrap_up_timer(run, state.username, deadline)
            )

    async def _wrap_up_timer(self, run: CampaignRun, username: str, deadline: datetime) -> None:
        await self.clock.sleep(max(0.0, (deadline - self.clock.now()).total_seconds()))
        state = run.roster.state(username)
        if state.status is not AgentStatus.WRAP_UP or state.wrap_up_deadline != deadline:
            return
        self._wrap_timers.pop(username, None)
        await self.give_back_undisposed(run, state)
        with contextlib.suppress(IllegalTransitionError):
            await self.apply(run, username, WrapUpTimeout(deadline))

    def forget_call(self, username: str) -> None:
        """The agent is done with their call: nothing of it on their screen, nothing to dispose."""
        self.pops.pop(username, None)
        self.attempts.pop(username, None)

    async def give_back_undisposed(self, run: CampaignRun, state: AgentState) -> None:
        """The wrap-up ended with no disposition (it ran out, or the agent went ready): the
        attempt counts as a conversation and the lead waits 7 days, as after one."""
        lead = run.leads.pop(state.call_id or "", None)
        attempt_id = self.attempts.get(state.username)
        self.forget_call(state.username)
        if lead is None:
            return
        now = self.clock.now()

        async def release(conn: AsyncConnection) -> None:
            if attempt_id is not None:
                await record_undisposed(conn, attempt_id)
            with contextlib.suppress(LeadNotHeldError):
                await release_lead(conn, lead, UNDISPOSED, now, run.config)

        await self.store.run("release undisposed lead", release)

    async def end_wrap_up(self, run: CampaignRun, username: str) -> AgentState:
        state = run.roster.state(username)
        self.forget_call(username)
        if state.status is not AgentStatus.WRAP_UP:
            return state
        return await self.apply(run, username, WrapUpDone())

    def _learn_wrap_up_end(
        self, run: CampaignRun, before: AgentState, after: AgentState, now: datetime
    ) -> None:
        """A wrap-up ended (the agent's click or the wrap-up timer): the pacer learns how long
        it took, and whether the agent came back for the next call.

        A pause or logout asked for earlier takes effect now. One asked for during the call
        was foreseen (the roster kept the agent out of the pacer's count); one asked for
        during the wrap-up may come after the call placed for this agent, so the pacer learns
        how often an agent at the end of a wrap-up leaves unforeseen.
        """
        if before.since is not None:
            run.estimates.wrap.observe(max(0.0, (now - before.since).total_seconds()))
        foreseen = before.username in self._leaving_foreseen
        self._leaving_foreseen.discard(before.username)
        gone = after.status in (AgentStatus.PAUSED, AgentStatus.LOGGED_OUT)
        if not (gone and foreseen):
            run.estimates.observe_wrap_end(available=not gone)
