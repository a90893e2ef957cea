"""The public face of pbxsim: one object that runs a simulated Asterisk 22 in-process.

async with PbxSim(SimConfig(time_scale=60)) as pbx:
    client = await connect(pbx.host, pbx.port)        # a real AMI client over TCP
    pbx.set_auto_answer(False)
    ...
    pbx.answer("agent1")                              # the agent picks up
    await pbx.wait_idle()                             # every call has ended
"""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Any

from pbxsim.actions import Actions
from pbxsim.ami_server import AmiServer
from pbxsim.applications import Applications
from pbxsim.behaviour import PartyBehaviour
from pbxsim.calls import CallFlows, OriginateRequest
from pbxsim.channels import Fields
from pbxsim.config import SimConfig
from pbxsim.fastagi import CallerScript, FastAgiCall
from pbxsim.pbx import AgentAnswered, HangupSignal, Pbx
from pbxsim.queue_actions import QueueActions
from pbxsim.queue_app import QueueApp
from pbxsim.queues import Queue
from pbxsim.recoup_dialplan import RecoupDialplan
from recoup.clock import Clock, ScaledClock


class PbxSim:
    """A simulated Asterisk: AMI server + call engine + queues."""

    def __init__(self, config: SimConfig | None = None, clock: Clock | None = None) -> None:
        self.config = config or SimConfig()
        self.clock: Clock = clock or ScaledClock(self.config.time_scale)
        self.pbx = Pbx(self.config, self.clock)
        self.flows = CallFlows(self.pbx)
        self.queue_app = QueueApp(self.pbx, self.flows)
        self.applications = Applications(self.pbx, self.flows)
        if self.config.dialplan == "recoup":
            RecoupDialplan(self.pbx, self.flows, self.applications)
        self.queue_actions = QueueActions(self.pbx)
        actions = Actions(self.pbx, self.flows, self.applications)
        handlers = {**actions.table(), **self.queue_actions.table()}
        self.server = AmiServer(self.config, self.clock, handlers)
        self.server.errors = self.pbx.errors
        self.pbx.sinks.append(self.server.broadcast)
        self.events: list[Fields] = []

    # --- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        await self.server.start()
        for agent in self.config.agents:
            if agent.logged_in:
                self.login_agent(agent.name, agent.interface, agent.queues, paused=agent.paused)

    async def stop(self) -> None:
        await self.server.stop()
        for task in list(self.pbx.tasks):
            task.cancel()
        if self.pbx.tasks:
            await asyncio.gather(*self.pbx.tasks, return_exceptions=True)

    async def __aenter__(self) -> PbxSim:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def host(self) -> str:
        return self.config.host

    @property
    def port(self) -> int:
        return self.server.port

    def record_events(self) -> list[Fields]:
        """Keep every event the PBX emits in :attr:`events` (for assertions)."""
        if self.events.append not in self.pbx.sinks:
            self.pbx.sinks.append(self.events.append)
        return self.events

    async def wait_idle(self, within: float | None = None) -> None:
        """Return once no call is up and no call task runs (``within`` real seconds)."""
        await asyncio.wait_for(self.pbx.idle.wait(), within)

    # --- outcomes and agents ---------------------------------------------------------------------
    def script(self, number: str, behaviour: PartyBehaviour) -> None:
        """Make ``Local/<number>@customers`` (lab) or ``Local/<number>@recoup-outbound/n``
        (Recoup: the E.164 number with its ``+``) behave exactly so."""
        self.config.behaviour.script(number, behaviour)

    def set_auto_answer(self, on: bool) -> None:
        self.pbx.auto_answer = on

    def login_agent(
        self,
        name: str,
        interface: str = "",
        queues: tuple[str, ...] = ("collections",),
        *,
        paused: bool = False,
    ) -> None:
        """Add an agent's interface to queues, as an AMI QueueAdd would.

        Without ``interface``: the dialplan's member, ``Local/<name>@agents/n`` in the lab,
        ``Local/<name>@recoup-agents/n`` with ``StateInterface: PJSIP/<name>`` for Recoup.
        """
        state_interface = "" if interface else self.config.agent_state_interface(name)
        interface = interface or self.config.agent_interface(name)
        for queue_name in queues:
            queue = self.pbx.queues.get(queue_name)
            if queue is None:
                msg = f"no queue {queue_name!r}: declare it with SimConfig.add_queue()"
                raise KeyError(msg)
            if interface not in queue.members:
                self.queue_actions.add_member(
                    queue, interface, name=name, state_interface=state_interface, paused=paused
                )

    def add_queue(self, name: str, **settings: Any) -> None:
        """Declare a queue while running, as a new queues.conf section + ``queue reload all``
        would (Recoup: from the ``[recoup-outbound-queue]`` template)."""
        qc = self.config.add_queue(name, **settings)
        if name not in self.pbx.queues:
            self.pbx.queues[name] = Queue(name)
        queue = self.pbx.queues[name]
        queue.member_timeout, queue.retry = qc.member_timeout, qc.retry
        queue.joinempty, queue.leavewhenempty = qc.joinempty, qc.leavewhenempty

    def ringing(self) -> list[str]:
        """Names of the members being rung right now."""
        return sorted(self.pbx.ringing_agents)

    def answer(self, agent: str) -> bool:
        """The agent picks up the call ringing them; False if nothing rings them."""
        for _queue, member in self.pbx.find_member(agent):
            customer = self.pbx.ringing_agents.get(member.name)
            if customer is not None:
                customer.interrupt(AgentAnswered(member.name))
                return True
        return False

    def hangup_agent(self, agent: str) -> bool:
        """The agent ends their current call (AgentComplete Reason agent)."""
        for channel in list(self.pbx.channels.live.values()):
            if channel.name.startswith(f"Local/{agent}@") and channel.name.endswith(";2"):
                channel.interrupt(HangupSignal(channel, 16))
                return True
        return False

    # --- inbound calls ---------------------------------------------------------------------
    async def inbound_call(
        self, caller: CallerScript | None = None, *, stay: float = 600.0
    ) -> FastAgiCall:
        """A caller rings the inbound number: ``Local/s@inbound`` answers and runs AGI against
        ``config.agi`` (the IVR). The caller presses ``caller.digits`` and hangs up at
        ``caller.hangup_at`` (else after ``stay`` seconds). Returns once the call has ended;
        the FastAGI session, with its command log, is returned."""
        script = caller or CallerScript()
        seconds = script.hangup_at if script.hangup_at is not None else stay
        script.hangup_at = None  # the caller's channel ends instead, as when its Wait() ends
        request = OriginateRequest(
            channel=f"Local/s@{self.config.inbound_context}",
            application="Wait",
            data=f"{seconds:g}",
            caller_num=script.caller_num,
            caller_name=script.caller_name,
            caller=script,
        )
        await self.flows.originate(request, None)
        if request.agi_session is None:
            msg = "the inbound call ended before its AGI session started"
            raise RuntimeError(msg)
        return request.agi_session

    # --- faults --------------------------------------------------------------------------------
    def cut_connections(self) -> None:
        self.server.cut_all()

    async def stop_server(self) -> None:
        await self.server.stop()

    async def restart_server(self) -> None:
        """Start listening again on the same port."""
        await self.server.start()

    def inject_garbage(self, data: bytes = b"\x00\xff garbage \xfe\r\n\r\n") -> None:
        self.server.inject(data)

    def send_oversized_event(self, size: int = 1024 * 1024) -> None:
        self.server.send_oversized_event(size)

    async def half_block_and_close(self) -> None:
        await self.server.half_block_and_close()
