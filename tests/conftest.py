"""Fixtures shared by the whole suite: databases and the bus.

Storage tests run on SQLite always, and on the real PostgreSQL named by
``RECOUP_TEST_DATABASE_URL`` (each test in a fresh schema of its own). Bus tests run on the
in-process bus, and on the real broker named by ``RECOUP_TEST_MQTT_URL``. In CI (``CI`` set),
a missing variable fails those tests rather than skipping them: the services must be there.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from recoup.storage.engine import make_engine
from recoup.storage.migrate import upgrade

DATABASE_ENV = "RECOUP_TEST_DATABASE_URL"
MQTT_ENV = "RECOUP_TEST_MQTT_URL"


def service_url(variable: str, what: str) -> str:
    """The URL of a real service for this test, or skip (laptop) / fail (CI) without it."""
    url = os.environ.get(variable)
    if url:
        return url
    if os.environ.get("CI"):
        pytest.fail(f"{variable} is not set: CI must test against a real {what}")
    pytest.skip(f"{variable} not set: {what} tests run in CI")


@dataclass(frozen=True)
class DatabaseUnderTest:
    url: str
    schema: str | None
    engine: AsyncEngine
    backend: str


@pytest.fixture(params=["sqlite", "postgresql"])
async def database(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[DatabaseUnderTest]:
    """A migrated, empty database: SQLite, then the real PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'recoup.db'}"
        await upgrade(url)
        engine = make_engine(url)
        try:
            yield DatabaseUnderTest(url, None, engine, "sqlite")
        finally:
            await engine.dispose()
        return
    url = service_url(DATABASE_ENV, "PostgreSQL")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(url)
    async with admin.begin() as connection:
        await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        await upgrade(url, schema=schema)
        engine = make_engine(url, schema=schema)
        try:
            yield DatabaseUnderTest(url, schema, engine, "postgresql")
        finally:
            await engine.dispose()
    finally:
        async with admin.begin() as connection:
            await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


@pytest.fixture
async def sqlite_database(tmp_path: Path) -> AsyncIterator[DatabaseUnderTest]:
    """A migrated SQLite database only (for tests about SQLite's own behaviour)."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'recoup.db'}"
    await upgrade(url)
    engine = make_engine(url)
    try:
        yield DatabaseUnderTest(url, None, engine, "sqlite")
    finally:
        await engine.dispose()
