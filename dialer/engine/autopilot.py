"""Simulated agents for the headless demo and the end-to-end tests.

An :class:`AutoAgent` works through the same :class:`~dialer.engine.desk.AgentDesk` a person's
browser uses: it logs in at an extension, says ready, reads the screen pop when a call reaches
it (pbxsim answers the agent's phone and ends the call after the debtor's talk time), and when
the call ends it records a disposition after a short wrap-up: mostly promises to pay, and some
disputes, callbacks, refusals, wrong parties and "already paid", drawn from a seeded generator.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dialer.engine.desk import AgentDesk, CallLeftAgent, DeskError, ScreenPopped
from recoup.bus.local import InProcessBus
from recoup.clock import Clock
from recoup.dispositions.record import (
    Callback,
    DispositionRecord,
    Dispute,
    Paid,
    PromiseToPay,
    Refused,
    WrongParty,
)
from recoup.domain.money import Money

log = logging.getLogger(__name__)

#: how often each outcome ends a conversation, in the demo
OUTCOME_WEIGHTS: dict[str, float] = {
    "promise_to_pay": 0.45,
    "refused": 0.18,
    "callback": 0.14,
    "dispute": 0.10,
    "wrong_party": 0.07,
    "paid": 0.06,
}


@dataclass
class AutoAgent:
    username: str
    extension: str
    campaign_id: str
    desk: AgentDesk
    bus: InProcessBus
    clock: Clock
    rng: random.Random
    wrap_s: tuple[float, float] = (3.0, 12.0)
    outcomes: Counter[str] = field(default_factory=Counter)
    scripts: list[tuple[str, str]] = field(default_factory=list)  # (profile, script id) per pop
    errors: list[str] = field(default_factory=list)

    async def run(self) -> None:
        subscription = self.bus.subscribe(f"recoup/v1/agents/{self.username}/#")
        try:
            await self.desk.login(
                self.username, extension=self.extension, campaign_id=self.campaign_id
            )
            await self.desk.ready(self.username)
            pops: dict[int, ScreenPopped] = {}
            async for _topic, event in subscription:
                if isinstance(event, ScreenPopped) and event.attempt_id is not None:
                    pops[event.attempt_id] = event
                    profile = event.pop.get("profile", {}).get("profile", "")
                    self.scripts.append((profile, event.pop.get("script", {}).get("id", "")))
                elif isinstance(event, CallLeftAgent):
                    await self._wrap_up(event, pops.pop(event.attempt_id, None))
        finally:
            subscription.close()

    async def _wrap_up(self, ended: CallLeftAgent, pop: ScreenPopped | None) -> None:
        await self.clock.sleep(self.rng.uniform(*self.wrap_s))
        if pop is None:  # the pop was still loading when the call ended: wait for it briefly
            current = self.desk.current_pop(self.username)
            pop = current if current and current.attempt_id == ended.attempt_id else None
        record = self.choose(pop)
        try:
            await self.desk.dispose(self.username, ended.attempt_id, record, now=self.clock.now())
            self.outcomes[record.code.value] += 1
        except DeskError as error:
            # As a person would: read the reason, record what else is true, carry on.
            self.errors.append(error.message)
            log.info("%s could not dispose %s: %s", self.username, ended.attempt_id, error)
            with contextlib.suppress(DeskError):
                await self.desk.dispose(
                    self.username, ended.attempt_id, Refused("no commitment"),
                    now=self.clock.now(),
                )  # fmt: skip
                self.outcomes["refused"] += 1
                return
            with contextlib.suppress(DeskError):
                await self.desk.ready(self.username)

    def _callback_time(self, pop: ScreenPopped | None) -> datetime:
        """Tomorrow between 10:00 and 18:00 in the debtor's own time: inside any window."""
        zone = ZoneInfo(str(pop.pop.get("debtor", {}).get("timezone", "UTC"))) if pop else UTC
        tomorrow = (self.clock.now().astimezone(zone) + timedelta(days=1)).date()
        if tomorrow.weekday() == 6:  # Sunday
            tomorrow += timedelta(days=1)
        local = datetime.combine(tomorrow, time(self.rng.randrange(10, 18)), tzinfo=zone)
        return local.astimezone(UTC)

    def choose(self, pop: ScreenPopped | None) -> DispositionRecord:
        names = list(OUTCOME_WEIGHTS)
        outcome = self.rng.choices(names, weights=list(OUTCOME_WEIGHTS.values()))[0]
        now = self.clock.now()
        debts = pop.pop.get("debts", []) if pop else []
        balance = sum(int(d.get("balance_minor", 0)) for d in debts) or 10_000
        if outcome == "promise_to_pay":
            amount = max(100, balance // self.rng.choice((1, 2, 4)))
            due = (now + timedelta(days=self.rng.randrange(3, 20))).date()
            return PromiseToPay(Money(amount, "USD"), due)
        if outcome == "dispute":
            bucket = self.rng.choice(("accounts", "service", "sales"))
            return Dispute(bucket, "debtor says the amount is wrong")
        if outcome == "callback":
            return Callback(self._callback_time(pop), "asked to call back")
        if outcome == "wrong_party" and pop is not None:
            return WrongParty(pop.phone)
        if outcome == "paid":
            return Paid("says it was paid last week")
        return Refused("will not pay now")


async def run_agents(agents: list[AutoAgent]) -> None:
    """Run the agents until cancelled; one agent's failure is logged, not fatal."""
    results = await asyncio.gather(*(a.run() for a in agents), return_exceptions=True)
    for agent, result in zip(agents, results, strict=True):
        if isinstance(result, BaseException) and not isinstance(result, asyncio.CancelledError):
            log.error("agent %s stopped: %s", agent.username, result)
