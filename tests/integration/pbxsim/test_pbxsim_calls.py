"""pbxsim's call engine seen from an AMI client: outcomes, agents, queue, AMD, recording, spy."""

from __future__ import annotations

import array
import asyncio
import math
import time
import wave
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pbxsim_client import BareAmi

from pbxsim.behaviour import HangupBy, Outcome, PartyBehaviour
from pbxsim.config import SimConfig
from pbxsim.sim import PbxSim
from recoup.clock import ScaledClock

SCALE = 100.0


@pytest.fixture
async def sim(tmp_path: Path) -> AsyncIterator[PbxSim]:
    config = SimConfig(recordings_dir=tmp_path / "rec", agent_answer_delay=0.5)
    async with PbxSim(config, ScaledClock(SCALE)) as running:
        yield running
        assert not running.pbx.errors


@pytest.fixture
async def ami(sim: PbxSim) -> AsyncIterator[BareAmi]:
    client = await BareAmi.connect(sim.host, sim.port)
    yield client
    await client.close()


def originate(ami: BareAmi, number: str, exten: str = "s", **extra: str) -> str:
    return ami.send(
        "Originate",
        ("Variable", "DIALER_LEAD=lead1"),
        Channel=f"Local/{number}@customers",
        Context="dialer-out",
        Exten=exten,
        Priority="1",
        Timeout="20000",
        CallerID='"Collections" <5551000>',
        Async="true",
        **extra,
    )


async def test_answered_call_reaches_the_agent_and_leaves_an_audible_recording(
    sim: PbxSim, ami: BareAmi, tmp_path: Path
) -> None:
    sim.login_agent("agent1")
    sim.script("5550001", PartyBehaviour(Outcome.ANSWER, ring_time=2, talk_time=6))
    originate(ami, "5550001", ChannelId="lead1-try1")

    response = await ami.wait_event("OriginateResponse")
    connect = await ami.wait_event("AgentConnect")
    complete = await ami.wait_event("AgentComplete", within=5)
    await sim.wait_idle(5)

    assert (response["Response"], response["Reason"], response["Uniqueid"]) == (
        "Success",
        "4",
        "lead1-try1",
    )
    assert ami.named("DialState")[0]["DialStatus"] == "RINGING"
    assert connect["MemberName"] == "agent1"
    assert complete["Reason"] == "caller"
    with wave.open(str(tmp_path / "rec" / "lead1-try1.wav")) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (8000, 1, 2)
        frames = wav.readframes(wav.getnframes())
    assert wav.getnframes() > 8000 * 5  # about 6.5 s: hold + talk
    samples = array.array("h", frames)
    assert math.sqrt(sum(x * x for x in samples) / len(samples)) > 500


async def test_agent_rings_until_the_test_answers_for_them(sim: PbxSim, ami: BareAmi) -> None:
    sim.set_auto_answer(False)
    sim.login_agent("agent1")
    sim.script("5550002", PartyBehaviour(Outcome.ANSWER, talk_time=3, patience=60))
    originate(ami, "5550002")

    called = await ami.wait_event("AgentCalled")
    await sim.clock.sleep(5)
    assert not ami.named("AgentConnect")
    assert sim.ringing() == ["agent1"]
    assert sim.answer("agent1")
    connect = await ami.wait_event("AgentConnect")

    assert called["MemberName"] == connect["MemberName"] == "agent1"
    assert int(connect["HoldTime"]) >= 5


async def test_unanswered_member_is_given_up_after_the_queue_timeout(
    sim: PbxSim, ami: BareAmi
) -> None:
    sim.set_auto_answer(False)
    sim.login_agent("agent1")
    sim.login_agent("agent2")
    sim.script("5550003", PartyBehaviour(Outcome.ANSWER, talk_time=3, patience=40))
    originate(ami, "5550003")

    no_answer = await ami.wait_event("AgentRingNoAnswer")
    second = await ami.wait_for(
        lambda m: m.event == "AgentCalled" and m.get("MemberName") == "agent2"
    )

    assert no_answer["MemberName"] == "agent1"
    assert second["Queue"] == "collections"


