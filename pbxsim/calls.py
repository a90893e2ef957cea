"""Call lifecycle: an Originate becomes a Local pair that rings, answers or fails, then runs
the dialplan (``dialer-out``: MixMonitor + Queue; ``amd``: AMD first; message contexts;
applications such as Wait or ChanSpy).

Event order follows captures b, c1, c2, c3, g3 and m. Asterisk's own order between the two
halves is not stable (see the transcripts' README); pbxsim always uses one of the observed
orders.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from pbxsim.behaviour import HangupBy, Outcome, PartyBehaviour
from pbxsim.call_types import (
    CID_PRES,
    UNKNOWN,
    Call,
    OriginateRequest,
    OriginateResult,
    Responder,
)
from pbxsim.channels import Channel, ChannelState, Fields, parse_local
from pbxsim.channels import channel_fields as chf
from pbxsim.pbx import HangupSignal, Pbx, RedirectSignal


class CallFlows:
    """Runs calls on a :class:`Pbx`."""

    def __init__(self, pbx: Pbx) -> None:
        self.pbx = pbx
        # Set by pbxsim.queue_app and pbxsim.applications (they import this module).
        self.queue_app: Callable[[Call, str, float], Awaitable[object | None]] | None = None
        self.run_application: Callable[[Call, str, str], Awaitable[None]] | None = None
        #: contexts run by another module (pbxsim.recoup_dialplan): (call, exten, priority)
        #: -> a RedirectSignal to follow, or None once the call is over
        self.contexts: dict[str, Callable[[Call, str, int], Awaitable[object | None]]] = {}
        #: called for every customer dial before it rings (hangup handlers of ``;2``)
        self.on_dial: Callable[[Call], None] | None = None

    # --- originate ---------------------------------------------------------------------------
    async def originate(self, req: OriginateRequest, respond: Responder | None) -> None:
        """Place the call; ``respond`` is called once the sync outcome is known."""
        pbx = self.pbx
        local = parse_local(req.channel)
        if local is None and req.channel.startswith("PJSIP/") and pbx.config.dialplan == "recoup":
            # a phone (a supervisor's, for recoup-spy): simulated as the agent context's Local
            local = (req.channel.removeprefix("PJSIP/"), min(pbx.config.agent_contexts), True)
        if local is None:
            self._originate_response(req, None, success=False, reason=0)
            if respond:
                respond(OriginateResult(success=False, reason=0))
            return
        exten, context, _ = local
        one, two = pbx.channels.local_pair(exten, context, channel_id=req.channel_id)
        one.controller = one
        two.controller = one
        if not pbx.config.exten_exists(context, exten):
            self._fail_unknown_context(one, two, req, respond)
            return
        self._setup_events(one, two, req)
        if context in pbx.config.customer_contexts:
            behaviour = pbx.config.behaviour.decide(exten)
        else:  # agents, spy, message contexts answer at once and stay up
            behaviour = PartyBehaviour(Outcome.ANSWER, 0.0, 10_000.0, 10_000.0, HangupBy.AGENT)
        if context in pbx.config.agent_contexts:
            pbx.device_state(one.device, "INUSE")
            pbx.refresh_members(one.device)
        call = Call(one, two, behaviour, req)
        if self.on_dial is not None and context in pbx.config.customer_contexts:
            self.on_dial(call)
        answered = await self._dial(call)
        if respond:
            respond(OriginateResult(answered, 4 if answered else 0, one if answered else None))
        if answered:
            await self._after_answer(call)

    def _setup_events(self, one: Channel, two: Channel, req: OriginateRequest) -> None:
        pbx = self.pbx
        pbx.channel_event("Newchannel", one)
        pbx.channel_event("Newchannel", two)
        pbx.newexten(one, "AppDial2", "(Outgoing Line)")
        for name, value in reversed(req.variables):
            pbx.varset(one, name, value)
        if req.account:
            one.account = req.account
            pbx.channel_event("NewAccountCode", one, [("OldAccountCode", "")])
        if req.caller_num or req.caller_name:
            one.caller_num = req.caller_num or UNKNOWN
            one.caller_name = req.caller_name or UNKNOWN
            pbx.channel_event("NewCallerid", one, [CID_PRES])
            one.connected_num, one.connected_name = one.caller_num, one.caller_name
            pbx.channel_event("NewConnectedLine", one)
        for name, value in req.variables:
            pbx.varset(two, name, value)
        if req.caller_num or req.caller_name:
            two.caller_num, two.caller_name = one.caller_num, one.caller_name
            two.connected_num, two.connected_name = one.caller_num, one.caller_name
            pbx.channel_event("NewCallerid", two, [CID_PRES])
        if req.account:
            two.account = req.account
            pbx.channel_event("NewAccountCode", two, [("OldAccountCode", "")])
        if req.caller_num or req.caller_name:
            pbx.channel_event("NewConnectedLine", two)
        pbx.emit(
            [
                ("Event", "LocalBridge"),
                ("Privilege", "call,all"),
                *chf(one, "LocalOne"),
                *chf(two, "LocalTwo"),
                ("Context", two.context),
                ("Exten", two.exten),
                ("LocalOptimization", "Yes"),
            ]
        )
        dial_string = req.channel.removeprefix("Local/")
        pbx.emit(
            [
                ("Event", "DialBegin"),
                ("Privilege", "call,all"),
                *chf(one, "Dest"),
                ("DialString", dial_string),
            ]
        )

    def _dial_end(self, one: Channel, status: str) -> None:
        self.pbx.emit(
            [
                ("Event", "DialEnd"),
                ("Privilege", "call,all"),
                *chf(one, "Dest"),
                ("DialStatus", status),
            ]
        )

    def _originate_response(
        self, req: OriginateRequest, one: Channel | None, *, success: bool, reason: int
    ) -> None:
        fields: Fields = [("Event", "OriginateResponse"), ("Privilege", "call,all")]
        if req.action_id is not None:
            fields.append(("ActionID", req.action_id))
        fields += [
            ("Response", "Success" if success else "Failure"),
            ("Channel", one.name if success and one else req.channel),
        ]
        if req.application:
            fields += [("Application", req.application), ("Data", req.data)]
        else:
            fields += [("Context", req.context), ("Exten", req.exten)]
        caller_known = one is not None and one.caller_num != UNKNOWN
        fields += [
            ("Reason", str(reason)),
            ("Uniqueid", one.uniqueid if success and one else UNKNOWN),
            ("CallerIDNum", req.caller_num if caller_known else UNKNOWN),
            ("CallerIDName", req.caller_name if caller_known else UNKNOWN),
        ]
        if req.is_async:
            self.pbx.emit(fields)

    def _fail_unknown_context(
        self, one: Channel, two: Channel, req: OriginateRequest, respond: Responder | None
    ) -> None:
        """Capture g3: the ;2 half finds no such context; both halves die with cause 0."""
        pbx = self.pbx
        if respond:  # sync: the Response comes before the channel events
            respond(OriginateResult(success=False, reason=0))
        pbx.channel_event("Newchannel", one)
        pbx.channel_event("Newchannel", two)
        one.application, one.app_data = "AppDial2", "(Outgoing Line)"
        if respond:
            pbx.end_channel(two, 0)
            pbx.end_channel(one, 0)
            pbx.cdr(two, "FAILED")
            pbx.cdr(one, "FAILED")
            return
        pbx.end_channel(two, 0)
        pbx.cdr(two, "FAILED")
        self._originate_response(req, one, success=False, reason=0)
        pbx.end_channel(one, 0)
        pbx.cdr(one, "FAILED")

    async def _dial(self, call: Call) -> bool:
        """Ring the far end; True once answered, False after a failure (events sent)."""
        pbx, one, two, b = self.pbx, call.one, call.two, call.behaviour
        req = call.request
        pbx.newexten(two, "NoOp", f"customer {b.outcome.value}", 1)
        ring = b.ring_time
        if b.outcome in (Outcome.ANSWER, Outcome.MACHINE) and ring <= 0:
            return self._answer(call)
        if b.outcome in (Outcome.BUSY, Outcome.CONGESTION):
            if await pbx.wait(one, ring) is not None:
                return self._cancel(call)
            self._busy_or_congested(call)
            return False
        pbx.newexten(two, "Ringing", "", 2)
        pbx.newstate(one, ChannelState.RINGING)
        pbx.device_state(one.device, "RINGING")
        pbx.emit(
            [
                ("Event", "DialState"),
                ("Privilege", "call,all"),
                *chf(one, "Dest"),
                ("DialStatus", "RINGING"),
            ]
        )
        if b.outcome is Outcome.NOANSWER or ring >= req.timeout:
            if await pbx.wait(one, req.timeout) is not None:
                return self._cancel(call)
            self._no_answer(call)
            return False
        if await pbx.wait(one, ring) is not None:
            return self._cancel(call)
        return self._answer(call)

    def _answer(self, call: Call) -> bool:
        pbx, one, two = self.pbx, call.one, call.two
        two.variables["DIALSTATUS"] = "ANSWER"
        pbx.newexten(two, "Answer", "", 2)
        pbx.newstate(two, ChannelState.UP)
        pbx.newstate(one, ChannelState.UP)
        pbx.device_state(one.device, "INUSE")
        pbx.device_state(one.device, "INUSE")
        self._dial_end(one, "ANSWER")
        call.answered_mono = pbx.clock.monotonic()
        pbx.newexten(two, "Wait", f"{int(call.behaviour.talk_time)}", 3)
        self._originate_response(call.request, one, success=True, reason=4)
        pbx.processed_calls += 1
        return True

    def _busy_or_congested(self, call: Call) -> None:
        pbx, one, two = self.pbx, call.one, call.two
        busy = call.behaviour.outcome is Outcome.BUSY
        two.variables["DIALSTATUS"] = "BUSY" if busy else "CONGESTION"
        pbx.newexten(two, "Busy" if busy else "Congestion", "5", 2)
        pbx.newstate(two, ChannelState.BUSY)
        pbx.device_state(one.device, "INUSE")
        one.application, one.app_data = "AppDial2", "(Outgoing Line)"
        if busy:
            self._originate_response(call.request, one, success=False, reason=5)
            self._dial_end(one, "BUSY")
            pbx.hangup_request(two, 0)
            pbx.end_channel(one, 0)
            pbx.hangup_request(two, 16, soft=True)
            pbx.end_channel(two, 17)
            pbx.cdr(one, "BUSY")
            pbx.cdr(two, "BUSY")
            return
        self._originate_response(call.request, one, success=False, reason=8)
        pbx.cdr(two, "FAILED")
        pbx.cdr(one, "FAILED")
        self._dial_end(one, "CONGESTION")
        pbx.hangup_request(two, 0)
        pbx.hangup_request(two, 16, soft=True)
        pbx.end_channel(two, 34)
        pbx.end_channel(one, 0)

    def _no_answer(self, call: Call) -> None:
        pbx, one, two = self.pbx, call.one, call.two
        pbx.newexten(two, "Wait", "60", 2)
        two.variables["DIALSTATUS"] = "NOANSWER"
        one.application, one.app_data = "AppDial2", "(Outgoing Line)"
        pbx.hangup_request(two, 19)
        self._originate_response(call.request, one, success=False, reason=3)
        pbx.hangup_request(two, 16, soft=True)
        pbx.end_channel(two, 19)
        pbx.end_channel(one, 19)
        pbx.cdr(two, "NO ANSWER")
        pbx.cdr(one, "NO ANSWER")

    def _cancel(self, call: Call) -> bool:
        """The dialer hung the ringing call up (AMI Hangup): Reason 1, cause 16."""
        pbx, one, two = self.pbx, call.one, call.two
        two.variables["DIALSTATUS"] = "CANCEL"
        one.application, one.app_data = "AppDial2", "(Outgoing Line)"
        self._dial_end(one, "CANCEL")
        self._originate_response(call.request, one, success=False, reason=1)
        pbx.hangup_request(two, 16)
        pbx.end_channel(two, 16)
        pbx.end_channel(one, 16)
        pbx.cdr(two, "NO ANSWER")
        pbx.cdr(one, "NO ANSWER")
        return False

    # --- after the answer ---------------------------------------------------------------------
    async def _after_answer(self, call: Call) -> None:
        b = call.behaviour
        # a machine stops after its greeting; a person gives up after their patience unless an
        # agent takes the call first (the queue then sets a new deadline)
        wait = b.talk_time if b.outcome is Outcome.MACHINE else b.patience
        call.customer_deadline = call.answered_mono + wait
        req = call.request
        if req.application:
            assert self.run_application is not None
            await self.run_application(call, req.application, req.data)
        else:
            await self.run_dialplan(call, req.context, req.exten, req.priority)

    async def wait(self, call: Call, seconds: float | None) -> object | None:
        """Wait in the dialplan; a customer deadline turns into a HangupSignal of ``;2``."""
        pbx = self.pbx
        limit = seconds
        if call.customer_deadline is not None:
            left = call.customer_deadline - pbx.clock.monotonic()
            if left <= 0:
                return HangupSignal(call.two, 16)
            limit = left if limit is None else min(limit, left)
        signal = await pbx.wait(call.one, limit)
        deadline = call.customer_deadline
        if signal is None and deadline is not None and pbx.clock.monotonic() >= deadline - 1e-9:
            return HangupSignal(call.two, 16)
        return signal

    async def run_dialplan(self, call: Call, context: str, exten: str, priority: int) -> None:
        pbx, one = self.pbx, call.one
        while not one.hung_up:
            one.context, one.exten = context, exten
            cfg = pbx.config
            handler = self.contexts.get(context)
            if handler is not None:
                outcome = await handler(call, exten, priority)
                if isinstance(outcome, RedirectSignal):
                    context, exten, priority = outcome.context, outcome.exten, outcome.priority
                    continue
                return
            if context == cfg.dialer_context and exten == "amd" and priority == 1:
                if not await self._amd(call):
                    return
                exten, priority = "s", 2
                continue
            if context in (cfg.dialer_context, "dialer-rec"):
                outcome = await self._dialer_s(call, context, priority)
            elif context in cfg.message_contexts:
                outcome = await self._message(call, cfg.message_contexts[context])
            else:
                outcome = await self._park(call, "Wait", "60")
            if isinstance(outcome, RedirectSignal):
                context, exten, priority = outcome.context, outcome.exten, outcome.priority
                continue
            return

    async def _dialer_s(self, call: Call, context: str, priority: int) -> object | None:
        pbx, one = self.pbx, call.one
        lead = one.variables.get("DIALER_LEAD", "")
        campaign = one.variables.get("DIALER_CAMPAIGN", "")
        if priority <= 1:
            pbx.newexten(one, "NoOp", f"dialer call campaign={campaign} lead={lead}", 1)
        pbx.newexten(one, "MixMonitor", f"/var/spool/asterisk/monitor/{one.uniqueid}.wav", 2)
        pbx.start_recording(one)
        call.recording = True
        pbx.channel_event("MixMonitorStart", one)
        if context == "dialer-rec":
            return await self._park(call, "Wait", "60")
        pbx.newexten(one, "Queue", f"collections,,,,{int(pbx.config.queue_wait)}", 3)
        assert self.queue_app is not None
        result = await self.queue_app(call, "collections", pbx.config.queue_wait)
        if isinstance(result, RedirectSignal) or one.hung_up:
            return result
        pbx.newexten(one, "NoOp", f"QUEUESTATUS={one.variables.get('QUEUESTATUS', '')}", 4)
        pbx.newexten(one, "Hangup", "", 5)
        self.hangup_by_dialplan(call)
        return None

    async def _amd(self, call: Call) -> bool:
        """AMD(): VarSet AMDSTATUS/AMDCAUSE; a machine ends with UserEvent + Hangup."""
        pbx, one, cfg = self.pbx, call.one, self.pbx.config
        pbx.newexten(one, "NoOp", "dialer call with AMD", 1)
        pbx.newexten(one, "AMD", "", 2)
        machine = call.behaviour.outcome is Outcome.MACHINE
        delay = cfg.amd_machine_delay if machine else cfg.amd_human_delay
        signal = await self.wait(call, delay)
        if signal is not None:
            self.end_by_signal(call, signal)
            return False
        status = pbx.amd_verdict(one, machine=machine)
        cause = one.variables.get("AMDCAUSE", "")
        pbx.newexten(one, "NoOp", f"AMDSTATUS={status} AMDCAUSE={cause}", 3)
        if status != "MACHINE":
            return True
        pbx.newexten(one, "UserEvent", f"DialerAMD,Status: {status},Cause: {cause}", 6)
        pbx.emit(
            [
                ("Event", "UserEvent"),
                ("Privilege", "user,all"),
                *chf(one),
                ("UserEvent", "DialerAMD"),
                ("Status", status),
                ("Cause", cause),
            ]
        )
        pbx.newexten(one, "Hangup", "", 7)
        self.hangup_by_dialplan(call)
        return False

    async def _message(self, call: Call, seconds: float) -> object | None:
        pbx, one = self.pbx, call.one
        pbx.newexten(one, "NoOp", "no agent free: identification message", 1)
        pbx.newexten(one, "Playback", "please-try-call-later&goodbye", 2)
        signal = await self.pbx.wait(one, seconds)  # the customer listens to the end
        if isinstance(signal, RedirectSignal):
            return signal
        if signal is not None:
            self.end_by_signal(call, signal)
            return None
        pbx.newexten(one, "Hangup", "", 3)
        self.hangup_by_dialplan(call)
        return None

    async def _park(self, call: Call, app: str, data: str) -> object | None:
        """An application that just waits (Wait(n)) until the call ends or moves."""
        self.pbx.newexten(call.one, app, data)
        seconds = float(data) if data.replace(".", "", 1).isdigit() else None
        signal = await self.wait(call, seconds)
        if isinstance(signal, RedirectSignal):
            return signal
        if signal is None:
            self.hangup_by_dialplan(call)
        else:
            self.end_by_signal(call, signal)
        return None

    # --- hangups ------------------------------------------------------------------------------
    def end_by_signal(self, call: Call, signal: object) -> None:
        if isinstance(signal, HangupSignal) and signal.channel is call.one and signal.by_ami:
            self.hangup_by_ami(call, signal.cause)
        elif isinstance(signal, HangupSignal) and signal.channel is call.one:
            self.hangup_by_dialplan(call, signal.cause)
        else:
            cause = signal.cause if isinstance(signal, HangupSignal) else 16
            self.hangup_by_customer(call, cause)

    def hangup_by_customer(self, call: Call, cause: int = 16) -> None:
        """The far end (;2) hangs up: capture b's order."""
        pbx, one, two = self.pbx, call.one, call.two
        if two.hung_up and one.hung_up:
            return
        call.customer_hung_up = True
        pbx.hangup_request(two, cause, soft=True)
        pbx.hangup_request(one, cause)
        pbx.end_channel(two, cause)
        pbx.cdr(two, "ANSWERED")
        pbx.cdr(one, "ANSWERED")
        self.finish_one(call, cause)

    def hangup_by_ami(self, call: Call, cause: int = 16) -> None:
        """An AMI Hangup of ;1 outside a bridge: capture j's order."""
        pbx, one, two = self.pbx, call.one, call.two
        pbx.hangup_request(one, cause, soft=True)
        pbx.hangup_request(two, cause)
        pbx.cdr(one, "ANSWERED")
        self.finish_one(call, cause)
        pbx.hangup_request(two, cause, soft=True)
        pbx.cdr(two, "ANSWERED")
        pbx.end_channel(two, cause)

    def hangup_by_dialplan(self, call: Call, cause: int = 16) -> None:
        """;1's dialplan ends (Hangup() or an AMI Hangup of ;1): capture m's order."""
        pbx, one, two = self.pbx, call.one, call.two
        if two.hung_up and one.hung_up:
            return
        pbx.hangup_request(one, cause, soft=True)
        pbx.hangup_request(two, cause)
        pbx.hangup_request(two, cause, soft=True)
        pbx.end_channel(two, cause)
        pbx.cdr(two, "ANSWERED")
        pbx.cdr(one, "ANSWERED")
        self.finish_one(call, cause)

    def finish_one(self, call: Call, cause: int) -> None:
        if call.recording and call.one.name in self.pbx.recordings:
            self.pbx.spawn(self.pbx.stop_recording(call.one, announce=False))
        self.pbx.end_channel(call.one, cause)


__all__ = ["CID_PRES", "UNKNOWN", "Call", "CallFlows", "OriginateRequest", "OriginateResult"]
