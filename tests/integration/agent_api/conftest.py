"""The agent API under test: the real app over a fake desk, a real bus, a real database."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncEngine

from agent_console.api.app import make_agent_api
from recoup.bus.local import InProcessBus
from recoup.clock import ManualClock
from recoup.domain.model import Role
from recoup.storage.engine import make_engine
from recoup.storage.migrate import upgrade
from recoup.users.accounts import add_user
from tests.integration.agent_api.fake_desk import FakeDesk

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"
#: username -> roles: two agents, a supervisor, a QA reviewer, a supervisor who also takes calls
PEOPLE = {
    "ana": {Role.AGENT},
    "bob": {Role.AGENT},
    "sue": {Role.SUPERVISOR},
    "quinn": {Role.QA},
    "max": {Role.SUPERVISOR, Role.AGENT},
}

SignIn = Callable[[str], Awaitable[dict[str, str]]]


async def add_people(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        for username, roles in PEOPLE.items():
            await add_user(
                connection, username, PASSWORD, frozenset(roles), now=NOW, extension="1001"
            )


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def bus() -> InProcessBus:
    return InProcessBus()


@pytest.fixture
def desk(bus: InProcessBus, clock: ManualClock) -> FakeDesk:
    return FakeDesk(bus, clock)


@pytest.fixture
def metrics_text() -> bytes:
    return b"# HELP recoup_dial_level Lines in use per working agent\nrecoup_dial_level 1.5\n"


@pytest.fixture(scope="session")
def team_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file with the team in it, made once (argon2 hashing is slow on purpose)."""
    path = tmp_path_factory.mktemp("team") / "recoup.db"

    async def build() -> None:
        url = f"sqlite+aiosqlite:///{path}"
        await upgrade(url)
        engine = make_engine(url)
        try:
            await add_people(engine)
        finally:
            await engine.dispose()

    asyncio.run(build())
    return path


@pytest.fixture
async def people(team_database: Path, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """A SQLite database of this test's own with the team in it (the database is incidental)."""
    path = tmp_path / "recoup.db"
    shutil.copyfile(team_database, path)
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
async def client(
    people: AsyncEngine,
    desk: FakeDesk,
    bus: InProcessBus,
    clock: ManualClock,
    metrics_text: bytes,
) -> AsyncIterator[TestClient]:
    app = make_agent_api(
        desk=desk, bus=bus, engine=people, clock=clock, metrics=lambda: metrics_text,
        heartbeat_s=5.0, max_body_bytes=16 * 1024,
    )  # fmt: skip
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


@pytest.fixture
def sign_in(client: TestClient) -> SignIn:
    """Log someone in; the Authorization header to use."""

    async def signed_in(username: str) -> dict[str, str]:
        response = await client.post(
            "/api/v1/session", json={"username": username, "password": PASSWORD}
        )
        assert response.status == 201, await response.text()
        token = (await response.json())["token"]
        client.session.cookie_jar.clear()  # tests authenticate by header unless they say so
        return {"Authorization": f"Bearer {token}"}

    return signed_in
