"""The 2-second rule as the dialer keeps it (47 CFR 64.1200(a)(7)).

A person on the line whom no agent took within ``connect_limit_s`` of their completed greeting
(see :mod:`dialer.engine.calls` for when that clock starts) is redirected to the identification
message, and the call counts as abandoned on the campaign's meter at that moment. The abandon is
written to the attempt at once too, not only when the call closes: a restart while the message
plays must not lose it (the meter is rebuilt from the attempts on start).

The call's outcome is another matter: it is ``abandoned`` only when the message took the caller
(the queue abandon or the dialplan's abandon event says so) or nobody ever did. A Redirect that
failed leaves the caller in the queue, and an agent who then takes them has a conversation to
record like any other.
"""

from __future__ import annotations

import logging

from dialer.ami.errors import AmiError
from dialer.engine.attempts import record_abandon
from dialer.engine.base import DialerBase
from dialer.engine.calls import CallPhase, OutboundCall
from dialer.engine.campaign_run import CampaignRun
from dialer.events import QueueAbandoned

log = logging.getLogger(__name__)


class ConnectWatch(DialerBase):
    def absorb(self) -> None:
        """Fold the events already received into the call book (see :class:`CallFlow`)."""
        raise NotImplementedError

    async def _watch_connect(self, run: CampaignRun, call: OutboundCall) -> None:
        """No agent within the limit: the identification message plays."""
        now = self.clock.monotonic()
        started = now if call.live_since is None else call.live_since  # the greeting's end
        await self.clock.sleep(max(0.0, started + run.config.connect_limit_s - now))
        self.absorb()
        if call.phase is not CallPhase.WAITING or call.redirecting:
            return
        if self.book.get(call.channel_id) is not call:
            return
        call.redirecting = True
        self._count_abandon(run, call)
        channel = call.queue_channel
        if not channel:
            log.warning("call %s waits with no channel known to redirect", call.channel_id)
            return
        try:
            await self.pbx.redirect(
                channel, context=self.settings.abandon_context, exten="s", priority=1
            )
        except AmiError as error:
            # Gone, bridged meanwhile, or AMI too slow to say. The abandon stays counted (the
            # limit passed); the outcome waits for what happens to the caller next.
            log.warning("redirect of %s to the abandon message failed: %s", channel, error)

    def _abandoned_by_dialplan(self, event: QueueAbandoned) -> None:
        """The dialplan played the identification message on its own (no agent logged in or
        unpaused, or the queue's own timeout): an abandon the watcher did not count."""
        call = self.book.get(event.linkedid)
        if call is None or call.abandoned or call.live_since is None:
            return
        run = self.campaigns.get(call.campaign_id)
        if run is not None:
            self._count_abandon(run, call)

    def _count_abandon(self, run: CampaignRun, call: OutboundCall) -> None:
        call.abandoned = True
        run.meter.record_abandon(self.clock.now())
        attempt_id = call.attempt_id
        self.store.later("abandon", lambda c: record_abandon(c, attempt_id))
