"""A dialer process for the two-process claim test.

``python claim_worker.py URL SCHEMA CAMPAIGN DIALER_ID CLAIMERS``: opens its own engine on the
schema, prints ``ready``, waits for ``go`` on stdin (so that both processes start together),
then runs ``CLAIMERS`` concurrent claim loops until the campaign has no ready lead left, and
prints one JSON line: the debt ids it claimed, in order.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
from datetime import UTC, datetime

from sqlalchemy import text

from dialer.campaigns.claims import claim_next_leads
from recoup.storage.engine import open_engine


async def claim_all(url: str, schema: str, campaign_id: str, dialer_id: str, claimers: int) -> None:
    async with open_engine(url, schema=schema) as engine:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))  # connected before the start signal
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        rng = random.Random(dialer_id)
        claimed: list[str] = []

        async def loop() -> None:
            while batch := await claim_next_leads(
                engine, campaign_id, dialer_id, rng.randint(1, 4), datetime.now(UTC)
            ):
                claimed.extend(lead.debt_id for lead in batch)

        await asyncio.gather(*(loop() for _ in range(claimers)))
        print(json.dumps({"dialer": dialer_id, "claimed": claimed}), flush=True)


if __name__ == "__main__":
    url, schema, campaign, dialer, claimers = sys.argv[1:6]
    asyncio.run(claim_all(url, schema, campaign, dialer, int(claimers)))
