"""A flood of logins (guesses at many usernames, each under its own limit) costs argon2 time on
threads of its own: it never queues the rest of the process's thread work (the dialer's name
lookups run on asyncio's default threads), and past a line of waiting checks it is told to come
back later instead of holding ever more requests."""

from __future__ import annotations

import asyncio
import time

from aiohttp.test_utils import TestClient

from agent_console.api.sessions import MAX_CHECKS_IN_LINE
from tests.integration.agent_api.conftest import PASSWORD


async def guess(client: TestClient, username: str) -> int:
    response = await client.post(
        "/api/v1/session", json={"username": username, "password": "a wild guess"}
    )
    return response.status


async def test_a_login_flood_does_not_hold_up_the_processs_other_thread_work(
    client: TestClient,
) -> None:
    flood = [asyncio.create_task(guess(client, f"someone-{n}")) for n in range(24)]
    await asyncio.sleep(0.3)  # the flood's checks are running or in line
    started = time.perf_counter()
    await asyncio.to_thread(lambda: None)  # what a getaddrinfo of the dialer would wait for
    waited = time.perf_counter() - started
    statuses = await asyncio.gather(*flood)
    assert set(statuses) <= {401, 503}
    assert waited < 0.2, f"other thread work waited {waited:.2f}s behind the login flood"


async def test_past_a_full_line_of_password_checks_a_login_is_told_to_come_back(
    client: TestClient,
) -> None:
    statuses = await asyncio.gather(
        *(guess(client, f"someone-{n}") for n in range(MAX_CHECKS_IN_LINE + 8))
    )
    assert statuses.count(401) == MAX_CHECKS_IN_LINE
    assert statuses.count(503) == 8
    document = await (await client.get("/api/v1/openapi.json")).json()
    assert "503" in document["paths"]["/api/v1/session"]["post"]["responses"]
    busy = await client.post(
        "/api/v1/session", json={"username": "ana", "password": PASSWORD}
    )  # the line has drained: a real login goes through
    assert busy.status == 201
