"""What ``AmiSession.connected`` promises the dialer: actions can be sent now."""

from __future__ import annotations

import asyncio

import pytest
from fake_asterisk import FakeAsterisk, ServerSide, fast_settings

from dialer.ami.errors import AuthenticationFailed, ConnectionLost
from dialer.ami.protocol import AmiMessage
from dialer.ami.session import AmiSession


async def test_a_session_still_logging_in_after_a_reconnect_is_not_connected(
    asterisk: FakeAsterisk,
) -> None:
    """The dialer dials only while connected: an Originate refused with "not logged in yet"
    would leave an attempt on the debtor's record for a call that never went out."""
    session = AmiSession(fast_settings(asterisk.port, resync=False))
    await session.start()
    login_answered = asyncio.Event()

    async def held_login(side: ServerSide, action: AmiMessage) -> None:
        await login_answered.wait()
        await asterisk._on_login(side, action)

    try:
        asterisk.handlers["Login"] = held_login
        asterisk.drop_all()
        for _ in range(100):
            if any(m.action == "Login" for m in asterisk.received[2:]):
                break
            await asyncio.sleep(0.01)
        with pytest.raises(ConnectionLost, match="not logged in"):
            await session.send_action("Ping")
        assert not session.connected
        login_answered.set()
        await session.wait_connected(within_s=1.0)
        assert session.connected
    finally:
        login_answered.set()
        await session.close()


async def test_a_wrong_secret_never_shows_the_session_as_connected(
    asterisk: FakeAsterisk,
) -> None:
    seen: list[bool] = []
    session = AmiSession(fast_settings(asterisk.port, secret="wrong", resync=False))
    connecting = asyncio.create_task(session.connect())
    while not connecting.done():
        seen.append(session.connected)
        await asyncio.sleep(0)
    with pytest.raises(AuthenticationFailed):
        await connecting
    assert seen
    assert not any(seen)
