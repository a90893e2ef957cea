"""panoramisk 1.4 against the same recorded Asterisk: a cut list hangs, a bad secret is silent.

The same situations through Recoup's session raise ConnectionLost and AuthenticationFailed
(see test_session_against_recorded_asterisk.py).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from fake_asterisk import FakeAsterisk, ServerSide
from panoramisk import Manager

from dialer.ami.protocol import AmiMessage


async def a_panoramisk(asterisk: FakeAsterisk, secret: str) -> Any:
    manager = Manager(
        loop=asyncio.get_running_loop(),
        host="127.0.0.1",
        port=asterisk.port,
        username="dialer",
        secret=secret,
        ping_delay=60,
        reconnect_timeout=60,
        log=logging.getLogger("panoramisk-peer"),
    )
    await manager.connect()
    for _ in range(100):
        if manager.protocol is not None and manager.authenticated_future is None:
            break
        await asyncio.sleep(0.01)
    return manager


async def test_panoramisk_list_reply_cut_by_a_disconnect_never_completes(
    asterisk: FakeAsterisk,
) -> None:
    async def cut(side: ServerSide, action: AmiMessage) -> None:
        aid = action.action_id or ""
        await side.send(
            f"Response: Success\r\nActionID: {aid}\r\nEventList: start\r\n\r\n"
            f"Event: CoreShowChannel\r\nActionID: {aid}\r\nChannel: Local/a-1;1\r\n\r\n".encode()
        )
        side.writer.transport.abort()

    asterisk.handlers["CoreShowChannels"] = cut
    manager = await a_panoramisk(asterisk, "dialerpass")
    try:
        waiting = manager.send_action({"Action": "CoreShowChannels"})
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(asyncio.shield(waiting), 0.3)
        assert not waiting.done()  # the caller would wait for ever
    finally:
        manager.close()


async def test_panoramisk_bad_secret_raises_nothing(asterisk: FakeAsterisk) -> None:
    manager = await a_panoramisk(asterisk, "wrong")
    try:
        assert manager.authenticated is False  # only a flag; connect() returned normally
    finally:
        manager.close()
