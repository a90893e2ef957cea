"""Running the Alembic migrations from code (``recoup db upgrade``, the demo, the tests)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str, *, schema: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["schema"] = schema
    return config


async def upgrade(url: str, revision: str = "head", *, schema: str | None = None) -> None:
    """Bring the database to ``revision``; runs Alembic in a worker thread (it has its own loop)."""
    await asyncio.to_thread(command.upgrade, alembic_config(url, schema=schema), revision)


async def downgrade(url: str, revision: str, *, schema: str | None = None) -> None:
    await asyncio.to_thread(command.downgrade, alembic_config(url, schema=schema), revision)


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )
