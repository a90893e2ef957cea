"""The simulated PBX's state and the event blocks every call flow shares.

:class:`Pbx` owns the channels, the queues, the device states and the recordings, and turns
what happens to them into AMI events (field order copied from the captures). It knows nothing
about sockets: events go to whatever :attr:`Pbx.sinks` are attached (the AMI server's
sessions, or a list in a test).
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pbxsim.channels import Channel, ChannelRegistry, ChannelState, Fields, cause_text
from pbxsim.channels import channel_fields as chf
from pbxsim.config import SimConfig
from pbxsim.queues import DeviceState, Member, Queue, device_of
from pbxsim.recording import Recording, finish
from recoup.clock import Clock

EventSink = Callable[[Fields], None]


@dataclass(frozen=True)
class HangupSignal:
    channel: Channel
    cause: int = 16
    by_ami: bool = False


@dataclass(frozen=True)
class RedirectSignal:
    context: str
    exten: str
    priority: int


@dataclass(frozen=True)
class AgentAnswered:
    member: str


@dataclass(frozen=True)
class QueueKick:
    """Something changed in a queue (a member freed, unpaused …): look again."""


@dataclass(frozen=True)
class SpyeeGone:
    pass


def cdr_time(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else ""


class Pbx:
    """Shared state of one simulated Asterisk."""

    def __init__(self, config: SimConfig, clock: Clock) -> None:
        self.config = config
        self.clock = clock
        self.channels = ChannelRegistry(clock)
        self.queues: dict[str, Queue] = {
            q.name: Queue(
                q.name,
                member_timeout=q.member_timeout,
                retry=q.retry,
                joinempty=q.joinempty,
                leavewhenempty=q.leavewhenempty,
            )
            for q in config.queues
        }
        self.custom_states: dict[str, DeviceState] = {}
        self.sinks: list[EventSink] = []
        self.recordings: dict[str, Recording] = {}  # channel name -> active MixMonitor
        self.finished_recordings: list[Path] = []
        self.queue_log: list[str] = []
        #: spyee name -> (spyer channel, the spyer's controlling channel)
        self.spies: dict[str, list[tuple[Channel, Channel]]] = {}
        self.tasks: set[asyncio.Task[Any]] = set()
        self.processed_calls = 0
        self.started_at = clock.now()
        self.ringing_agents: dict[str, Channel] = {}  # member name -> customer channel
        self.auto_answer = config.auto_answer
        self._noise = random.Random(config.noise_seed)
        self._mix_seq = 0x7F9D78018300
        self.idle = asyncio.Event()
        self.idle.set()
        self.errors: list[BaseException] = []

    # --- events -------------------------------------------------------------------------
    def emit(self, fields: Fields) -> None:
        for sink in list(self.sinks):
            sink(fields)

    def channel_event(
        self,
        name: str,
        channel: Channel,
        extra: Sequence[tuple[str, str]] = (),
        privilege: str = "call,all",
    ) -> None:
        self.emit([("Event", name), ("Privilege", privilege), *chf(channel), *extra])

    def chance(self, rate: float) -> bool:
        """True with probability ``rate`` (seeded, so runs repeat)."""
        return self._noise.random() < rate

    def amd_verdict(self, one: Channel, *, machine: bool) -> str:
        """AMD()'s verdict on a call, set as AMDSTATUS / AMDCAUSE on ``one`` like Asterisk does
        (NOTSURE at ``amd_notsure_rate``); returns the status."""
        if self.chance(self.config.amd_notsure_rate):
            status, cause = "NOTSURE", "TOOLONG-5000"
        elif machine:
            status, cause = "MACHINE", "LONGGREETING-1500-1500"
        else:
            status, cause = "HUMAN", "HUMAN-803-800"
        self.varset(one, "AMDSTATUS", status, always=True)
        self.varset(one, "AMDCAUSE", cause, always=True)
        return status

    def noisy(self) -> bool:
        return self.config.noise >= 1.0 or self._noise.random() < self.config.noise

    def newexten(self, channel: Channel, application: str, data: str, priority: int = 0) -> None:
        if priority:
            channel.priority = priority
        channel.application, channel.app_data = application, data
        if self.noisy():
            extra = [("Extension", channel.exten), ("Application", application), ("AppData", data)]
            self.channel_event("Newexten", channel, extra, "dialplan,all")

    def varset(self, channel: Channel, variable: str, value: str, *, always: bool = False) -> None:
        channel.variables[variable] = value
        if always or variable in self.config.kept_variables or self.noisy():
            extra = [("Variable", variable), ("Value", value)]
            self.channel_event("VarSet", channel, extra, "dialplan,all")

    def newstate(self, channel: Channel, state: ChannelState) -> None:
        channel.state = state
        if state is ChannelState.UP and channel.answered_at is None:
            channel.answered_at = self.clock.now()
        self.channel_event("Newstate", channel)

    def device_state(self, device: str, state: str) -> None:
        self.emit(
            [
                ("Event", "DeviceStateChange"),
                ("Privilege", "call,all"),
                ("Device", device),
                ("State", state),
            ]
        )

    def hangup_request(self, channel: Channel, cause: int, *, soft: bool = False) -> None:
        self.channel_event(
            "SoftHangupRequest" if soft else "HangupRequest", channel, [("Cause", str(cause))]
        )

    def end_channel(self, channel: Channel, cause: int) -> None:
        """The Hangup event; the channel leaves the registry and its device may go idle."""
        if channel.hung_up:
            return
        channel.hung_up = True
        handlers, channel.hangup_handlers = channel.hangup_handlers, []
        for handler in handlers:
            handler(channel, cause)
        for spyer, controller in self.spies.pop(channel.name, []):
            self.emit(
                [
                    ("Event", "ChanSpyStop"),
                    ("Privilege", "call,all"),
                    *chf(spyer, "Spyer"),
                    *chf(channel, "Spyee"),
                ]
            )
            controller.interrupt(SpyeeGone())
        self.channel_event(
            "Hangup", channel, [("Cause", str(cause)), ("Cause-txt", cause_text(cause))]
        )
        self.channels.remove(channel)
        if not any(c.device == channel.device for c in self.channels.live.values()):
            self.device_state(channel.device, "NOT_INUSE")
            self.refresh_members(channel.device)
        self._check_idle()

    def cdr(self, channel: Channel, disposition: str, destination_channel: str = "") -> None:
        now = self.clock.now()
        answered = channel.answered_at
        start = channel.created_at or now
        duration = int((now - start).total_seconds())
        billable = int((now - answered).total_seconds()) if answered else 0
        caller = (
            f'"{channel.caller_name}" <{channel.caller_num}>'
            if channel.caller_num != "<unknown>"
            else ""
        )
        self.emit(
            [
                ("Event", "Cdr"),
                ("Privilege", "cdr,all"),
                ("AccountCode", channel.account),
                ("Source", channel.caller_num if channel.caller_num != "<unknown>" else ""),
                ("Destination", channel.exten),
                ("DestinationContext", channel.context),
                ("CallerID", caller),
                ("Channel", channel.name),
                ("DestinationChannel", destination_channel),
                ("LastApplication", channel.application),
                ("LastData", channel.app_data),
                ("StartTime", cdr_time(start)),
                ("AnswerTime", cdr_time(answered)),
                ("EndTime", cdr_time(now)),
                ("Duration", str(duration)),
                ("BillableSeconds", str(billable)),
                ("Disposition", disposition),
                ("AMAFlags", "DOCUMENTATION"),
                ("UniqueID", channel.uniqueid),
                ("UserField", ""),
            ]
        )

    def bridge_fields(self, bridge_id: str, count: int) -> Fields:
        return [
            ("BridgeUniqueid", bridge_id),
            ("BridgeType", "basic"),
            ("BridgeTechnology", "simple_bridge"),
            ("BridgeCreator", "<unknown>"),
            ("BridgeName", "<unknown>"),
            ("BridgeNumChannels", str(count)),
            ("BridgeVideoSourceMode", "none"),
        ]

    def new_bridge_id(self) -> str:
        return str(uuid.UUID(int=random.getrandbits(128), version=4))

    # --- devices and members --------------------------------------------------------------
    def device_status(self, state_interface: str) -> DeviceState:
        if state_interface.startswith("Custom:"):
            return self.custom_states.get(state_interface, DeviceState.UNKNOWN)
        device = device_of(state_interface)
        if device.startswith("Local/"):
            context = device.rsplit("@", 1)[-1]
            if context not in self.config.agent_contexts:
                return DeviceState.INVALID
        elif device.startswith("PJSIP/"):  # an agent's phone: rung through the agent context
            ext = device.removeprefix("PJSIP/")
            phones = {f"Local/{ext}@{context}" for context in self.config.agent_contexts}
            if any(c.device in phones for c in self.channels.live.values()):
                return DeviceState.INUSE
        if any(c.device == device for c in self.channels.live.values()):
            return DeviceState.INUSE
        return DeviceState.NOT_INUSE

    def refresh_members(self, device: str = "") -> None:
        """Recompute member statuses; send QueueMemberStatus for every change."""
        changed = False
        for queue in self.queues.values():
            for member in queue.members.values():
                if device and device_of(member.state_interface) != device_of(device):
                    continue
                status = self.device_status(member.state_interface)
                if member.ringing or member.in_call:
                    status = DeviceState.INUSE
                if status != member.status:
                    member.status = status
                    changed = True
                    self.member_status_event(queue, member)
            if changed:
                self.kick_queue(queue)

    def member_status_event(self, queue: Queue, member: Member) -> None:
        self.emit([("Event", "QueueMemberStatus"), *member.event_fields(queue.name)])

    def kick_queue(self, queue: Queue) -> None:
        for caller in queue.callers:
            caller.channel.interrupt(QueueKick())

    def find_member(self, agent: str) -> list[tuple[Queue, Member]]:
        """Members by name (``agent1``) or interface, in every queue."""
        return [
            (queue, member)
            for queue in self.queues.values()
            for member in queue.members.values()
            if agent in (member.name, member.interface, device_of(member.interface))
        ]

    # --- recordings ------------------------------------------------------------------------
    def start_recording(
        self,
        channel: Channel,
        *,
        subdir: str = "",
        id_variable: str = "MIXID",
        path: Path | None = None,
    ) -> Recording:
        """MixMonitor(<recordings_dir>/<subdir>/<uniqueid>.wav,i(<id_variable>)), or into
        ``path``; no ``id_variable``: no i() option."""
        mix_id = f"0x{self._mix_seq:x}"
        self._mix_seq += 0x30
        path = path or self.config.recordings_dir / subdir / f"{channel.uniqueid}.wav"
        recording = Recording(mix_id, path, self.clock.monotonic())
        self.recordings[channel.name] = recording
        if id_variable:
            channel.variables[id_variable] = mix_id
        channel.variables["MIXMONITOR_FILENAME"] = str(path)
        return recording

    async def stop_recording(self, channel: Channel, *, announce: bool = True) -> bool:
        recording = self.recordings.pop(channel.name, None)
        if recording is None:
            return False
        if announce:
            self.channel_event("MixMonitorStop", channel)
        if self.config.record:
            self.finished_recordings.append(await finish(recording, self.clock.monotonic()))
        return True

    # --- tasks -----------------------------------------------------------------------------
    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)
        self.idle.clear()
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self.tasks.discard(task)
        if not task.cancelled():
            error = task.exception()
            if error is not None:
                self.errors.append(error)
        self._check_idle()

    def _check_idle(self) -> None:
        if not self.tasks and not self.channels.live:
            self.idle.set()

    async def wait(self, channel: Channel, seconds: float | None) -> object | None:
        """Sleep ``seconds`` of simulated time unless a signal arrives for ``channel``."""
        signal = channel.take_signal()
        if signal is not None:
            return signal
        if seconds is not None and seconds <= 0:
            return None
        pending: set[asyncio.Future[Any]] = {asyncio.ensure_future(channel.wake.wait())}
        if seconds is not None:
            pending.add(asyncio.ensure_future(self.clock.sleep(seconds)))
        try:
            await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for future in pending:
                future.cancel()
        return channel.take_signal()