@pytest.mark.parametrize(
    ("outcome", "reason", "cause"),
    [(Outcome.BUSY, "5", "17"), (Outcome.NOANSWER, "3", "19"), (Outcome.CONGESTION, "8", "34")],
)
async def test_failed_calls_report_asterisks_reasons_and_causes(
    sim: PbxSim, ami: BareAmi, outcome: Outcome, reason: str, cause: str
) -> None:
    sim.script("5550004", PartyBehaviour(outcome, ring_time=1))
    originate(ami, "5550004")

    response = await ami.wait_event("OriginateResponse")
    hangup = await ami.wait_for(
        lambda m: m.event == "Hangup" and m.get("Channel", "").endswith(";2")
    )

    assert (response["Response"], response["Reason"]) == ("Failure", reason)
    assert response["Channel"] == "Local/5550004@customers"
    assert hangup["Cause"] == cause


async def test_customer_hangs_up_in_the_queue_when_nobody_answers(
    sim: PbxSim, ami: BareAmi
) -> None:
    sim.set_auto_answer(False)
    sim.login_agent("agent1")
    sim.script("5550005", PartyBehaviour(Outcome.ANSWER, patience=3))
    originate(ami, "5550005")

    abandon = await ami.wait_event("QueueCallerAbandon")
    leave = await ami.wait_event("QueueCallerLeave")
    await sim.wait_idle(5)

    assert int(abandon["HoldTime"]) >= 2
    assert leave["Count"] == "0"
    assert not ami.named("AgentConnect")


async def test_with_every_agent_paused_the_caller_never_joins(sim: PbxSim, ami: BareAmi) -> None:
    sim.login_agent("agent1", paused=True)
    originate(ami, "answer")

    status = await ami.wait_for(
        lambda m: m.event == "VarSet" and m.get("Variable") == "QUEUESTATUS"
    )
    await sim.wait_idle(5)

    assert status["Value"] == "JOINEMPTY"
    assert not ami.named("QueueCallerJoin")


async def test_agent_may_end_the_call_first(sim: PbxSim, ami: BareAmi) -> None:
    sim.login_agent("agent1")
    sim.script("5550006", PartyBehaviour(Outcome.ANSWER, talk_time=2, hangup_by=HangupBy.AGENT))
    originate(ami, "5550006")

    complete = await ami.wait_event("AgentComplete")
    await sim.wait_idle(5)

    assert complete["Reason"] == "agent"
    member = sim.pbx.queues["collections"].members["Local/agent1@agents/n"]
    assert (member.calls_taken, member.in_call) == (1, False)


@pytest.mark.parametrize(
    ("outcome", "status"), [(Outcome.MACHINE, "MACHINE"), (Outcome.ANSWER, "HUMAN")]
)
async def test_amd_exten_sets_amdstatus(
    sim: PbxSim, ami: BareAmi, outcome: Outcome, status: str
) -> None:
    sim.login_agent("agent1")
    sim.script("5550007", PartyBehaviour(outcome, talk_time=5))
    originate(ami, "5550007", exten="amd")

    amd = await ami.wait_for(lambda m: m.event == "VarSet" and m.get("Variable") == "AMDSTATUS")
    await sim.wait_idle(5)

    assert amd["Value"] == status
    assert bool(ami.named("QueueCallerJoin")) is (status == "HUMAN")


