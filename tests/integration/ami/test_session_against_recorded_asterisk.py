"""The AMI session against a TCP server that answers with real Asterisk 22 replies."""

from __future__ import annotations

import asyncio
import time

import pytest
from fake_asterisk import FakeAsterisk, ServerSide, fast_settings

from dialer.ami.errors import (
    ActionFailed,
    ActionTimeout,
    AuthenticationFailed,
    ConnectionLost,
    ExtensionDoesNotExist,
    NoSuchChannel,
    PermissionDenied,
    UnknownAction,
)
from dialer.ami.pbx import AsteriskPbx
from dialer.ami.protocol import AmiMessage, AmiProtocolError
from dialer.ami.session import AmiSession
from dialer.ami.translate import LAB_DIALPLAN, CallTranslator
from dialer.events import (
    CallAnswered,
    ChannelsSnapshot,
    HungUp,
    PbxConnected,
    PbxDisconnected,
    PbxEvent,
    QueueJoined,
    QueueSnapshot,
)


def a_session(asterisk: FakeAsterisk, **overrides: object) -> tuple[AmiSession, list[PbxEvent]]:
    events: list[PbxEvent] = []
    session = AmiSession(
        fast_settings(asterisk.port, **overrides),
        translator=CallTranslator(LAB_DIALPLAN),  # the captures are the lab's
        on_event=events.append,
    )
    return session, events


async def test_dialer_logs_in_with_an_md5_challenge_and_resyncs(asterisk: FakeAsterisk) -> None:
    session, events = a_session(asterisk)
    await session.start()
    try:
        login = next(m for m in asterisk.received if m.action == "Login")
        assert login.get("AuthType") == "MD5"
        assert "Secret" not in login  # the secret never crosses the wire
        kinds = [type(e) for e in events]
        assert kinds[:3] == [PbxConnected, ChannelsSnapshot, QueueSnapshot]
        queues = next(e for e in events if isinstance(e, QueueSnapshot)).queues
        assert [q.name for q in queues] == ["collections"]
    finally:
        await session.close()


async def test_plain_login_sends_the_secret(asterisk: FakeAsterisk) -> None:
    session, _ = a_session(asterisk, auth="plain", resync=False)
    await session.start()
    await session.close()
    login = next(m for m in asterisk.received if m.action == "Login")
    assert login.get("Secret") == "dialerpass"


@pytest.mark.parametrize("auth", ["md5", "plain"])
async def test_wrong_secret_fails_login_at_once_and_never_hangs(
    asterisk: FakeAsterisk, auth: str
) -> None:
    session, _ = a_session(asterisk, secret="wrong", auth=auth)
    began = time.monotonic()
    with pytest.raises(AuthenticationFailed, match="Authentication failed"):
        await session.start()
    assert time.monotonic() - began < 1.0
    assert not session.connected


async def test_action_before_login_is_permission_denied_and_the_line_stays_open(
    asterisk: FakeAsterisk,
) -> None:
    session, _ = a_session(asterisk)
    await session.connect(login=False)
    with pytest.raises(PermissionDenied):
        await session.send_action("CoreSettings")
    assert session.connected
    await session.close()


async def test_asterisk_refusals_become_clear_exceptions(asterisk: FakeAsterisk) -> None:
    session, _ = a_session(asterisk, resync=False)
    await session.start()
    pbx = AsteriskPbx(session)
    try:
        with pytest.raises(UnknownAction, match="Invalid/unknown command"):
            await session.send_action("PauseMonitor", [("Channel", "Local/x-1;1")])
        with pytest.raises(ActionFailed, match="'Interface' not specified"):
            await session.send_action("QueueAdd", [("Queue", "collections")])
        with pytest.raises(ActionFailed, match="No such queue"):
            await pbx.queue_add("nosuchqueue", "Local/agent9@agents/n")
        with pytest.raises(NoSuchChannel):
            await pbx.getvar("X", channel="Local/nosuch-00000000;1")
        with pytest.raises(NoSuchChannel):
            await pbx.hangup("Local/nosuch-00000000;1")
        assert session.connected  # refusals do not drop the connection
    finally:
        await session.close()


