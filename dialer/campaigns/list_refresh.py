"""The dialing lists of the campaigns a process runs, built at its start and every hour.

New accounts imported while ``recoup serve`` runs reach its campaigns' lists within the hour,
and priorities follow the balances the payments leave (a build adds new debts, refreshes the
priorities of leads still on the list and takes off ready leads that no longer qualify: see
:mod:`dialer.campaigns.lists`). Each campaign's build is one transaction; one that fails is
logged and tried again at the next hour, and never stops the others or the dialer. A list of
25,000 leads takes about 3 s to rebuild on SQLite.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from dialer.campaigns.lists import CampaignNotFoundError, ListBuild, build_dialing_list
from recoup.clock import Clock
from recoup.rules.payment_profile import ProfilePolicy

log = logging.getLogger(__name__)

BUILD_EVERY_S = 3600.0


async def keep_lists_built(
    engine: AsyncEngine,
    clock: Clock,
    campaign_ids: Callable[[], Sequence[str]],
    policy: ProfilePolicy,
    *,
    every_s: float = BUILD_EVERY_S,
) -> None:
    """Build the lists of ``campaign_ids()`` now and every ``every_s`` until cancelled."""
    while True:
        for campaign_id in campaign_ids():
            try:
                async with engine.begin() as connection:
                    build = await build_dialing_list(
                        connection, campaign_id, clock.now().date(), policy
                    )
            except (SQLAlchemyError, OSError, CampaignNotFoundError) as error:
                log.warning("list of %s not built, next in %.0f s: %s", campaign_id, every_s, error)
            else:
                log.info("%s", summary(build))
        await clock.sleep(every_s)


def summary(build: ListBuild) -> str:
    return (
        f"list of {build.campaign_id}: {build.on_list} leads ({build.added} added), "
        f"{sum(build.removed.values())} taken off"
    )