async def test_supervisor_listens_to_a_live_call(sim: PbxSim, ami: BareAmi) -> None:
    sim.login_agent("agent1")
    sim.script("5550008", PartyBehaviour(Outcome.ANSWER, talk_time=10))
    originate(ami, "5550008")
    connect = await ami.wait_event("AgentConnect")
    customer = connect["Channel"]

    ami.send(
        "Originate",
        ("Variable", f"SPYTARGET={customer}"),
        Channel="Local/s@spy",
        Application="Wait",
        Data="30",
        CallerID='"Supervisor" <9000>',
        Async="true",
    )
    start = await ami.wait_event("ChanSpyStart")
    stop = await ami.wait_event("ChanSpyStop", within=5)
    await sim.wait_idle(5)

    assert start["SpyeeChannel"] == stop["SpyeeChannel"] == customer
    assert start["SpyerChannel"].startswith("Local/s@spy-")


async def test_time_scale_runs_a_twenty_second_call_in_a_fraction_of_a_second(
    sim: PbxSim, ami: BareAmi
) -> None:
    sim.login_agent("agent1")
    began = time.monotonic()
    simulated = sim.clock.monotonic()
    originate(ami, "answer")  # the lab's customer: answers, hangs up after 20 s

    await ami.wait_event("AgentComplete", within=5)
    await sim.wait_idle(5)

    assert time.monotonic() - began < 20 / SCALE * 10  # 2 s of real time at most
    assert sim.clock.monotonic() - simulated >= 20


async def test_ami_hangup_and_unknown_channel(sim: PbxSim, ami: BareAmi) -> None:
    sim.login_agent("agent1")
    sim.script("5550009", PartyBehaviour(Outcome.ANSWER, talk_time=100))
    originate(ami, "5550009")
    connect = await ami.wait_event("AgentConnect")

    hung = await ami.action("Hangup", Channel=connect["Channel"], Cause="16")
    missing = await ami.action("Hangup", Channel="Local/nosuch-00000000;1")
    await sim.wait_idle(5)

    assert hung["Message"] == "Channel Hungup"
    assert missing["Message"] == "No such channel"
    assert ami.named("AgentComplete")[0]["Reason"] == "caller"


async def test_many_drawn_calls_end_and_leave_the_pbx_idle(tmp_path: Path) -> None:
    config = SimConfig(recordings_dir=tmp_path / "rec", record=False)
    config.behaviour.reseed(5)
    async with PbxSim(config, ScaledClock(2000)) as fast:
        ami = await BareAmi.connect(fast.host, fast.port)
        fast.login_agent("agent1")
        fast.login_agent("agent2")
        for n in range(20):
            originate(ami, f"55510{n:02d}")
        await asyncio.sleep(0.05)
        await fast.wait_idle(20)
        await ami.close()

    responses = ami.named("OriginateResponse")
    assert len(responses) == 20
    assert not fast.pbx.channels.live
    assert {r["Reason"] for r in responses} <= {"3", "4", "5", "8"}
    assert not fast.pbx.errors


