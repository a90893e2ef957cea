"""Creating the async engine, the same way for the CLI, the services and the tests."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class DatabaseUnreachableError(RuntimeError):
    """The database named by the settings cannot be reached."""


def make_engine(url: str, *, schema: str | None = None, echo: bool = False) -> AsyncEngine:
    """An async engine for ``url``.

    SQLite: the file's folder is created, foreign keys are enforced, WAL journal and a busy
    timeout let the console read while the dialer writes. PostgreSQL: ``schema`` (if given)
    becomes the search path of every connection, so that a site or a test run can keep its
    tables in a schema of its own.
    """
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"echo": echo}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs["pool_pre_ping"] = True
        kwargs["pool_size"] = 10
        if schema is not None:
            if not _SCHEMA_NAME.match(schema):
                msg = f"schema name {schema!r} is not a plain lower-case identifier"
                raise ValueError(msg)
            kwargs["connect_args"] = {"server_settings": {"search_path": schema}}
    engine = create_async_engine(parsed, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


@asynccontextmanager
async def open_engine(url: str, *, schema: str | None = None) -> AsyncIterator[AsyncEngine]:
    """An engine for the length of a ``with`` block, disposed at its end."""
    engine = make_engine(url, schema=schema)
    try:
        yield engine
    finally:
        await engine.dispose()
