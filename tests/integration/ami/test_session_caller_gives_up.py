"""Callers that stop waiting for an answer: the session must go on reading."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from fake_asterisk import FakeAsterisk, ServerSide, fast_settings

from dialer.ami.protocol import AmiMessage
from dialer.ami.session import AmiSession
from dialer.ami.translate import CallTranslator
from dialer.events import CallEvents, PbxDisconnected, PbxEvent


async def test_an_answer_to_a_cancelled_action_does_not_stop_the_session(
    asterisk: FakeAsterisk,
) -> None:
    """The dialer cancels a Hangup when an event tells it the call is gone; the Hangup's
    answer is already in the same TCP read. The reader must not die on it."""
    waiting: list[asyncio.Task[AmiMessage]] = []

    async def gone_then_answer(side: ServerSide, action: AmiMessage) -> None:
        aid = action.action_id or ""
        await side.send(
            b"Event: Hangup\r\nChannel: Local/a-1;1\r\nUniqueid: u1\r\nLinkedid: u1\r\n"
            b"Cause: 16\r\n\r\n"
            + f"Response: Success\r\nActionID: {aid}\r\nMessage: Channel Hungup\r\n\r\n".encode()
        )

    def on_message(message: AmiMessage) -> None:
        if message.event == "Hangup":
            for task in waiting:
                task.cancel()

    asterisk.handlers["Hangup"] = gone_then_answer
    session = AmiSession(fast_settings(asterisk.port, resync=False), on_message=on_message)
    await session.start()
    try:
        waiting.append(
            asyncio.create_task(session.send_action("Hangup", [("Channel", "Local/a-1;1")]))
        )
        with pytest.raises(asyncio.CancelledError):
            await waiting[0]
        pong = await session.send_action("Ping", timeout_s=0.5)
        assert pong.get("Ping") == "Pong"
    finally:
        await session.close()


async def test_a_list_whose_caller_gave_up_does_not_stop_the_session(
    asterisk: FakeAsterisk,
) -> None:
    waiting: list[asyncio.Task[object]] = []

    async def list_with_a_nudge(side: ServerSide, action: AmiMessage) -> None:
        aid = action.action_id or ""
        await side.send(
            f"Response: Success\r\nActionID: {aid}\r\nEventList: start\r\n\r\n"
            "Event: Nudge\r\n\r\n"
            f"Event: CoreShowChannelsComplete\r\nActionID: {aid}\r\nEventList: Complete\r\n"
            "ListItems: 0\r\n\r\n".encode()
        )

    def on_message(message: AmiMessage) -> None:
        if message.event == "Nudge":
            for task in waiting:
                task.cancel()

    asterisk.handlers["CoreShowChannels"] = list_with_a_nudge
    session = AmiSession(fast_settings(asterisk.port, resync=False), on_message=on_message)
    await session.start()
    try:
        waiting.append(asyncio.create_task(session.send_list_action("CoreShowChannels")))
        with pytest.raises(asyncio.CancelledError):
            await waiting[0]
        pong = await session.send_action("Ping", timeout_s=0.5)
        assert pong.get("Ping") == "Pong"
    finally:
        await session.close()


async def test_a_translator_that_fails_on_one_event_does_not_stop_the_session(
    asterisk: FakeAsterisk,
) -> None:
    """One event the translator cannot read must cost that event only, not every later one."""

    class Fragile(CallTranslator):
        def translate(self, message: AmiMessage, at: datetime) -> list[CallEvents]:
            if message.event == "FullyBooted":
                raise ValueError("an event the translator cannot read")
            return super().translate(message, at)

    async def then_a_call(side: ServerSide, action: AmiMessage) -> None:
        await side.send(
            b"Event: Newchannel\r\nChannel: Local/a@customers-00000001;1\r\n"
            b"Uniqueid: u1\r\nLinkedid: u1\r\n\r\n"
        )
        await side.reply(action, [("Response", "Success"), ("Ping", "Pong")])

    asterisk.handlers["Ping"] = then_a_call
    events: list[PbxEvent] = []
    session = AmiSession(
        fast_settings(asterisk.port, resync=False), translator=Fragile(), on_event=events.append
    )
    await session.start()
    try:
        pong = await session.send_action("Ping", timeout_s=0.5)
        assert pong.get("Ping") == "Pong"
        assert not any(isinstance(e, PbxDisconnected) for e in events)
    finally:
        await session.close()


async def test_a_failing_message_subscriber_does_not_stop_the_session(
    asterisk: FakeAsterisk,
) -> None:
    def broken(message: AmiMessage) -> None:
        if message.event == "FullyBooted":
            raise RuntimeError("a subscriber's bug")

    session = AmiSession(fast_settings(asterisk.port, resync=False), on_message=broken)
    await session.start()
    try:
        pong = await session.send_action("Ping", timeout_s=0.5)
        assert pong.get("Ping") == "Pong"
        assert session.connected
    finally:
        await session.close()
