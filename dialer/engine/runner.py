"""The running dialer: campaigns paced, leads claimed, dials gated, calls followed to the end.

The parts: :mod:`~dialer.engine.base` (shared state), :mod:`~dialer.engine.call_flow` (PBX
events and what follows them), :mod:`~dialer.engine.agent_floor` (agents and their queues),
:mod:`~dialer.engine.store` (the database), :mod:`~dialer.engine.dialing` (gate, then attempt)
and :mod:`~dialer.engine.recovery`; this module starts them and paces the campaigns.

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
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from dialer.agents.membership import (
    check_extension,
)
from dialer.agents.seats import penalty_variables
from dialer.agents.state import (
    AgentStatus,
)
from dialer.ami.errors import ActionFailed, AmiError
from dialer.campaigns.claims import (
    ClaimedLead,
    claim_next_leads,
    reclaim_stale_claims,
    renew_claims,
)
from dialer.campaigns.config import CampaignConfig, RecordingNotice
from dialer.campaigns.lists import campaign_config
from dialer.engine.attempts import (
    OpenAttempt,
)
from dialer.engine.base import RECOUP_MEMBERS, DialerBase, DialerSettings
from dialer.engine.call_flow import CallFlow
from dialer.engine.calls import CallPhase, OutboundCall
from dialer.engine.campaign_queues import shared_queue
from dialer.engine.campaign_run import CampaignRun
from dialer.engine.dialing import GatedDial, gate_and_open
from dialer.engine.recovery import reconcile_after_restart, sweep_orphans
from dialer.engine.status import CampaignStatus, DialPlaced, DialRefused
from recoup.compliance.campaign_policy import DIAL_DELAY_S
from recoup.domain.model import Disposition
from recoup.storage import tables as t

log = logging.getLogger(__name__)
# A gate's verdict is dialed on within this many seconds of being judged, or not at all: the
# calling window and the caps hold at the moment of the verdict, not a minute later. The
# campaign's last dial time leaves the same margin before its window closes.
GATE_FRESH_S = DIAL_DELAY_S

__all__ = ["RECOUP_MEMBERS", "Dialer", "DialerBase", "DialerSettings"]

T = TypeVar("T")


class Dialer(CallFlow):
    """Runs the active campaigns against one Asterisk; see the module docstring."""

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
            running = {c: r.queue for c, r in self.campaigns.items()}
            problem = shared_queue(running, campaign_id, config.queue)
            if problem is not None:
                log.error("campaign %s is not started: %s", campaign_id, problem)
                continue
            run = CampaignRun(campaign_id, name, config, self.settings.members)
            self.campaigns[campaign_id] = run
            await self._seed_meter(run)
            self.metrics.abandon_cap.labels(campaign_id).set(config.abandon_target)

    async def _config(self, campaign_id: str) -> CampaignConfig:
        async def read(conn: AsyncConnection) -> CampaignConfig:
            return await campaign_config(conn, campaign_id)

        return await self.store.run("campaign config", read)

    async def _seed_meter(self, run: CampaignRun) -> None:
        """The meter's window reaches back 30 days: count what this campaign already did, and
        tell it the day its 30-day periods began."""
        since = self.clock.now() - timedelta(days=30)
        a = t.contact_attempt

        async def read(conn: AsyncConnection) -> list[Any]:
            rows = await conn.execute(
                select(a.c.at, a.c.answered_at, a.c.live_answer, a.c.abandoned, a.c.amd_status)
                .where(a.c.campaign_id == run.campaign_id, a.c.at >= since)
                .order_by(a.c.at)
            )
            return list(rows)

        async def began(conn: AsyncConnection) -> datetime | None:
            first = await conn.execute(
                select(func.min(a.c.at)).where(
                    a.c.campaign_id == run.campaign_id,
                    a.c.live_answer.is_(True) | a.c.abandoned.is_(True),
                )
            )
            found: datetime | None = first.scalar_one_or_none()
            return found

        first_live = await self.store.run("campaign's first live answer", began)
        if first_live is not None:  # day 1 of its successive 30-day periods, as the audit's
            aware = first_live if first_live.tzinfo else first_live.replace(tzinfo=UTC)
            run.meter.begin_periods(aware.astimezone(UTC).date())
        for row in await self.store.run("seed abandon meter", read):
            when = row.answered_at or row.at
            if row.live_answer:
                run.meter.record_live_answer(when, amd_screened=bool(row.amd_status))
            if row.abandoned:
                run.meter.record_abandon(when)

    async def recover(self) -> None:
        """Reconcile attempts left open by a crash with Asterisk's live channels, and release
        this dialer's claims on leads whose calls are gone.

        When Asterisk cannot be asked (not connected yet), no call can be told gone: all are
        followed, and the channel snapshot at the connection closes those that ended.
        """
        live: set[str] | None = None  # unknown: every call of this dialer is followed
        if self.pbx.session.connected:
            try:
                channels = await self.pbx.core_show_channels()
            except AmiError as e:
                log.warning("could not ask Asterisk for its channels on start: %s", e)
            else:
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
                phase=CallPhase.CONNECTED, abandoned=attempt.abandoned,
            )  # fmt: skip
            self.book.place(call)
            if attempt.connected:
                # Its lead was held as undisposed on reconciling; the call's end closes nothing.
                call.connected_at = call.placed_at
                continue
            run.leads[attempt.channel_id] = ClaimedLead(
                attempt.campaign_id, attempt.debt_id, attempt.debtor_id, (attempt.phone,),
                "UTC", 0, 0, me, now,
            )  # fmt: skip
        if still_up:
            log.info("following %d call(s) still up in Asterisk after a restart", len(still_up))

    # --- pacing -----------------------------------------------------------------------------
    async def _pace_loop(self) -> None:
        while True:
            await self.clock.sleep(self.settings.tick_s)
            for run in list(self.campaigns.values()):
                try:
                    await self.pace(run)
                except Exception:
                    log.exception("pacing %s failed", run.campaign_id)

    async def pace(self, run: CampaignRun) -> int:
        """One pacing decision for ``run``; returns the calls placed."""
        now = self.clock.now()
        decision = run.decide(self.book, now, self.clock.monotonic())
        self._status(run, now)
        if not self.can_dial or decision.dials <= 0:
            return 0
        me, wanted = self.settings.dialer_id, decision.dials

        async def claim_and_gate(conn: AsyncConnection) -> tuple[datetime, list[GatedDial]]:
            # Judged when the transaction runs: a retry after an outage judges afresh.
            at = self.clock.now()
            leads = await claim_next_leads(conn, run.campaign_id, me, wanted, at)
            return at, [
                await gate_and_open(conn, run, lead, channel_id=self.new_channel_id(), now=at)
                for lead in leads
            ]

        self._in_flight += 1
        try:
            judged, gated = await self.store.run("claim, gate and open attempts", claim_and_gate)
            placed = await asyncio.gather(*(self._place(run, dial, judged) for dial in gated))
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
        cid = channel_id or self.new_channel_id()

        async def gate(conn: AsyncConnection) -> tuple[datetime, GatedDial]:
            at = self.clock.now()  # judged when the transaction runs, retries included
            return at, await gate_and_open(
                conn, run, lead, channel_id=cid, now=at, agent_reserved=for_agent is not None
            )

        self._in_flight += 1
        try:
            judged, dial = await self.store.run("gate and attempt", gate)
            if for_agent is None:
                return await self._place(run, dial, judged)
            # a preview call: no AMD (the agent chose to call), and for this agent's seat only
            return await self._place(run, dial, judged, amd=False, seat=run.seats.held(for_agent))
        finally:
            self._in_flight -= 1

    async def _place(
        self,
        run: CampaignRun,
        dial: GatedDial,
        now: datetime,
        *,
        amd: bool = True,
        seat: int | None = None,
    ) -> OutboundCall | None:
        """Send the Originate of a gated dial (or count its refusal).

        ``now`` is when the gate judged it. A verdict older than :data:`GATE_FRESH_S` (the
        event loop stalled after the commit) is not dialed on: the attempt closes as failed.
        """
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
        run.leads[dial.channel_id] = lead
        stale = (self.clock.now() - now).total_seconds()
        if stale > GATE_FRESH_S:
            log.warning("not dialing %s: the gate judged it %.1f s ago", lead.debt_id, stale)
            call.outcome = Disposition.FAILED
            await self._close(run, call, now)
            return None
        self.book.place(call)  # before the Originate: its first events may beat its reply
        run.placed += 1
        prompt = run.config.recording_notice is RecordingNotice.PROMPT
        variables = self._variables(run, call, lead, consent=dial.all_party_consent and prompt)
        if seat is not None:
            variables.update(penalty_variables(seat))
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
        await reclaim_stale_claims(
            conn, now - timedelta(seconds=self.settings.stale_claim_s), now=now
        )

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
        held_attempts |= set(self.floor.attempts.values())
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
