"""pbxsim's FastAGI client against a tiny FastAGI server written in the test."""

from __future__ import annotations

import asyncio
import re
import wave
from collections.abc import Awaitable, Callable
from pathlib import Path

from pbxsim_client import BareAmi

from pbxsim.config import SimConfig
from pbxsim.fastagi import CallerScript, FastAgiCall
from pbxsim.sim import PbxSim
from recoup.clock import ScaledClock

F1_FIELDS = [
    "agi_network", "agi_network_script", "agi_request", "agi_channel", "agi_language",
    "agi_type", "agi_uniqueid", "agi_version", "agi_callerid", "agi_calleridname",
    "agi_callingpres", "agi_callingani2", "agi_callington", "agi_callingtns", "agi_dnid",
    "agi_rdnis", "agi_context", "agi_extension", "agi_priority", "agi_enhanced",
    "agi_accountcode", "agi_threadid",
]  # fmt: skip

Ivr = Callable[["AgiPeer"], Awaitable[None]]


class AgiPeer:
    """The server side of one session: the environment, then command -> reply."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.env: list[tuple[str, str]] = []
        self.unsolicited: list[str] = []

    async def read_env(self) -> None:
        while (line := (await self.reader.readline()).decode().rstrip("\n")) != "":
            key, _, value = line.partition(": ")
            self.env.append((key, value))

    async def line(self) -> str:
        return (await asyncio.wait_for(self.reader.readline(), 2)).decode().rstrip("\n")

    async def send(self, command: str) -> str:
        self.writer.write(f"{command}\n".encode())
        reply = await self.line()
        while reply == "HANGUP":
            self.unsolicited.append(reply)
            reply = await self.line()
        if reply.startswith("520-"):
            while not (more := await self.line()).startswith("520 "):
                reply += "\n" + more
            reply += "\n" + more
        return reply


async def run_call(
    ivr: Ivr, script: CallerScript, **options: object
) -> tuple[FastAgiCall, AgiPeer]:
    peers: list[AgiPeer] = []
    finished = asyncio.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = AgiPeer(reader, writer)
        peers.append(peer)
        await peer.read_env()
        await ivr(peer)
        writer.write_eof()
        rest = await reader.read()
        peer.unsolicited += [x for x in rest.decode().splitlines() if x]
        writer.close()
        finished.set()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    call = FastAgiCall("127.0.0.1", port, script, ScaledClock(20), **options)  # type: ignore[arg-type]
    status = await asyncio.wait_for(call.run(), 5)
    await asyncio.wait_for(finished.wait(), 2)
    server.close()
    assert status == call.status
    return call, peers[0]


async def test_environment_block_is_capture_f1s() -> None:
    async def ivr(peer: AgiPeer) -> None:
        await peer.send("ANSWER")

    call, peer = await run_call(ivr, CallerScript(caller_num="5551234"))

    assert [k for k, _ in peer.env] == F1_FIELDS
    env = dict(peer.env)
    assert env["agi_request"] == f"agi://127.0.0.1:{call.port}/ivr"
    assert env["agi_callerid"] == "5551234"
    assert env["agi_channel"].startswith("Local/s@inbound-")
    assert env["agi_channel"].endswith(";2")


async def test_collections_ivr_takes_a_promise_by_keypad(tmp_path: Path) -> None:
    replies: dict[str, str] = {}

    async def ivr(peer: AgiPeer) -> None:
        replies["answer"] = await peer.send("ANSWER")
        replies["menu"] = await peer.send('STREAM FILE menu "12"')
        replies["amount"] = await peer.send("GET DATA enter-amount 3000 6")
        replies["nothing"] = await peer.send("GET DATA enter-date 1000 4")
        replies["set"] = await peer.send('SET VARIABLE PROMISE "120"')
        replies["get"] = await peer.send("GET VARIABLE PROMISE")
        replies["say"] = await peer.send('SAY NUMBER 120 ""')
        replies["record"] = await peer.send('RECORD FILE /tmp/x/msg1 wav "#" 5000 0 BEEP s=2')
        replies["bad"] = await peer.send("FOO BAR")
        replies["usage"] = await peer.send("GET DATA")
        replies["app"] = await peer.send("EXEC NoSuchApplication foo")
        replies["hangup"] = await peer.send("HANGUP")

    script = CallerScript(digits=[(1.0, "2"), (2.5, "120#"), (13.0, "#")])
    call, peer = await run_call(ivr, script, record_dir=tmp_path)

    assert replies["answer"] == "200 result=0"
    menu = re.fullmatch(r"200 result=50 endpos=([0-9]+)", replies["menu"])  # '2' at 1 s
    assert menu is not None
    assert 7000 <= int(menu.group(1)) <= 8000
    assert replies["amount"] == "200 result=120"
    assert replies["nothing"] == "200 result= (timeout)"
    assert (replies["set"], replies["get"]) == ("200 result=1", "200 result=1 (120)")
    assert replies["say"] == "200 result=0"
    assert replies["record"].startswith("200 result=35 (dtmf) endpos=")
    assert replies["bad"] == "510 Invalid or unknown command"
    assert replies["usage"].startswith("520-Invalid command syntax.")
    assert replies["usage"].endswith("520 End of proper usage.")
    assert replies["app"] == "200 result=-2"
    assert replies["hangup"] == "200 result=1"
    assert "HANGUP" in peer.unsolicited
    assert call.status == "HANGUP"
    assert [e.command for e in call.log][:2] == ["ANSWER", 'STREAM FILE menu "12"']
    with wave.open(str(tmp_path / "msg1.wav")) as wav:
        assert wav.getframerate() == 8000
        assert wav.getnframes() > 4000  # from RECORD's start (~10 s) to the '#' (13 s)


async def test_caller_hanging_up_during_a_prompt_ends_it_then_511s() -> None:
    replies: list[str] = []

    async def ivr(peer: AgiPeer) -> None:
        replies.append(await peer.send("ANSWER"))
        replies.append(await peer.send('STREAM FILE demo-congrats "0123456789"'))
        replies.append(await peer.send("GET VARIABLE IVR_STEP"))
        replies.append(await peer.send('STREAM FILE beep ""'))
        replies.append(await peer.send("CHANNEL STATUS"))

    call, peer = await run_call(ivr, CallerScript(hangup_at=1.5))

    assert replies[1].startswith("200 result=-1 endpos=")
    assert 10000 <= int(replies[1].rsplit("=", 1)[1]) <= 14000
    assert replies[2] == "200 result=0"
    assert replies[3:] == ["511 Command Not Permitted on a dead channel or intercept routine"] * 2
    assert peer.unsolicited[0] == "HANGUP"
    assert call.status == "HANGUP"


async def test_caller_hanging_up_while_idle_gets_hangup_at_once() -> None:
    async def ivr(peer: AgiPeer) -> None:
        await peer.send("ANSWER")
        assert await peer.line() == "HANGUP"
        assert await peer.send("ANSWER") == (
            "511 Command Not Permitted on a dead channel or intercept routine"
        )

    call, peer = await run_call(ivr, CallerScript(hangup_at=0.5))

    assert peer.unsolicited == ["HANGUP"]  # again after the script's half-close
    assert call.status == "HANGUP"


async def test_script_ending_first_gets_hangup_and_success() -> None:
    async def ivr(peer: AgiPeer) -> None:
        await peer.send("ANSWER")
        await peer.send('SET VARIABLE IVR_RESULT "paid"')

    call, peer = await run_call(ivr, CallerScript())

    assert peer.unsolicited == ["HANGUP"]
    assert call.status == "SUCCESS"
    assert call.variables["IVR_RESULT"] == "paid"


async def ivr_server(ivr: Ivr) -> asyncio.Server:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = AgiPeer(reader, writer)
        await peer.read_env()
        await ivr(peer)
        writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0)


async def test_inbound_call_runs_the_ivr_and_shows_on_ami(tmp_path: Path) -> None:
    async def ivr(peer: AgiPeer) -> None:
        await peer.send("ANSWER")
        await peer.send("GET DATA balance-menu 3000 1")
        await peer.send("HANGUP")

    server = await ivr_server(ivr)
    config = SimConfig(recordings_dir=tmp_path)
    config.agi.port = server.sockets[0].getsockname()[1]
    async with PbxSim(config, ScaledClock(20)) as sim:
        events = sim.record_events()
        session = await asyncio.wait_for(
            sim.inbound_call(CallerScript(digits=[(1.0, "3")], hangup_at=20)), 5
        )
        await sim.wait_idle(5)
    server.close()

    assert [e.reply for e in session.log] == ["200 result=0", "200 result=3", "200 result=1"]
    names = [dict(e)["Event"] for e in events]
    assert names.count("AGIExecStart") == names.count("AGIExecEnd") == 3
    ends = [dict(e) for e in events if dict(e)["Event"] == "AGIExecEnd"]
    assert ends[1]["Command"] == "GET DATA balance-menu 3000 1"
    assert ends[1]["ResultCode"] == "200"
    hangups = [dict(e)["Channel"] for e in events if dict(e)["Event"] == "Hangup"]
    assert sorted(h[-2:] for h in hangups) == [";1", ";2"]


async def test_ami_originate_into_inbound_and_playdtmf_reach_the_ivr(tmp_path: Path) -> None:
    """Capture f1's way: Originate Local/s@inbound (Application Wait) and PlayDTMF on ;1."""
    replies: list[str] = []
    asked = asyncio.Event()

    async def ivr(peer: AgiPeer) -> None:
        replies.append(await peer.send("ANSWER"))
        asked.set()
        replies.append(await peer.send("WAIT FOR DIGIT 10000"))

    server = await ivr_server(ivr)
    config = SimConfig(recordings_dir=tmp_path)
    config.agi.port = server.sockets[0].getsockname()[1]
    async with PbxSim(config, ScaledClock(20)) as sim:
        ami = await BareAmi.connect(sim.host, sim.port)
        ami.send(
            "Originate",
            Channel="Local/s@inbound",
            Application="Wait",
            Data="40",
            CallerID='"Customer" <5551234>',
            Async="true",
        )
        answered = await ami.wait_event("OriginateResponse")
        await asyncio.wait_for(asked.wait(), 2)
        dtmf = await ami.action("PlayDTMF", Channel=answered["Channel"], Digit="7")
        await ami.wait_event("AGIExecEnd", Command="WAIT FOR DIGIT 10000")
        await ami.action("Hangup", Channel=answered["Channel"])
        await sim.wait_idle(5)
        await ami.close()
    server.close()

    assert dtmf["Message"] == "DTMF successfully queued"
    assert replies == ["200 result=0", "200 result=55"]