async def test_originate_to_a_missing_extension_is_refused_up_front(
    asterisk: FakeAsterisk,
) -> None:
    async def refuse(side: ServerSide, action: AmiMessage) -> None:
        await side.reply(action, [("Response", "Error"), ("Message", "Extension does not exist.")])

    asterisk.handlers["Originate"] = refuse
    session, _ = a_session(asterisk, resync=False)
    await session.start()
    try:
        with pytest.raises(ExtensionDoesNotExist):
            await AsteriskPbx(session).originate(
                "Local/shorthang@customers", context="nosuchcontext", exten="s"
            )
    finally:
        await session.close()


async def test_answered_originate_flows_to_domain_events(asterisk: FakeAsterisk) -> None:
    session, events = a_session(asterisk, resync=False)
    await session.start()
    try:
        queued = await AsteriskPbx(session).originate(
            "Local/answer@customers",
            context="dialer-out",
            exten="s",
            caller_id='"Collections" <5551000>',
            account="camp42",
            channel_id="dialer-lead0001-try1",
            variables={"DIALER_CAMPAIGN": "camp42", "DIALER_LEAD": "lead0001"},
            action_id="attempt-77",
        )
        assert queued.action_id == "attempt-77"
        for _ in range(100):
            if any(isinstance(e, HungUp) for e in events):
                break
            await asyncio.sleep(0.01)
        answered = next(e for e in events if isinstance(e, CallAnswered))
        assert answered.action_id == "attempt-77"  # the capture's ActionID, rewritten
        assert answered.lead == "lead0001"
        assert any(isinstance(e, QueueJoined) for e in events)
        sent = next(m for m in asterisk.received if m.action == "Originate")
        assert sent.get_all("Variable") == ["DIALER_CAMPAIGN=camp42", "DIALER_LEAD=lead0001"]
    finally:
        await session.close()


async def test_list_reply_is_gathered_whole_with_other_events_interleaved(
    asterisk: FakeAsterisk,
) -> None:
    async def interleaved(side: ServerSide, action: AmiMessage) -> None:
        aid = action.action_id or ""
        await side.send(
            f"Response: Success\r\nActionID: {aid}\r\nEventList: start\r\n"
            "Message: Queue status will follow\r\n\r\n"
            f"Event: QueueParams\r\nQueue: collections\r\nCalls: 1\r\nActionID: {aid}\r\n\r\n"
            "Event: Newexten\r\nChannel: Local/a-1;1\r\nUniqueid: u1\r\nLinkedid: u1\r\n\r\n"
            f"Event: QueueMember\r\nQueue: collections\r\nName: agent1\r\n"
            f"Location: Local/agent1@agents/n\r\nStatus: 1\r\nPaused: 1\r\nActionID: {aid}\r\n\r\n"
            "Event: QueueMemberStatus\r\nQueue: collections\r\n\r\n"
            f"Event: QueueStatusComplete\r\nActionID: {aid}\r\nEventList: Complete\r\n"
            "ListItems: 2\r\n\r\n".encode()
        )

    asterisk.handlers["QueueStatus"] = interleaved
    seen: list[AmiMessage] = []
    session = AmiSession(fast_settings(asterisk.port, resync=False), on_message=seen.append)
    await session.start()
    try:
        (queue,) = await AsteriskPbx(session).queue_status()
        assert queue.calls == 1
        (member,) = queue.members
        assert (member.name, member.interface, member.paused) == (
            "agent1",
            "Local/agent1@agents/n",
            True,
        )
        assert [m.event for m in seen] == ["FullyBooted", "Newexten", "QueueMemberStatus"]
    finally:
        await session.close()


async def test_core_show_channels_reads_the_live_call(asterisk: FakeAsterisk) -> None:
    session, _ = a_session(asterisk, resync=False)
    await session.start()
    pbx = AsteriskPbx(session)
    try:
        assert await pbx.core_show_channels() == ()  # idle, as in capture d
        channels = await pbx.core_show_channels()  # the live agent call
        assert {c.linkedid for c in channels} == {"1795459323.10"}
        assert any(c.channel == "Local/answer@customers-00000005;2" for c in channels)
    finally:
        await session.close()


