"""The dialer as an agent's desk sees it: :class:`~dialer.engine.desk.AgentDesk` on a
running :class:`~dialer.engine.runner.Dialer`."""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from dialer.agents.state import (
    AgentCommand,
    AgentState,
    AgentStatus,
    Hangup,
    IllegalTransitionError,
    Login,
    Logout,
    Pause,
    Ready,
    Reserve,
)
from dialer.campaigns.claims import ClaimedLead, LeadNotHeldError, claim_next_leads, release_lead
from dialer.engine.campaign_run import CampaignRun
from dialer.engine.desk import DeskError, DispositionSaved, ScreenPopped
from dialer.engine.runner import Dialer
from dialer.pacing.snapshot import DialMode
from recoup.bus.event import event_type
from recoup.dispositions.apply import apply_disposition
from recoup.dispositions.plan import DispositionRefusedError
from recoup.dispositions.record import Callback, DispositionRecord


class DialerDesk:
    """Implements :class:`~dialer.engine.desk.AgentDesk`."""

    def __init__(self, dialer: Dialer) -> None:
        self.dialer = dialer

    # --- reading ---------------------------------------------------------------------------
    def campaigns(self) -> list[dict[str, Any]]:
        return [self.dialer.campaign_summary(run) for run in self.dialer.campaigns.values()]

    def _run_of(self, username: str) -> CampaignRun | None:
        campaign_id = self.dialer.agent_campaign.get(username)
        return self.dialer.campaigns.get(campaign_id) if campaign_id else None

    def _logged_in(self, username: str) -> CampaignRun:
        run = self._run_of(username)
        if run is None:
            msg = f"{username} is not logged in: log in with an extension and a campaign"
            raise DeskError(msg, status=409)
        return run

    def agent(self, username: str) -> AgentState | None:
        run = self._run_of(username)
        return run.roster.state(username) if run else None

    def current_pop(self, username: str) -> ScreenPopped | None:
        return self.dialer.pops.get(username)

    # --- states ----------------------------------------------------------------------------
    async def _apply(self, run: CampaignRun, username: str, command: AgentCommand) -> AgentState:
        try:
            return await self.dialer.apply_agent(run, username, command)
        except IllegalTransitionError as error:
            raise DeskError(str(error), status=409) from error

    async def login(self, username: str, *, extension: str, campaign_id: str) -> AgentState:
        run = self.dialer.campaigns.get(campaign_id)
        if run is None:
            raise DeskError(f"no campaign {campaign_id!r} runs in this dialer", status=404)
        other = self._run_of(username)
        if other is not None:
            msg = f"{username} is already logged in to {other.campaign_id}: log out first"
            raise DeskError(msg, status=409)
        for agent in self.dialer.campaigns.values():
            for state in agent.roster:
                if state.extension == extension:
                    msg = f"extension {extension} is in use by {state.username}"
                    raise DeskError(msg, status=409)
        return await self._apply(run, username, Login(campaign_id, run.queue, extension))

    async def ready(self, username: str) -> AgentState:
        run = self._logged_in(username)
        state = run.roster.state(username)
        if state.status is AgentStatus.WRAP_UP:
            # Ready without a disposition: the lead goes back to the list for later.
            await self.dialer.give_back_undisposed(run, state)
            return await self.dialer.end_wrap_up(run, username)
        return await self._apply(run, username, Ready())

    async def pause(self, username: str, reason: str) -> AgentState:
        run = self._logged_in(username)
        if not reason.strip():
            raise DeskError("say why you pause (a break, training, a meeting ...)", status=422)
        return await self._apply(run, username, Pause(reason.strip()))

    async def logout(self, username: str) -> AgentState:
        run = self._logged_in(username)
        await self._give_back_preview(run, username)
        return await self._apply(run, username, Logout())

    # --- the outcome of a call ----------------------------------------------------------------
    async def dispose(
        self, username: str, attempt_id: int, record: DispositionRecord, *, now: datetime
    ) -> DispositionSaved:
        run = self._logged_in(username)
        state = run.roster.state(username)
        pop = self.dialer.pops.get(username)
        on_screen = pop.attempt_id if pop is not None else None
        # The call the agent had is theirs to dispose whether or not its pop ever loaded.
        if attempt_id not in (on_screen, self.dialer.floor.attempts.get(username)):
            msg = f"call {attempt_id} is not {username}'s call"
            raise DeskError(msg, status=409)
        channel_id = state.call_id or ""
        lead = run.leads.get(channel_id)
        retry_at = record.at if isinstance(record, Callback) else None

        async def write(conn: AsyncConnection) -> list[Any]:
            if lead is not None:
                with contextlib.suppress(LeadNotHeldError):
                    await release_lead(conn, lead, record.code, now, run.config, retry_at=retry_at)
            return list(await apply_disposition(conn, record, now=now, attempt_id=attempt_id))

        try:
            events = await self.dialer.store.run("disposition", write)
        except DispositionRefusedError as error:
            raise DeskError(str(error), status=422) from error
        for event in events:
            self.dialer.publish(event)
        if state.status is AgentStatus.WRAP_UP:
            run.leads.pop(channel_id, None)
            state = await self.dialer.end_wrap_up(run, username)
        else:  # still talking: the wrap-up ends as soon as the call does
            self.dialer.disposed.add(attempt_id)
        return DispositionSaved(
            attempt_id, record.code.value, tuple(event_type(e) for e in events), state
        )

    # --- preview ---------------------------------------------------------------------------
    def _preview_run(self, username: str) -> CampaignRun:
        run = self._logged_in(username)
        if run.mode is not DialMode.PREVIEW:
            msg = f"campaign {run.campaign_id} dials {run.mode.value}: no preview there"
            raise DeskError(msg, status=409)
        return run

    async def preview_next(self, username: str) -> ScreenPopped | None:
        run = self._preview_run(username)
        if username in run.previews:
            return self.dialer.pops.get(username)
        state = run.roster.state(username)
        if state.status is not AgentStatus.READY:
            raise DeskError(f"{username} is {state.status.value}: be ready to preview", status=409)
        dialer = self.dialer
        now = dialer.clock.now()
        me = dialer.settings.dialer_id

        async def claim(conn: AsyncConnection) -> list[ClaimedLead]:
            return await claim_next_leads(conn, run.campaign_id, me, 1, now)

        leads = await dialer.store.run("preview claim", claim)
        if not leads:
            return None
        lead = leads[0]
        channel_id = dialer.new_channel_id()
        await self._apply(run, username, Reserve(channel_id))
        run.previews[username] = (lead, channel_id)
        popped = await dialer.screen_pop_for(
            run, username, debt_id=lead.debt_id, debtor_id=lead.debtor_id,
            phone=lead.phones[0] if lead.phones else "", attempt_id=None, preview=True, now=now,
        )  # fmt: skip
        dialer.pops[username] = popped
        dialer.publish(popped)
        return popped

    async def preview_dial(self, username: str) -> ScreenPopped:
        run = self._preview_run(username)
        held = run.previews.pop(username, None)
        if held is None:
            raise DeskError("no lead on preview: ask for the next one first", status=409)
        lead, channel_id = held
        dialer = self.dialer
        # Only this agent is unpaused (every other ready agent of a preview campaign stays
        # paused), and before the Originate: a debtor who answers at once finds them there.
        if not await dialer.floor.unpaused_for_own_call(run, username):
            run.previews[username] = held  # nothing was dialed: the lead is still theirs
            msg = "Asterisk did not unpause the agent in the queue: nothing was dialed, try again"
            raise DeskError(msg, status=503)
        call = await dialer.dial(run, lead, for_agent=username, channel_id=channel_id)
        if call is None:  # the gate refused it (recorded with the reason) or Asterisk did
            dialer.pops.pop(username, None)
            with contextlib.suppress(IllegalTransitionError):  # ready again: paused again
                await dialer.apply_agent(run, username, Hangup(channel_id))
            msg = f"{lead.debt_id} may not be dialed now (see the refusal's reason)"
            raise DeskError(msg, status=409)
        popped = await dialer.screen_pop_for(
            run, username, debt_id=lead.debt_id, debtor_id=lead.debtor_id, phone=call.phone,
            attempt_id=call.attempt_id, preview=False, now=dialer.clock.now(),
        )  # fmt: skip
        if run.roster.state(username).call_id == channel_id:  # not already over (busy ...)
            dialer.pops[username] = popped
            dialer.publish(popped)
        return popped

    async def preview_skip(self, username: str) -> None:
        run = self._preview_run(username)
        if username not in run.previews:
            raise DeskError("no lead on preview", status=409)
        await self._give_back_preview(run, username)

    async def _give_back_preview(self, run: CampaignRun, username: str) -> None:
        held = run.previews.pop(username, None)
        if held is None:
            return
        lead, channel_id = held
        self.dialer.pops.pop(username, None)
        now = self.dialer.clock.now()

        async def release(conn: AsyncConnection) -> None:
            with contextlib.suppress(LeadNotHeldError):
                await release_lead(conn, lead, None, now, run.config)

        await self.dialer.store.run("preview skip", release)
        with contextlib.suppress(IllegalTransitionError):
            await self.dialer.apply_agent(run, username, Hangup(channel_id))
