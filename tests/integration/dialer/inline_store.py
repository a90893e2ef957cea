"""A stand-in for the dialer's store that runs each piece of work at once, in its own
transaction: for tests of one dialer method that reads the database through ``store.run``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine


@dataclass
class InlineStore:
    engine: AsyncEngine

    async def run(self, _what: str, work: Callable[[AsyncConnection], Awaitable[Any]]) -> Any:
        async with self.engine.begin() as connection:
            return await work(connection)