async def test_command_output_is_always_a_list(asterisk: FakeAsterisk) -> None:
    session, _ = a_session(asterisk, resync=False)
    await session.start()
    try:
        lines = await AsteriskPbx(session).command("core show version")
        assert lines == [
            "Asterisk 22.10.1 built by root @ vm on a x86_64 running Linux on "
            "2026-11-23 18:28:19 UTC"
        ]
        settings = await AsteriskPbx(session).core_settings()
        assert settings["AsteriskVersion"] == "22.10.1"
    finally:
        await session.close()


async def test_unanswered_action_times_out_and_is_forgotten(asterisk: FakeAsterisk) -> None:
    async def silence(side: ServerSide, action: AmiMessage) -> None:
        return None

    asterisk.handlers["CoreStatus"] = silence
    session, _ = a_session(asterisk, resync=False)
    await session.start()
    try:
        with pytest.raises(ActionTimeout, match=r"CoreStatus \(ActionID recoup-[0-9a-f]{8}-\d+\)"):
            await session.send_action("CoreStatus", timeout_s=0.05)
        assert session._conn is not None
        assert session._conn.pending == {}
        await AsteriskPbx(session).ping()  # the line still works
    finally:
        await session.close()


async def test_connection_cut_mid_list_fails_the_caller_with_connection_lost(
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
    session, events = a_session(asterisk, resync=False)
    await session.start()
    try:
        with pytest.raises(ConnectionLost, match="in the middle of its list"):
            await AsteriskPbx(session).core_show_channels()
        assert any(isinstance(e, PbxDisconnected) for e in events)
    finally:
        await session.close()


async def test_half_sent_block_then_close_fails_the_caller(asterisk: FakeAsterisk) -> None:
    async def half(side: ServerSide, action: AmiMessage) -> None:
        await side.send(f"Response: Success\r\nActionID: {action.action_id}\r\nPing: Po".encode())
        side.close()

    asterisk.handlers["Ping"] = half
    session, _ = a_session(asterisk, resync=False)
    await session.start()
    try:
        with pytest.raises(ConnectionLost):
            await session.send_action("Ping")
    finally:
        await session.close()


async def test_garbage_bytes_do_not_stop_the_session(asterisk: FakeAsterisk) -> None:
    async def garbage(side: ServerSide, action: AmiMessage) -> None:
        await side.send(b"\x00\xff\xfegarbage line\r\n\x01\x02\r\n\r\n")
        await side.reply(action, [("Response", "Success"), ("Ping", "Pong")])

    asterisk.handlers["Ping"] = garbage
    session, _ = a_session(asterisk, resync=False)
    await session.start()
    try:
        response = await session.send_action("Ping")
        assert response.get("Ping") == "Pong"
    finally:
        await session.close()


async def test_a_one_megabyte_event_is_delivered_whole(asterisk: FakeAsterisk) -> None:
    payload = "é" * (512 * 1024)  # 1 MB of two-byte characters, cut anywhere by TCP

    async def big(side: ServerSide, action: AmiMessage) -> None:
        await side.send(f"Event: UserEvent\r\nUserEvent: Bulk\r\nData: {payload}\r\n\r\n".encode())
        await side.reply(action, [("Response", "Success"), ("Ping", "Pong")])

    asterisk.handlers["Ping"] = big
    seen: list[AmiMessage] = []
    session = AmiSession(fast_settings(asterisk.port, resync=False), on_message=seen.append)
    await session.start()
    try:
        await session.send_action("Ping")
        bulk = next(m for m in seen if m.get("UserEvent") == "Bulk")
        assert bulk.get("Data") == payload
    finally:
        await session.close()


async def test_oversized_stream_drops_the_connection_instead_of_growing(
    asterisk: FakeAsterisk,
) -> None:
    async def endless(side: ServerSide, action: AmiMessage) -> None:
        await side.send(b"Event: Endless\r\nData: " + b"z" * 200_000)

    asterisk.handlers["Ping"] = endless
    session, events = a_session(asterisk, resync=False)
    await session.start()
    assert session._conn is not None
    session._conn.parser.max_message_bytes = 100_000
    try:
        with pytest.raises(ConnectionLost, match="grew past"):
            await session.send_action("Ping")
        (dropped,) = [e for e in events if isinstance(e, PbxDisconnected)]
        assert "AMI stream broken" in dropped.reason
    finally:
        await session.close()


async def test_wedged_asterisk_is_dropped_after_missed_pings_and_reconnected(
    asterisk: FakeAsterisk,
) -> None:
    session, events = a_session(
        asterisk, ping_interval_s=0.02, ping_timeout_s=0.03, pings_missed_limit=2
    )
    await session.start()
    try:
        asterisk.wedged = True
        for _ in range(100):
            if any(isinstance(e, PbxDisconnected) for e in events):
                break
            await asyncio.sleep(0.01)
        (dropped,) = [e for e in events if isinstance(e, PbxDisconnected)]
        assert "2 pings unanswered" in dropped.reason
        asterisk.wedged = False
        await session.wait_connected(within_s=2.0)
        reconnected = [e for e in events if isinstance(e, PbxConnected)]
        assert [e.reconnect for e in reconnected] == [False, True]
        assert asterisk.connections == 2
    finally:
        await session.close()


async def test_after_a_reconnect_the_dialer_gets_fresh_snapshots(asterisk: FakeAsterisk) -> None:
    session, events = a_session(asterisk)
    await session.start()
    try:
        before = len([e for e in events if isinstance(e, ChannelsSnapshot)])
        asterisk.drop_all()
        for _ in range(200):
            if len([e for e in events if isinstance(e, QueueSnapshot)]) == 2:
                break
            await asyncio.sleep(0.01)
        kinds = [type(e).__name__ for e in events]
        assert kinds == [
            "PbxConnected",
            "ChannelsSnapshot",
            "QueueSnapshot",
            "PbxDisconnected",
            "PbxConnected",
            "ChannelsSnapshot",
            "QueueSnapshot",
        ]
        assert before == 1
    finally:
        await session.close()


async def test_pending_actions_fail_when_the_connection_drops(asterisk: FakeAsterisk) -> None:
    async def silence(side: ServerSide, action: AmiMessage) -> None:
        return None

    asterisk.handlers["CoreStatus"] = silence
    session, _ = a_session(asterisk, resync=False, action_timeout_s=5.0)
    await session.start()
    try:
        waiting = asyncio.create_task(session.send_action("CoreStatus"))
        await asyncio.sleep(0.02)
        asterisk.drop_all()
        with pytest.raises(ConnectionLost):
            await asyncio.wait_for(waiting, 1.0)
    finally:
        await session.close()


async def test_no_asterisk_listening_is_connection_lost_not_a_hang() -> None:
    session = AmiSession(fast_settings(1))  # nothing listens on port 1
    with pytest.raises(ConnectionLost, match="cannot reach"):
        await session.start()


async def test_a_value_with_a_line_break_is_never_sent(asterisk: FakeAsterisk) -> None:
    session, _ = a_session(asterisk, resync=False)
    await session.start()
    try:
        with pytest.raises(AmiProtocolError):
            await AsteriskPbx(session).setvar("NAME", "Bob\r\nAction: Hangup", channel="X")
        assert not any(m.action == "Hangup" for m in asterisk.received)
    finally:
        await session.close()


async def test_an_action_while_reconnecting_fails_fast_instead_of_being_refused(
    asterisk: FakeAsterisk,
) -> None:
    session, _ = a_session(asterisk, resync=False)
    await session.start()
    slow_login = asyncio.Event()

    async def held_login(side: ServerSide, action: AmiMessage) -> None:
        await slow_login.wait()
        await asterisk._on_login(side, action)

    try:
        asterisk.handlers["Login"] = held_login
        asterisk.drop_all()
        for _ in range(100):
            if any(m.action == "Challenge" for m in asterisk.received[2:]):
                break
            await asyncio.sleep(0.01)
        with pytest.raises(ConnectionLost, match="not logged in to Asterisk yet"):
            await session.send_action("Ping")
        slow_login.set()
        await session.wait_connected(within_s=1.0)
        assert (await session.send_action("Ping")).get("Ping") == "Pong"
    finally:
        slow_login.set()
        await session.close()
