"""pbxsim running Recoup's production dialplan, driven by the dialer's own AMI client.

The names (contexts, variables, UserEvents) are those of asterisk_conf/extensions_recoup.conf;
the last tests read that file so pbxsim's recoup profile cannot drift from it.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from dialer.ami.errors import ActionFailed
from dialer.ami.pbx import AsteriskPbx
from dialer.ami.session import AmiSession, AmiSettings
from dialer.events import (
    AgentCompleted,
    AgentConnected,
    AmdResult,
    AmdStatus,
    CallEvent,
    CallFailed,
    FailReason,
    HungUp,
    PbxEvent,
    QueueAbandoned,
    QueueJoined,
    RecordingStarted,
    SpyStarted,
    SpyStopped,
)
from pbxsim.behaviour import HangupBy, Outcome, PartyBehaviour
from pbxsim.calls import OriginateRequest
from pbxsim.config import RECOUP_GLOBALS, RECOUP_VARSETS, SimConfig
from pbxsim.sim import PbxSim
from recoup.bus.event import event_type
from recoup.clock import ScaledClock

CONF = Path(__file__).parents[3] / "asterisk_conf"
CUSTOMER = "+15550001"


@pytest.fixture
async def sim(tmp_path: Path) -> AsyncIterator[PbxSim]:
    config = SimConfig.recoup(["recoup-spring"], recordings_dir=tmp_path / "rec")
    async with PbxSim(config, ScaledClock(100.0)) as running:
        running.record_events()
        yield running


class Dialer:
    """The dialer's AMI session and typed actions, with the events it received."""

    def __init__(self, session: AmiSession, events: list[PbxEvent]) -> None:
        self.session = session
        self.pbx = AsteriskPbx(session)
        self.events = events

    def of(self, linkedid: str) -> list[CallEvent]:
        return [e for e in self.events if isinstance(e, CallEvent) and e.linkedid == linkedid]

    def story(self, linkedid: str) -> list[str]:
        return [event_type(e) for e in self.of(linkedid)]

    async def until(self, test: Callable[[PbxEvent], bool], within: float = 5.0) -> PbxEvent:
        for _ in range(int(within / 0.01)):
            found = next((e for e in self.events if test(e)), None)
            if found is not None:
                return found
            await asyncio.sleep(0.01)
        pytest.fail(f"not seen in {[event_type(e) for e in self.events]}")

    async def originate(self, number: str, attempt: str, **variables: str) -> None:
        await self.pbx.originate(
            f"Local/{number}@recoup-outbound/n",
            context="recoup-dialer",
            exten="s",
            priority=1,
            timeout_ms=20000,
            caller_id='"Acme" <+15551000>',
            channel_id=attempt,
            variables={
                "RECOUP_CAMPAIGN": "spring",
                "RECOUP_LEAD": f"lead-{attempt}",
                "RECOUP_DEBT": "debt9",
                "RECOUP_AMD": "0",
                "RECOUP_ON_MACHINE": "hangup",
                "RECOUP_ALL_PARTY_CONSENT": "0",
                "RECOUP_QUEUE": "recoup-spring",
                **variables,
            },
        )


@pytest.fixture
async def dialer(sim: PbxSim) -> AsyncIterator[Dialer]:
    settings = AmiSettings(
        host=sim.host, port=sim.port, username="dialer", secret="dialerpass", action_timeout_s=2.0
    )
    events: list[PbxEvent] = []
    running = Dialer(AmiSession(settings, on_event=events.append), events)
    await running.session.start()
    yield running
    await running.session.close()


def user_events(sim: PbxSim, name: str) -> list[dict[str, str]]:
    return [dict(e) for e in sim.events if ("UserEvent", name) in e]


def ended(linkedid: str) -> Callable[[PbxEvent], bool]:
    return lambda e: isinstance(e, HungUp) and e.linkedid == linkedid


