"""The check of promises and "it's paid" claims, once or every hour while Recoup serves.

:func:`check_follow_ups` brings every open promise up to date with the payments posted (kept
ones end their reminders; one whose date has passed where its debtor lives, unpaid, is broken
and its debt goes back on the dialing lists) and puts back on them the debts a debtor said were
paid that are still not paid off at their payment check. It is idempotent: a second run finds
nothing more to do.

``recoup serve`` runs it at start and every hour (:func:`keep_follow_ups_checked`), publishing
each kept and broken promise on the bus, so a broken promise brings its debt back to the list
the same day without a cron job; ``recoup promises check`` runs it once (after a payments
import, say).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from recoup.bus.local import InProcessBus
from recoup.clock import Clock
from recoup.dispositions.events import PromiseBroken, PromiseKept
from recoup.dispositions.follow_ups import check_payment_claims, check_promises

log = logging.getLogger(__name__)

CHECK_EVERY_S = 3600.0


@dataclass(frozen=True, slots=True)
class FollowUpCheck:
    """What one check found: promises kept and broken, and debts said paid that were not."""

    promises: tuple[PromiseKept | PromiseBroken, ...]
    unpaid_claims: tuple[str, ...]

    @property
    def kept(self) -> int:
        return sum(isinstance(e, PromiseKept) for e in self.promises)

    @property
    def broken(self) -> int:
        return sum(isinstance(e, PromiseBroken) for e in self.promises)


async def check_follow_ups(engine: AsyncEngine, now: datetime) -> FollowUpCheck:
    """One check at ``now``, in one transaction."""
    async with engine.begin() as connection:
        promises = await check_promises(connection, now)
        unpaid = await check_payment_claims(connection, now)
    return FollowUpCheck(tuple(promises), tuple(unpaid))


async def keep_follow_ups_checked(
    engine: AsyncEngine, clock: Clock, bus: InProcessBus, *, every_s: float = CHECK_EVERY_S
) -> None:
    """Check now and every ``every_s`` until cancelled; a check the database refuses is logged
    and tried again at the next one."""
    while True:
        try:
            found = await check_follow_ups(engine, clock.now())
        except (SQLAlchemyError, OSError) as error:
            log.warning("promise check failed, next in %.0f s: %s", every_s, error)
        else:
            for event in found.promises:
                bus.publish(event)
            if found.promises or found.unpaid_claims:
                log.info(
                    "promise check: %d kept, %d broken, %d debts said paid back on the list",
                    found.kept, found.broken, len(found.unpaid_claims),
                )  # fmt: skip
        await clock.sleep(every_s)
