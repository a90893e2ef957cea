"""Guessing a password over the API: a few tries, then a pause the clock ends."""

from __future__ import annotations

import asyncio
import shutil

from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from agent_console.api.login_throttle import MAX_TRACKED, LoginPolicy, LoginThrottle
from recoup.clock import ManualClock
from tests.integration.agent_api.conftest import NOW, PASSWORD


async def log_in(client: TestClient, username: str, password: str) -> int:
    response = await client.post(
        "/api/v1/session", json={"username": username, "password": password}
    )
    return response.status


async def test_five_wrong_passwords_hold_the_account_even_against_the_right_one(
    client: TestClient, clock: ManualClock
) -> None:
    for guess in range(5):
        assert await log_in(client, "ana", f"guess number {guess}") == 401
    held = await client.post("/api/v1/session", json={"username": "ana", "password": PASSWORD})
    assert held.status == 429
    assert int(held.headers["Retry-After"]) > 0
    assert "try again" in (await held.json())["error"]
    assert "recoup_session" not in held.cookies

    clock.advance(int(held.headers["Retry-After"]))
    assert await log_in(client, "ana", PASSWORD) == 201


async def test_guessing_one_account_does_not_hold_another(client: TestClient) -> None:
    for guess in range(5):
        assert await log_in(client, "ana", f"guess number {guess}") == 401
    assert await log_in(client, "ana", PASSWORD) == 429
    assert await log_in(client, "bob", PASSWORD) == 201


async def test_an_unknown_user_is_held_like_a_real_one(client: TestClient) -> None:
    for guess in range(5):
        assert await log_in(client, "nobody", f"guess number {guess}") == 401
    assert await log_in(client, "nobody", PASSWORD) == 429


async def test_a_burst_of_guesses_at_once_gets_no_more_tries_than_one_by_one(
    client: TestClient,
) -> None:
    statuses = await asyncio.gather(
        *(log_in(client, "ana", f"guess number {guess}") for guess in range(20))
    )
    assert sorted(statuses).count(401) == 5
    assert sorted(statuses).count(429) == 15


async def test_a_right_password_forgets_the_earlier_typos(client: TestClient) -> None:
    for guess in range(4):
        assert await log_in(client, "ana", f"typo {guess}") == 401
    assert await log_in(client, "ana", PASSWORD) == 201
    for guess in range(4):
        assert await log_in(client, "ana", f"typo {guess}") == 401
    assert await log_in(client, "ana", PASSWORD) == 201


def test_guesses_at_endless_made_up_usernames_do_not_grow_memory_without_bound() -> None:
    throttle = LoginThrottle(LoginPolicy())
    for n in range(MAX_TRACKED + 500):
        assert throttle.begin(f"made-up-{n}", NOW) is None
    assert len(throttle) == MAX_TRACKED
    # the most recent guesses are the ones kept
    for _ in range(4):
        throttle.begin(f"made-up-{MAX_TRACKED + 499}", NOW)
    assert throttle.begin(f"made-up-{MAX_TRACKED + 499}", NOW) is not None


async def test_logins_that_failed_because_the_database_was_away_are_not_wrong_passwords(
    client: TestClient, people: AsyncEngine
) -> None:
    await people.dispose()
    database = people.url.database
    assert database is not None
    shutil.move(database, f"{database}.away")
    try:
        for _ in range(6):
            assert await log_in(client, "ana", PASSWORD) == 500
    finally:
        await people.dispose()
        shutil.move(f"{database}.away", database)
    assert await log_in(client, "ana", PASSWORD) == 201