async def test_human_with_amd_is_queued_connected_and_completed(
    sim: PbxSim, dialer: Dialer
) -> None:
    sim.login_agent("1001", queues=("recoup-spring",))
    sim.script(CUSTOMER, PartyBehaviour(Outcome.ANSWER, ring_time=1, talk_time=5, patience=30))
    await dialer.originate(CUSTOMER, "try1", RECOUP_AMD="1")
    await dialer.until(ended("try1"))
    story = dialer.story("try1")
    expected = [
        "call_originated",
        "call_answered",
        "recording_started",
        "amd_result",
        "queue_joined",
        "agent_called",
        "agent_connected",
        "agent_completed",
    ]
    assert [step for step in story if step in expected] == expected
    assert story[-1] == "hung_up"
    assert all((e.campaign, e.lead) == ("spring", "lead-try1") for e in dialer.of("try1"))
    amd = next(e for e in dialer.of("try1") if isinstance(e, AmdResult))
    assert amd.status is AmdStatus.HUMAN
    joined = next(e for e in dialer.of("try1") if isinstance(e, QueueJoined))
    assert joined.queue == "recoup-spring"
    connected = next(e for e in dialer.of("try1") if isinstance(e, AgentConnected))
    assert (connected.member, connected.interface) == ("1001", "Local/1001@recoup-agents/n")
    recording = next(e for e in dialer.of("try1") if isinstance(e, RecordingStarted))
    assert recording.mixmonitor_id is not None
    assert recording.mixmonitor_id.startswith("0x")
    (amd_event,) = user_events(sim, "RecoupAMD")
    assert (amd_event["AMDStatus"], amd_event["Action"]) == ("HUMAN", "queue")
    (call_ended,) = user_events(sim, "RecoupCallEnded")
    assert call_ended["Result"] == "AGENT"
    assert call_ended["MemberInterface"] == "Local/1001@recoup-agents/n"
    assert call_ended["Queue"] == "recoup-spring"
    assert call_ended["MixMonitorID"] == recording.mixmonitor_id
    (dial_ended,) = user_events(sim, "RecoupDialEnded")
    assert (dial_ended["Number"], dial_ended["DialStatus"]) == (CUSTOMER, "ANSWER")


async def test_agent_ending_the_call_completes_it_as_the_agents(
    sim: PbxSim, dialer: Dialer
) -> None:
    sim.login_agent("1002")  # the default queue, collections
    sim.script(
        CUSTOMER,
        PartyBehaviour(Outcome.ANSWER, ring_time=0, talk_time=4, hangup_by=HangupBy.AGENT),
    )
    await dialer.originate(CUSTOMER, "try2", RECOUP_QUEUE="collections")
    await dialer.until(ended("try2"))
    completed = next(e for e in dialer.of("try2") if isinstance(e, AgentCompleted))
    assert completed.ended_by == "agent"
    assert completed.queue == "collections"
    (call_ended,) = user_events(sim, "RecoupCallEnded")
    assert call_ended["Result"] == "AGENT"


@pytest.mark.parametrize(
    ("on_machine", "result"), [("hangup", "MACHINE"), ("message", "MACHINE_MESSAGE")]
)
async def test_machine_is_hung_up_or_gets_the_message(
    sim: PbxSim, dialer: Dialer, on_machine: str, result: str
) -> None:
    sim.login_agent("1001", queues=("recoup-spring",))
    # The greeting outlasts AMD by far: at x50 a loaded machine must not let it hang up first.
    sim.script(CUSTOMER, PartyBehaviour(Outcome.MACHINE, ring_time=1, talk_time=30))
    await dialer.originate(CUSTOMER, "try3", RECOUP_AMD="1", RECOUP_ON_MACHINE=on_machine)
    await dialer.until(ended("try3"), within=8)
    story = dialer.story("try3")
    assert "queue_joined" not in story
    amd = next(e for e in dialer.of("try3") if isinstance(e, AmdResult))
    assert amd.status is AmdStatus.MACHINE
    (amd_event,) = user_events(sim, "RecoupAMD")
    assert amd_event["Action"] == on_machine
    (call_ended,) = user_events(sim, "RecoupCallEnded")
    assert call_ended["Result"] == result
    playbacks = [dict(e).get("AppData") for e in sim.events if ("Application", "Playback") in e]
    assert (RECOUP_GLOBALS["RECOUP_MACHINE_PROMPT"] in playbacks) is (on_machine == "message")