async def test_mixmonitor_mute_writes_silence_and_stop_takes_the_id(tmp_path: Path) -> None:
    # a slow clock: the mute starts when the action arrives, so latency must stay small
    async with PbxSim(SimConfig(recordings_dir=tmp_path / "rec"), ScaledClock(10)) as slow:
        ami = await BareAmi.connect(slow.host, slow.port)
        ami.send(
            "Originate",
            Channel="Local/talk@customers2",
            Context="dialer-rec",
            Exten="s",
            Priority="1",
            Async="true",
            ChannelId="lead-j",
        )
        channel = (await ami.wait_event("MixMonitorStart"))["Channel"]
        mix_id = (await ami.action("Getvar", Channel=channel, Variable="MIXID"))["Value"]
        await slow.clock.sleep(2)
        await ami.action("MixMonitorMute", Channel=channel, Direction="both", State="1")
        await slow.clock.sleep(3)
        await ami.action("MixMonitorMute", Channel=channel, Direction="both", State="0")
        await slow.clock.sleep(1)
        wrong = await ami.action("StopMixMonitor", Channel=channel, MixMonitorID="0x0000dead")
        stopped = await ami.action("StopMixMonitor", Channel=channel, MixMonitorID=mix_id)
        await ami.wait_event("MixMonitorStop")
        await ami.action("Hangup", Channel=channel)
        await slow.wait_idle(5)
        await ami.close()

    assert wrong["Message"] == "Could not stop monitoring channel"
    assert stopped["Response"] == "Success"
    with wave.open(str(tmp_path / "rec" / "lead-j.wav")) as wav:
        pcm = wav.readframes(wav.getnframes())
    second = 8000 * 2
    muted = pcm[int(2.5 * second) : int(4.5 * second)]  # inside the 2 s..5 s mute
    assert muted == bytes(len(muted))
    assert pcm[: second // 2] != bytes(second // 2)


async def test_sync_originate_answers_once_the_call_is_up(sim: PbxSim, ami: BareAmi) -> None:
    sim.login_agent("agent1")
    sim.script("5550010", PartyBehaviour(Outcome.ANSWER, ring_time=3, talk_time=2))

    reply = await ami.action(
        "Originate",
        Channel="Local/5550010@customers",
        Context="dialer-out",
        Exten="s",
        Priority="1",
    )
    failed = await ami.action(
        "Originate", Channel="Local/busy@customers", Context="dialer-out", Exten="s", Priority="1"
    )
    await sim.wait_idle(5)

    assert reply["Message"] == "Originate successfully queued"
    assert ami.named("Newstate")  # the call rang and was answered before the response
    assert (failed["Response"], failed["Message"]) == ("Error", "Originate failed")
    assert not ami.named("OriginateResponse")


async def test_noise_rate_zero_leaves_only_the_events_that_matter(tmp_path: Path) -> None:
    config = SimConfig(recordings_dir=tmp_path, noise=0.0, record=False)
    async with PbxSim(config, ScaledClock(SCALE)) as quiet:
        events = quiet.record_events()
        quiet.login_agent("agent1")
        client = await BareAmi.connect(quiet.host, quiet.port)
        originate(client, "answer")
        await client.wait_event("AgentComplete")
        await quiet.wait_idle(5)
        await client.close()

    names = {dict(e)["Event"] for e in events}
    assert "Newexten" not in names
    assert {"AgentConnect", "Hangup", "Cdr"} <= names


async def test_a_pjsip_member_takes_calls_too(sim: PbxSim, ami: BareAmi) -> None:
    sim.login_agent("agent5", interface="PJSIP/agent5")
    sim.script("5550011", PartyBehaviour(Outcome.ANSWER, talk_time=2))
    originate(ami, "5550011")

    connect = await ami.wait_event("AgentConnect")
    await sim.wait_idle(5)

    assert (connect["Interface"], connect["MemberName"]) == ("PJSIP/agent5", "agent5")
    member = sim.pbx.queues["collections"].members["PJSIP/agent5"]
    assert (member.calls_taken, int(member.status)) == (1, 1)


async def test_same_seed_gives_the_same_day_over_ami(tmp_path: Path) -> None:
    async def one_day() -> dict[str, str]:
        config = SimConfig(recordings_dir=tmp_path, record=False)
        config.behaviour.reseed(11)
        async with PbxSim(config, ScaledClock(2000)) as day:
            day.login_agent("agent1")
            ami = await BareAmi.connect(day.host, day.port)
            for n in range(12):
                await ami.action(
                    "Originate",
                    Channel=f"Local/55530{n:02d}@customers",
                    Context="dialer-out",
                    Exten="s",
                    Priority="1",
                    Async="true",
                    Timeout="20000",
                )
            await asyncio.sleep(0.05)
            await day.wait_idle(20)
            await ami.close()
        return {r["ActionID"]: r["Reason"] for r in ami.named("OriginateResponse") if r.action_id}

    first, second = await one_day(), await one_day()

    assert first == second
    assert len(set(first.values())) > 1  # a mix of outcomes, not one
