"""Applications an Originate can run on its ``;1`` half (``Application``/``Data``): Wait, and
ChanSpy (capture e, or the lab's ``spy`` context on ``;2``); and the ``inbound`` context,
whose ``;2`` half answers and runs AGI against the IVR over real FastAGI (captures f1–f4).
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass

from pbxsim.calls import Call, CallFlows
from pbxsim.channels import Channel
from pbxsim.channels import channel_fields as chf
from pbxsim.fastagi import CallerScript, FastAgiCall
from pbxsim.pbx import HangupSignal, Pbx


@dataclass(frozen=True)
class AgiDone:
    """The FastAGI session of an inbound call is over."""


class Applications:
    def __init__(self, pbx: Pbx, flows: CallFlows) -> None:
        self.pbx = pbx
        self.flows = flows
        flows.run_application = self.run_application
        self.agi_calls: dict[str, FastAgiCall] = {}  # caller's ;1 name -> its AGI session
        self._command_id = ""

    async def run_application(self, call: Call, app: str, data: str) -> None:
        """Originate with Application: ;1 runs it; the ;2 half runs its own context."""
        pbx, one, two = self.pbx, call.one, call.two
        if two.context == pbx.config.inbound_context:
            await self.inbound(call, app, data)
            return
        if app.lower() == "chanspy":
            target = pbx.channels.find_prefix(data.split(",", maxsplit=1)[0])
            await self.spy(call, one, target, app_seconds=None)
            return
        seconds = float(data) if data.replace(".", "", 1).isdigit() else None
        pbx.newexten(one, app, data)
        if two.context in pbx.config.spy_contexts:
            spec = two.variables.get("SPYTARGET", "") or one.variables.get("SPYTARGET", "")
            if two.exten != "s":
                spec = f"Local/{two.exten}@agents"
            pbx.newexten(two, "ChanSpy", f"{spec},qsE", 2)
            await self.spy(call, two, pbx.channels.find_prefix(spec), app_seconds=seconds)
            return
        signal = await self.flows.wait(call, seconds)
        if signal is None or (isinstance(signal, HangupSignal) and signal.channel is one):
            self.application_ends(call)
        else:
            self.flows.end_by_signal(call, signal)

    def application_ends(self, call: Call) -> None:
        """;1's application returns (capture n's Wait(8)): ;1 goes, then ;2 follows."""
        pbx, one, two = self.pbx, call.one, call.two
        pbx.hangup_request(two, 0)
        pbx.end_channel(one, 0)
        pbx.cdr(one, "ANSWERED")
        pbx.cdr(two, "ANSWERED")
        pbx.hangup_request(two, 16, soft=True)
        pbx.end_channel(two, 0)

    async def spy(
        self, call: Call, spyer: Channel, target: Channel | None, *, app_seconds: float | None
    ) -> None:
        """ChanSpy until the spied channel goes or the listener is hung up (capture e)."""
        pbx, one, two = self.pbx, call.one, call.two
        if target is None:
            self.flows.hangup_by_dialplan(call)
            return
        pbx.spies.setdefault(target.name, []).append((spyer, one))
        pbx.emit(
            [
                ("Event", "ChanSpyStart"),
                ("Privilege", "call,all"),
                *chf(spyer, "Spyer"),
                *chf(target, "Spyee"),
            ]
        )
        deadline = None if app_seconds is None else pbx.clock.monotonic() + app_seconds
        while True:
            limit = None if deadline is None else max(0.0, deadline - pbx.clock.monotonic())
            signal = await pbx.wait(one, limit)
            if signal is None and deadline is not None and spyer is two and not one.hung_up:
                pbx.hangup_request(two, 0)  # ;1's application ended; ;2 spies on
                pbx.end_channel(one, 0)
                pbx.cdr(one, "ANSWERED")
                deadline = None
                continue
            break
        watchers = pbx.spies.get(target.name, [])
        if (spyer, one) in watchers:  # the listener left first; else the spyee's Hangup said it
            watchers.remove((spyer, one))
            pbx.emit(
                [
                    ("Event", "ChanSpyStop"),
                    ("Privilege", "call,all"),
                    *chf(spyer, "Spyer"),
                    *chf(target, "Spyee"),
                ]
            )
        if one.hung_up:
            pbx.cdr(two, "ANSWERED")
            pbx.hangup_request(two, 16, soft=True)
            pbx.end_channel(two, 0)
        elif isinstance(signal, HangupSignal):
            self.flows.end_by_signal(call, signal)
        else:
            self.flows.hangup_by_dialplan(call)

    # --- inbound calls into the IVR -----------------------------------------------------------
    async def inbound(self, call: Call, app: str, data: str) -> None:
        """;2 runs ``Answer(), AGI(agi://…/ivr)``; ;1 (the caller) runs ``app`` (Wait n)."""
        pbx, one, two = self.pbx, call.one, call.two
        target = pbx.config.agi
        url = f"agi://{target.host}:{target.port}/{target.script}"
        pbx.newexten(one, app, data)
        pbx.newexten(two, "AGI", url, 2)
        script = call.request.caller or CallerScript()
        script.caller_num = one.caller_num if one.caller_num != "<unknown>" else script.caller_num
        agi = FastAgiCall(
            target.host,
            target.port,
            script,
            pbx.clock,
            network_script=target.script,
            context=two.context,
            channel=two.name,
            uniqueid=two.uniqueid,
            observer=lambda command, reply: self._agi_event(two, command, reply),
        )
        agi.variables.update(two.variables)
        call.request.agi_session = agi
        self.agi_calls[one.name] = agi
        session = asyncio.ensure_future(self._run_agi(agi, two))
        session.add_done_callback(lambda _: one.interrupt(AgiDone()))
        seconds = float(data) if data.replace(".", "", 1).isdigit() else None
        deadline = None if seconds is None else pbx.clock.monotonic() + seconds
        caller_gone = False
        while True:
            left = None if deadline is None else max(0.0, deadline - pbx.clock.monotonic())
            signal = await pbx.wait(one, None if caller_gone else left)
            if isinstance(signal, AgiDone):
                break
            if signal is None or isinstance(signal, HangupSignal):
                caller_gone = True
                agi.hang_up()
        self.agi_calls.pop(one.name, None)
        pbx.varset(two, "AGISTATUS", agi.status or "FAILURE", always=True)
        if caller_gone:
            pbx.hangup_request(two, 16, soft=True)
            pbx.end_channel(one, 0)
            pbx.cdr(one, "ANSWERED")
            pbx.cdr(two, "ANSWERED")
            pbx.end_channel(two, 0)
            return
        pbx.newexten(two, "NoOp", f"AGISTATUS={agi.status}", 3)
        pbx.newexten(two, "Hangup", "", 4)
        self.flows.hangup_by_customer(call)

    async def _run_agi(self, agi: FastAgiCall, channel: Channel) -> None:
        try:
            await agi.run()
        except OSError:  # nobody listens on the FastAGI port
            agi.status = "FAILURE"

    def _agi_event(self, channel: Channel, command: str, reply: str | None) -> None:
        """AGIExecStart / AGIExecEnd as in capture f1."""
        if reply is None:
            self._command_id = str(random.randint(100_000_000, 999_999_999))
            self.pbx.channel_event(
                "AGIExecStart",
                channel,
                [("CommandId", self._command_id), ("Command", command)],
                "agi,all",
            )
            return
        code = reply.split(" ", 1)[0].split("-", 1)[0]
        result = {"510": "Invalid or unknown command", "520": "Usage"}.get(code, "Success")
        if code == "511":
            result = "Command Not Permitted on a dead channel or intercept routine"
        elif "result=-1" in reply:
            code, result = "-1", "Failure"
        elif "result=-2" in reply:
            result = "Unknown Result"
        self.pbx.channel_event(
            "AGIExecEnd",
            channel,
            [
                ("CommandId", self._command_id),
                ("Command", command),
                ("ResultCode", code),
                ("Result", result),
            ],
            "agi,all",
        )

    def press(self, channel: Channel, keys: str) -> bool:
        agi = self.agi_calls.get(channel.name)
        if agi is None:
            return False
        agi.press(keys)
        return True