@pytest.mark.parametrize(
    ("outcome", "reason", "dial_status"),
    [
        (Outcome.BUSY, FailReason.BUSY, "BUSY"),
        (Outcome.NOANSWER, FailReason.NO_ANSWER, "NOANSWER"),
        (Outcome.CONGESTION, FailReason.CONGESTION, "CONGESTION"),
    ],
)
async def test_unanswered_attempts_fail_and_report_their_dial(
    sim: PbxSim, dialer: Dialer, outcome: Outcome, reason: FailReason, dial_status: str
) -> None:
    sim.script(CUSTOMER, PartyBehaviour(outcome, ring_time=1))
    await dialer.pbx.originate(
        f"Local/{CUSTOMER}@recoup-outbound/n",
        context="recoup-dialer",
        exten="s",
        timeout_ms=3000,
        channel_id="try4",
        variables={"RECOUP_CAMPAIGN": "spring", "RECOUP_LEAD": "lead4"},
    )
    failed = await dialer.until(lambda e: isinstance(e, CallFailed))
    assert isinstance(failed, CallFailed)
    assert failed.reason is reason
    assert (failed.campaign, failed.lead) == ("spring", "lead4")
    await sim.wait_idle(within=5)
    (dial_ended,) = user_events(sim, "RecoupDialEnded")
    assert (dial_ended["DialStatus"], dial_ended["Lead"]) == (dial_status, "lead4")
    assert user_events(sim, "RecoupCallEnded") == []


async def test_a_number_that_is_not_e164_fails_at_once(sim: PbxSim, dialer: Dialer) -> None:
    await dialer.pbx.originate(
        "Local/5550001@recoup-outbound/n", context="recoup-dialer", exten="s", channel_id="try5"
    )
    failed = await dialer.until(lambda e: isinstance(e, CallFailed))
    assert isinstance(failed, CallFailed)
    assert failed.reason is FailReason.UNREACHABLE


async def test_redirect_of_a_waiting_caller_plays_the_message_and_hangs_up(
    sim: PbxSim, dialer: Dialer
) -> None:
    sim.login_agent("1001", queues=("recoup-spring",))
    sim.set_auto_answer(False)  # the agent never picks up: the 2-second rule
    sim.script(CUSTOMER, PartyBehaviour(Outcome.ANSWER, ring_time=0, patience=60))
    await dialer.originate(CUSTOMER, "try6")
    joined = await dialer.until(lambda e: isinstance(e, QueueJoined))
    assert isinstance(joined, QueueJoined)
    await dialer.pbx.redirect(joined.channel, context="recoup-abandon", exten="s")
    await dialer.until(ended("try6"), within=8)
    (abandoned,) = [e for e in dialer.of("try6") if isinstance(e, QueueAbandoned)]
    assert abandoned.by_dialer is True
    assert abandoned.queue == "recoup-spring"
    (abandon,) = user_events(sim, "RecoupAbandon")
    assert (abandon["Reason"], abandon["Queue"], abandon["Lead"]) == (
        "REDIRECT",
        "recoup-spring",
        "lead-try6",
    )
    (call_ended,) = user_events(sim, "RecoupCallEnded")
    assert (call_ended["Result"], call_ended["AbandonReason"]) == ("ABANDON", "REDIRECT")
    assert any(
        ("Application", "Playback") in e and ("AppData", RECOUP_GLOBALS["RECOUP_ID_PROMPT"]) in e
        for e in sim.events
    )


async def test_with_every_agent_paused_the_caller_hears_the_message_at_once(
    sim: PbxSim, dialer: Dialer
) -> None:
    sim.login_agent("1001", queues=("recoup-spring",), paused=True)
    sim.script(CUSTOMER, PartyBehaviour(Outcome.ANSWER, ring_time=0, patience=60))
    await dialer.originate(CUSTOMER, "try7")
    await dialer.until(ended("try7"), within=8)
    story = dialer.story("try7")
    assert "queue_joined" not in story
    (abandoned,) = [e for e in dialer.of("try7") if isinstance(e, QueueAbandoned)]
    assert abandoned.by_dialer is True
    (abandon,) = user_events(sim, "RecoupAbandon")
    assert abandon["Reason"] == "JOINEMPTY"


