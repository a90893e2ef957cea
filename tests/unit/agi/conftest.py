"""Each test gets a session wired to a scripted Asterisk over a socket pair."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from scripted_asterisk import ENVIRONMENT_BLOCK, FAST, ScriptedAsterisk, connected_pair

from ivr.agi import AgiSession


@pytest.fixture
async def call() -> AsyncIterator[tuple[AgiSession, ScriptedAsterisk]]:
    (reader, writer), asterisk = await connected_pair()
    asterisk.writer.write(ENVIRONMENT_BLOCK)
    session = await AgiSession.open(reader, writer, timeouts=FAST)
    yield session, asterisk
    await session.close(wait_for_asterisk=False)
    asterisk.writer.close()
