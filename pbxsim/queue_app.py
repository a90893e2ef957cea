"""``Queue(collections,,,,60)`` for an answered call: join (or JOINEMPTY), ring free members
one at a time (ringinuse=no, paused members skipped), connect, and end with AgentComplete;
or leave by abandon, Redirect (capture m) or timeout.

An agent answers when :meth:`pbxsim.sim.PbxSim.answer` is called for it, or after
``agent_answer_delay`` in auto-answer mode.
"""

from __future__ import annotations

from dataclasses import dataclass

from pbxsim.calls import CID_PRES, Call, CallFlows
from pbxsim.channels import Channel, ChannelState, parse_local
from pbxsim.channels import channel_fields as chf
from pbxsim.pbx import AgentAnswered, HangupSignal, Pbx, QueueKick, RedirectSignal
from pbxsim.queues import DeviceState, Member, PenaltyRange, Queue, QueueCaller, agent_name


@dataclass
class AgentLeg:
    member: Member
    one: Channel
    two: Channel
    rung_mono: float


class QueueApp:
    def __init__(self, pbx: Pbx, flows: CallFlows) -> None:
        self.pbx = pbx
        self.flows = flows
        flows.queue_app = self.run

    async def run(self, call: Call, queue_name: str, max_wait: float) -> object | None:
        try:
            return await self._run(call, queue_name, max_wait)
        finally:  # a kick or an answer that came too late must not reach the next app
            call.one.signals[:] = [
                s for s in call.one.signals if not isinstance(s, QueueKick | AgentAnswered)
            ]

    async def _run(  # noqa: PLR0912, PLR0915 - one state machine reads best in one place
        self, call: Call, queue_name: str, max_wait: float
    ) -> object | None:
        pbx, one = self.pbx, call.one
        queue = pbx.queues.get(queue_name)
        for var in ("ANSWEREDTIME", "ANSWEREDTIME_MS", "DIALEDTIME", "DIALEDTIME_MS"):
            pbx.varset(one, var, "")
        reach = PenaltyRange.of_caller(one.variables)
        if queue is None or queue.refuses_join(reach):
            pbx.varset(one, "QUEUESTATUS", "JOINEMPTY", always=True)
            return None
        pbx.varset(one, "QUEUEWAIT", "")
        pbx.varset(one, "QUEUEWAIT_MS", "")
        pbx.device_state(f"Queue:{queue.name}", "RINGING")
        joined = pbx.clock.monotonic()
        caller = QueueCaller(one, joined, len(queue.callers) + 1)
        queue.callers.append(caller)
        pbx.channel_event(
            "QueueCallerJoin",
            one,
            [
                ("Queue", queue.name),
                ("Position", str(caller.original_position)),
                ("Count", str(len(queue.callers))),
            ],
            "agent,all",
        )
        pbx.channel_event("MusicOnHoldStart", one, [("Class", "default")])
        pbx.queue_log.append(f"{one.uniqueid}|{queue.name}|NONE|ENTERQUEUE||{one.caller_num}|1")
        leg: AgentLeg | None = None
        queue_deadline = joined + max_wait
        answer_at: float | None = None
        while True:
            now = pbx.clock.monotonic()
            if leg is None:
                member = queue.next_member(reach)
                if member is not None:
                    leg = self._ring(call, queue, member)
                    answer_at = now + pbx.config.agent_answer_delay if pbx.auto_answer else None
            deadlines = [queue_deadline]
            if leg is not None:
                deadlines.append(leg.rung_mono + queue.member_timeout)
                if answer_at is not None:
                    deadlines.append(answer_at)
            signal = await self.flows.wait(call, max(0.0, min(deadlines) - now))
            now = pbx.clock.monotonic()
            if signal is None:
                if leg is not None and answer_at is not None and now >= answer_at - 1e-9:
                    return await self._connect(call, queue, caller, leg)
                if leg is not None and now >= leg.rung_mono + queue.member_timeout - 1e-9:
                    self._ring_no_answer(call, queue, leg, "NOANSWER")
                    leg, answer_at = None, None
                    continue
                if now >= queue_deadline - 1e-9:
                    if leg is not None:
                        self._ring_no_answer(call, queue, leg, "CANCEL")
                    self._leave(call, queue, caller, "TIMEOUT")
                    return None
                continue
            if isinstance(signal, AgentAnswered):
                if leg is not None and signal.member == leg.member.name:
                    return await self._connect(call, queue, caller, leg)
                continue
            if isinstance(signal, QueueKick):
                continue
            if isinstance(signal, HangupSignal) and leg and signal.channel in (leg.one, leg.two):
                self._ring_no_answer(call, queue, leg, "BUSY")
                leg, answer_at = None, None
                continue
            # the caller goes: hangs up, is hung up, or is redirected elsewhere
            if leg is not None:
                self._ring_no_answer(call, queue, leg, "CANCEL")
            if isinstance(signal, RedirectSignal):
                one.context, one.exten, one.priority = signal.context, signal.exten, 1
            self._abandon(call, queue, caller)
            if isinstance(signal, RedirectSignal):
                return signal
            self.flows.end_by_signal(call, signal)
            return None

    # --- ringing ------------------------------------------------------------------------------
    def _ring(self, call: Call, queue: Queue, member: Member) -> AgentLeg:
        pbx, customer = self.pbx, call.one
        name = agent_name(member.interface)
        local = parse_local(member.interface)
        # a PJSIP/… member is simulated as a Local channel in the first agent context
        context = local[1] if local else min(pbx.config.agent_contexts)
        one, two = pbx.channels.local_pair(name, context, linkedid=customer.linkedid)
        one.controller = two.controller = customer
        member.ringing = True
        pbx.ringing_agents[member.name] = customer
        pbx.channel_event("Newchannel", one)
        pbx.channel_event("Newchannel", two)
        one.account = two.account = customer.account
        if customer.account:
            pbx.channel_event("NewAccountCode", one, [("OldAccountCode", "")])
        one.caller_num, one.caller_name = customer.caller_num, customer.caller_name
        pbx.newexten(one, "AppQueue", "(Outgoing Line)")
        pbx.channel_event("NewCallerid", one, [CID_PRES])
        dialed = member.interface.removeprefix("Local/")
        pbx.varset(one, "DIALEDPEERNUMBER", dialed)
        pbx.varset(two, "DIALEDPEERNUMBER", dialed)
        two.caller_num, two.caller_name = customer.caller_num, customer.caller_name
        two.connected_num, two.connected_name = customer.caller_num, customer.caller_name
        pbx.channel_event("NewCallerid", two, [CID_PRES])
        if customer.account:
            pbx.channel_event("NewAccountCode", two, [("OldAccountCode", "")])
        pbx.channel_event("NewConnectedLine", two)
        pbx.emit(
            [
                ("Event", "LocalBridge"),
                ("Privilege", "call,all"),
                *chf(one, "LocalOne"),
                *chf(two, "LocalTwo"),
                ("Context", context),
                ("Exten", name),
                ("LocalOptimization", "No"),
            ]
        )
        dest = chf(one, "Dest")
        dest[5:7] = [
            ("DestConnectedLineNum", customer.caller_num),
            ("DestConnectedLineName", customer.caller_name),
        ]
        dest[10] = ("DestExten", "s")
        pbx.channel_event(
            "AgentCalled",
            customer,
            [
                *dest,
                ("Queue", queue.name),
                ("Interface", member.interface),
                ("MemberName", member.name),
            ],
            "agent,all",
        )
        pbx.channel_event(
            "DialBegin", customer, [*chf(one, "Dest"), ("DialString", member.interface)]
        )
        pbx.newexten(two, "NoOp", f"agent {name} picks up", 1)
        pbx.device_state(one.device, "INUSE")
        return AgentLeg(member, one, two, pbx.clock.monotonic())

    def _end_leg(self, leg: AgentLeg, cause: int) -> None:
        pbx = self.pbx
        leg.member.ringing = False
        pbx.ringing_agents.pop(leg.member.name, None)
        pbx.hangup_request(leg.one, cause)
        pbx.end_channel(leg.one, cause)
        pbx.hangup_request(leg.two, 16, soft=True)
        pbx.end_channel(leg.two, cause)

    def _ring_no_answer(self, call: Call, queue: Queue, leg: AgentLeg, status: str) -> None:
        pbx, customer = self.pbx, call.one
        pbx.channel_event("DialEnd", customer, [*chf(leg.one, "Dest"), ("DialStatus", status)])
        if status == "NOANSWER":
            pbx.channel_event(
                "AgentRingNoAnswer",
                customer,
                [
                    *chf(leg.one, "Dest"),
                    ("Queue", queue.name),
                    ("Interface", leg.member.interface),
                    ("MemberName", leg.member.name),
                    ("RingTime", str(int(queue.member_timeout))),
                ],
                "agent,all",
            )
        self._end_leg(leg, 0 if status == "CANCEL" else 16)

    # --- leaving --------------------------------------------------------------------------------
    def _leave(self, call: Call, queue: Queue, caller: QueueCaller, status: str) -> None:
        pbx, one = self.pbx, call.one
        position = queue.position_of(one)
        pbx.channel_event("MusicOnHoldStop", one)
        if caller in queue.callers:
            queue.callers.remove(caller)
        pbx.channel_event(
            "QueueCallerLeave",
            one,
            [
                ("Queue", queue.name),
                ("Position", str(position)),
                ("Count", str(len(queue.callers))),
            ],
            "agent,all",
        )
        pbx.varset(one, "QUEUESTATUS", status, always=True)

    def _abandon(self, call: Call, queue: Queue, caller: QueueCaller) -> None:
        pbx, one = self.pbx, call.one
        position = queue.position_of(one)
        hold = int(pbx.clock.monotonic() - caller.joined_mono)
        pbx.channel_event("MusicOnHoldStop", one)
        pbx.channel_event(
            "QueueCallerAbandon",
            one,
            [
                ("Queue", queue.name),
                ("Position", str(position)),
                ("OriginalPosition", str(caller.original_position)),
                ("HoldTime", str(hold)),
            ],
            "agent,all",
        )
        queue.abandoned += 1
        pbx.queue_log.append(
            f"{one.uniqueid}|{queue.name}|NONE|ABANDON|{position}|{caller.original_position}|{hold}"
        )
        queue.callers.remove(caller)
        pbx.varset(one, "QUEUENAME", queue.name)
        pbx.channel_event(
            "QueueCallerLeave",
            one,
            [
                ("Queue", queue.name),
                ("Position", str(position)),
                ("Count", str(len(queue.callers))),
            ],
            "agent,all",
        )

    # --- connected --------------------------------------------------------------------------------
    async def _connect(  # noqa: PLR0915 - the connect/talk/complete sequence of capture b
        self, call: Call, queue: Queue, caller: QueueCaller, leg: AgentLeg
    ) -> object | None:
        pbx, customer, member = self.pbx, call.one, leg.member
        now = pbx.clock.monotonic()
        hold = now - caller.joined_mono
        pbx.newexten(leg.two, "Answer", "", 2)
        pbx.newstate(leg.two, ChannelState.UP)
        leg.one.exten = "s"
        pbx.newstate(leg.one, ChannelState.UP)
        leg.one.connected_num, leg.one.connected_name = customer.caller_num, customer.caller_name
        pbx.channel_event("NewConnectedLine", leg.one)
        pbx.channel_event("DialEnd", customer, [*chf(leg.one, "Dest"), ("DialStatus", "ANSWER")])
        self._leave(call, queue, caller, "")
        customer.variables.pop("QUEUESTATUS", None)
        # setinterfacevar/setqueueentryvar (their VarSets are not simulated)
        customer.variables["MEMBERINTERFACE"] = member.interface
        customer.variables["MEMBERNAME"] = member.name
        customer.variables["QEHOLDTIME"] = str(int(hold))
        pbx.ringing_agents.pop(member.name, None)
        member.status = DeviceState.INUSE
        pbx.member_status_event(queue, member)
        member.ringing, member.in_call = False, True
        ring_time = int(now - leg.rung_mono)
        pbx.channel_event(
            "AgentConnect",
            customer,
            [
                *chf(leg.one, "Dest"),
                ("Queue", queue.name),
                ("Interface", member.interface),
                ("MemberName", member.name),
                ("HoldTime", str(int(hold))),
                ("RingTime", str(ring_time)),
            ],
            "agent,all",
        )
        bridge = pbx.new_bridge_id()
        customer.bridge_id = leg.one.bridge_id = bridge
        pbx.emit(
            [("Event", "BridgeCreate"), ("Privilege", "call,all"), *pbx.bridge_fields(bridge, 0)]
        )
        pbx.emit(
            [
                ("Event", "BridgeEnter"),
                ("Privilege", "call,all"),
                *pbx.bridge_fields(bridge, 1),
                *chf(leg.one),
            ]
        )
        pbx.emit(
            [
                ("Event", "BridgeEnter"),
                ("Privilege", "call,all"),
                *pbx.bridge_fields(bridge, 2),
                *chf(customer),
            ]
        )
        pbx.varset(leg.one, "BRIDGEPEER", customer.name)
        pbx.varset(customer, "BRIDGEPEER", leg.one.name)
        talk = call.behaviour.talk_time
        agent_deadline: float | None = None
        if call.behaviour.hangup_by.value == "customer":
            call.customer_deadline = now + talk
        else:
            call.customer_deadline = None
            agent_deadline = now + talk
        while True:
            limit = None if agent_deadline is None else max(0.0, agent_deadline - now)
            signal = await self.flows.wait(call, limit)
            now = pbx.clock.monotonic()
            if signal is None and agent_deadline is not None and now < agent_deadline - 1e-9:
                continue
            if isinstance(signal, AgentAnswered | QueueKick):
                continue
            break
        talked = pbx.clock.monotonic() - (caller.joined_mono + hold)
        queue.completed += 1
        queue.talk_time_total += talked
        queue.hold_time_total += hold
        if hold <= queue.service_level:
            queue.answered_within_sl += 1
        member.calls_taken += 1
        member.last_call = int(pbx.clock.now().timestamp())
        agent_ends = signal is None or (
            isinstance(signal, HangupSignal) and signal.channel in (leg.one, leg.two)
        )
        if agent_ends or isinstance(signal, RedirectSignal):
            self._agent_hangs_up(call, queue, leg, hold=int(hold), talk=int(talked))
            if isinstance(signal, RedirectSignal):
                return signal
            return None
        self._caller_hangs_up(call, queue, leg, hold=int(hold), talk=int(talked), signal=signal)
        return None

    def _complete(
        self, call: Call, queue: Queue, leg: AgentLeg, *, hold: int, talk: int, reason: str
    ) -> None:
        self.pbx.channel_event(
            "AgentComplete",
            call.one,
            [
                *chf(leg.one, "Dest"),
                ("Queue", queue.name),
                ("Interface", leg.member.interface),
                ("MemberName", leg.member.name),
                ("HoldTime", str(hold)),
                ("TalkTime", str(talk)),
                ("Reason", reason),
            ],
            "agent,all",
        )

    def _member_free(self, queue: Queue, member: Member) -> None:
        """The member's call is over: Status 1 (CallsTaken counted) and waiting callers look."""
        member.in_call = False
        member.status = DeviceState.NOT_INUSE
        self.pbx.member_status_event(queue, member)
        self.pbx.kick_queue(queue)

    def _leave_bridge(self, channel: Channel, count: int) -> None:
        pbx = self.pbx
        pbx.emit(
            [
                ("Event", "BridgeLeave"),
                ("Privilege", "call,all"),
                *pbx.bridge_fields(channel.bridge_id, count),
                *chf(channel),
            ]
        )

    def _destroy_bridge(self, bridge: str, leg: AgentLeg) -> None:
        pbx = self.pbx
        pbx.emit(
            [("Event", "BridgeDestroy"), ("Privilege", "call,all"), *pbx.bridge_fields(bridge, 0)]
        )

    def _caller_hangs_up(
        self, call: Call, queue: Queue, leg: AgentLeg, *, hold: int, talk: int, signal: object
    ) -> None:
        """Capture b: the customer's ;2 hangs up; the agent leg follows."""
        pbx, one, two = self.pbx, call.one, call.two
        cause = signal.cause if isinstance(signal, HangupSignal) else 16
        if isinstance(signal, HangupSignal) and signal.channel is one:
            self._dialer_hangs_up(call, queue, leg, hold=hold, talk=talk, cause=cause)
            return
        call.customer_hung_up = True
        pbx.hangup_request(two, cause, soft=True)
        pbx.hangup_request(one, cause)
        pbx.end_channel(two, cause)
        self._complete(call, queue, leg, hold=hold, talk=talk, reason="caller")
        pbx.cdr(two, "ANSWERED")
        pbx.cdr(one, "ANSWERED", leg.one.name)
        bridge = one.bridge_id
        pbx.varset(one, "BRIDGEPEER", "")
        pbx.varset(leg.one, "BRIDGEPEER", "")
        self._leave_bridge(one, 1)
        self._leave_bridge(leg.one, 0)
        pbx.hangup_request(one, cause, soft=True)
        pbx.hangup_request(leg.two, cause)
        pbx.end_channel(leg.one, cause)
        self._destroy_bridge(bridge, leg)
        self._member_free(queue, leg.member)
        self.flows.finish_one(call, cause)
        pbx.hangup_request(leg.two, cause, soft=True)
        pbx.end_channel(leg.two, cause)
        pbx.cdr(leg.two, "ANSWERED")

    def _dialer_hangs_up(
        self, call: Call, queue: Queue, leg: AgentLeg, *, hold: int, talk: int, cause: int
    ) -> None:
        """Capture d: an AMI Hangup of the customer's ;1 while it talks to an agent."""
        pbx, one, two = self.pbx, call.one, call.two
        bridge = one.bridge_id
        pbx.cdr(two, "ANSWERED")
        self._leave_bridge(one, 1)
        pbx.hangup_request(one, cause, soft=True)
        pbx.hangup_request(two, cause)
        self._complete(call, queue, leg, hold=hold, talk=talk, reason="caller")
        pbx.hangup_request(two, 16, soft=True)
        self._leave_bridge(leg.one, 0)
        pbx.end_channel(two, cause)
        pbx.hangup_request(leg.two, cause)
        pbx.end_channel(leg.one, cause)
        self._destroy_bridge(bridge, leg)
        pbx.hangup_request(leg.two, cause, soft=True)
        pbx.end_channel(leg.two, cause)
        pbx.cdr(leg.two, "ANSWERED")
        self._member_free(queue, leg.member)
        self.flows.finish_one(call, cause)
        pbx.cdr(one, "ANSWERED", leg.one.name)

    def _agent_hangs_up(
        self, call: Call, queue: Queue, leg: AgentLeg, *, hold: int, talk: int
    ) -> None:
        """The agent ends the call; the customer's ;1 goes back to its dialplan."""
        pbx, one = self.pbx, call.one
        pbx.hangup_request(leg.two, 16, soft=True)
        pbx.hangup_request(leg.one, 16)
        pbx.end_channel(leg.two, 16)
        self._complete(call, queue, leg, hold=hold, talk=talk, reason="agent")
        pbx.cdr(leg.two, "ANSWERED")
        bridge = one.bridge_id
        pbx.varset(one, "BRIDGEPEER", "")
        self._leave_bridge(leg.one, 1)
        self._leave_bridge(one, 0)
        pbx.end_channel(leg.one, 16)
        self._destroy_bridge(bridge, leg)
        self._member_free(queue, leg.member)
        one.bridge_id = ""
        pbx.varset(one, "QUEUESTATUS", "CONTINUE", always=True)
        pbx.varset(one, "MEMBERNAME", leg.member.name)