async def test_supervisor_listens_to_the_customer_through_recoup_spy(
    sim: PbxSim, dialer: Dialer
) -> None:
    sim.login_agent("1001", queues=("recoup-spring",))
    sim.script(CUSTOMER, PartyBehaviour(Outcome.ANSWER, ring_time=0, talk_time=6))
    await dialer.originate(CUSTOMER, "try8")
    connected = await dialer.until(lambda e: isinstance(e, AgentConnected))
    assert isinstance(connected, AgentConnected)
    await dialer.pbx.originate(
        "PJSIP/2001",
        context="recoup-spy",
        exten="listen",
        channel_id="spy1",
        variables={"RECOUP_SPY_TARGET": connected.channel},
    )
    started = await dialer.until(lambda e: isinstance(e, SpyStarted))
    assert isinstance(started, SpyStarted)
    assert started.linkedid == "try8"
    assert started.spyer_uniqueid == "spy1"
    await dialer.until(lambda e: isinstance(e, SpyStopped), within=8)
    assert any(
        ("Application", "ChanSpy") in e and ("AppData", f"{connected.channel},qSE") in e
        for e in sim.events
    )


async def test_queue_add_to_an_undeclared_queue_is_refused(sim: PbxSim, dialer: Dialer) -> None:
    with pytest.raises(ActionFailed, match="No such queue"):
        await dialer.pbx.queue_add("recoup-nosuch", "Local/1001@recoup-agents/n")
    await dialer.pbx.queue_add(
        "recoup-spring",
        "Local/1003@recoup-agents/n",
        member_name="agent-7",
        paused=True,
        state_interface="PJSIP/1003",
    )
    (state,) = await dialer.pbx.queue_status("recoup-spring")
    (member,) = state.members
    assert (member.name, member.state_interface, member.paused) == ("agent-7", "PJSIP/1003", True)


async def test_a_campaign_queue_declared_while_running_takes_members(
    sim: PbxSim, dialer: Dialer
) -> None:
    with pytest.raises(ActionFailed, match="No such queue"):
        await dialer.pbx.queue_add("recoup-legal", "Local/1004@recoup-agents/n")
    sim.add_queue("recoup-legal")
    await dialer.pbx.queue_add("recoup-legal", "Local/1004@recoup-agents/n", member_name="a4")
    (state,) = await dialer.pbx.queue_status("recoup-legal")
    assert [m.name for m in state.members] == ["a4"]
    assert sim.pbx.queues["recoup-legal"].member_timeout == 3.0


async def test_a_dialer_that_answers_late_still_sees_the_campaign_variables(
    sim: PbxSim, dialer: Dialer
) -> None:
    """The campaign/lead VarSets are kept by manager.conf's filters: pbxsim always sends them."""
    quiet = SimConfig.recoup(noise=0.0, recordings_dir=sim.config.recordings_dir)
    async with PbxSim(quiet, ScaledClock(100.0)) as other:
        events = other.record_events()
        other.login_agent("1001")
        other.script(CUSTOMER, PartyBehaviour(Outcome.ANSWER, ring_time=0, talk_time=1))
        session = AmiSession(
            AmiSettings(host=other.host, port=other.port, username="dialer", secret="dialerpass")
        )
        await session.start()
        try:
            await AsteriskPbx(session).originate(
                f"Local/{CUSTOMER}@recoup-outbound/n",
                context="recoup-dialer",
                exten="s",
                channel_id="q1",
                variables={"RECOUP_CAMPAIGN": "c", "RECOUP_LEAD": "l"},
            )
            await other.wait_idle(within=5)
        finally:
            await session.close()
    varsets = [dict(e)["Variable"] for e in events if ("Event", "VarSet") in e]
    assert {"RECOUP_CAMPAIGN", "RECOUP_LEAD", "RECOUP_MIXID", "MIXMONITOR_FILENAME"} <= set(varsets)
    assert set(varsets) <= RECOUP_VARSETS


# --- pbxsim's names are extensions_recoup.conf's ---------------------------------------------
def dialplan_text() -> str:
    return (CONF / "extensions_recoup.conf").read_text()


def contexts_of(text: str) -> set[str]:
    return set(re.findall(r"^\[([\w-]+)\]", text, flags=re.MULTILINE))


def test_every_context_pbxsim_runs_is_in_the_dialplan() -> None:
    config = SimConfig.recoup()
    assert config.known_contexts() <= contexts_of(dialplan_text())


def user_event_fields_in_the_dialplan() -> dict[str, set[str]]:
    fields: dict[str, set[str]] = {}
    for name, body in re.findall(r"UserEvent\((\w+),([^)\n]*)\)", dialplan_text()):
        fields.setdefault(name, set()).update(p.split(":")[0].strip() for p in body.split(","))
    return fields


CHANNEL_BLOCK = {
    "Event",
    "Privilege",
    "UserEvent",
    "Channel",
    "ChannelState",
    "ChannelStateDesc",
    "CallerIDNum",
    "CallerIDName",
    "ConnectedLineNum",
    "ConnectedLineName",
    "Language",
    "AccountCode",
    "Context",
    "Exten",
    "Priority",
    "Uniqueid",
    "Linkedid",
}


async def test_every_user_event_and_field_pbxsim_sends_is_in_the_dialplan(sim: PbxSim) -> None:
    sim.login_agent("1001", queues=("recoup-spring",))
    sim.script("+15550010", PartyBehaviour(Outcome.ANSWER, ring_time=0, talk_time=1))
    sim.script("+15550011", PartyBehaviour(Outcome.MACHINE, ring_time=0, talk_time=1))
    sim.script("+15550012", PartyBehaviour(Outcome.BUSY, ring_time=0))
    variables = [("RECOUP_AMD", "1"), ("RECOUP_ON_MACHINE", "message")]
    for number in ("+15550010", "+15550011", "+15550012"):
        request = OriginateRequest(
            channel=f"Local/{number}@recoup-outbound/n",
            context="recoup-dialer",
            exten="s",
            variables=variables,
        )
        await sim.flows.originate(request, None)
    sim.pbx.queues["recoup-spring"].members.clear()  # nobody: JOINEMPTY and the message
    await sim.flows.originate(
        OriginateRequest("Local/+15550010@recoup-outbound/n", context="recoup-dialer", exten="s"),
        None,
    )
    await sim.wait_idle(within=5)
    in_file = user_event_fields_in_the_dialplan()
    sent: dict[str, set[str]] = {}
    for event in sim.events:
        fields = dict(event)
        if fields.get("Event") == "UserEvent":
            sent.setdefault(fields["UserEvent"], set()).update(set(fields) - CHANNEL_BLOCK)
    assert set(sent) == {"RecoupAMD", "RecoupAbandon", "RecoupCallEnded", "RecoupDialEnded"}
    for name, fields_sent in sent.items():
        assert fields_sent == in_file[name], name


def test_every_variable_pbxsim_reads_is_in_the_dialplan_or_its_globals() -> None:
    source = (Path(__file__).parents[3] / "pbxsim" / "recoup_dialplan.py").read_text()
    used = set(re.findall(r'"(RECOUP_[A-Z_]+)"', source))
    text = dialplan_text()
    assert used, "the recoup profile reads no RECOUP_* variable?"
    assert {name for name in used if name not in text} == set()
    globals_text = (CONF / "extensions.conf").read_text()
    for name, value in RECOUP_GLOBALS.items():
        assert re.search(rf"^{name}\s*=\s*{re.escape(value)}\s*$", globals_text, re.MULTILINE), name


def test_pbxsim_keeps_exactly_the_varsets_manager_conf_lets_through() -> None:
    manager = (CONF / "manager.conf").read_text()
    kept = set(re.findall(r"name\(VarSet\),header\(Variable\),method\(exact\)\) = (\w+)", manager))
    assert kept == RECOUP_VARSETS


def test_recoup_queues_are_those_of_queues_conf() -> None:
    queues = contexts_of((CONF / "queues.conf").read_text()) - {"general"}
    config = SimConfig.recoup()
    assert {q.name for q in config.queues} <= queues
    assert "collections" in {q.name for q in config.queues}
