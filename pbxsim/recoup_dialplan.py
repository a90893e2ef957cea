"""Recoup's production dialplan (``asterisk_conf/extensions_recoup.conf``) as pbxsim runs it.

Active when ``SimConfig.dialplan == "recoup"`` (:meth:`pbxsim.config.SimConfig.recoup`):

* ``recoup-outbound`` (the ``;2`` half of ``Local/<E.164>@recoup-outbound/n``): the called
  party, with the hangup handler ``recoup-hangup,dial`` (UserEvent ``RecoupDialEnded``);
* ``recoup-dialer,s,1`` (the answered ``;1``): hangup handler ``recoup-hangup,answered``
  (``RecoupCallEnded``), MixMonitor ``i(RECOUP_MIXID)``, AMD when ``RECOUP_AMD=1``
  (``RecoupAMD``; a machine hangs up or gets the message, per ``RECOUP_ON_MACHINE``), the
  recording notice when ``RECOUP_ALL_PARTY_CONSENT=1``, ``Queue(${RECOUP_QUEUE},cCn,,,3)``, no
  agent -> ``recoup-abandon``;
* ``recoup-abandon,s,1``: ``RecoupAbandon`` (once per call), the identification message,
  hang-up;
* ``recoup-spy,listen|whisper|barge``: ChanSpy of ``RECOUP_SPY_TARGET``.

Priorities and application data follow the file, so Newexten events read like a real PBX's.
"""

from __future__ import annotations

from collections.abc import Sequence

from pbxsim.applications import Applications
from pbxsim.behaviour import Outcome
from pbxsim.calls import Call, CallFlows
from pbxsim.channels import Channel
from pbxsim.channels import channel_fields as chf
from pbxsim.pbx import HangupSignal, Pbx, RedirectSignal

SPY_OPTIONS = {"listen": "qSE", "whisper": "qSEw", "barge": "qSEB"}


class RecoupDialplan:
    """The recoup-* contexts; registers itself on :class:`CallFlows`."""

    def __init__(self, pbx: Pbx, flows: CallFlows, applications: Applications) -> None:
        self.pbx = pbx
        self.flows = flows
        self.applications = applications
        flows.on_dial = self.dial
        flows.contexts.update(
            {
                "recoup-dialer": self.dialer,
                "recoup-abandon": self.abandon,
                "recoup-spy": self.spy,
            }
        )

    # --- variables and events -------------------------------------------------------------
    def var(self, channel: Channel, name: str) -> str:
        """``${NAME}``: the channel's variable, else the ``[globals]`` one."""
        if name in channel.variables:
            return channel.variables[name]
        return self.pbx.config.globals.get(name, "")

    def set(self, channel: Channel, name: str, value: str, priority: int) -> None:
        self.pbx.newexten(channel, "Set", f"{name}={value}", priority)
        self.pbx.varset(channel, name, value)

    def user_event(
        self, channel: Channel, name: str, fields: Sequence[tuple[str, str]], priority: int
    ) -> None:
        body = ",".join(f"{key}: {value}" for key, value in fields)
        self.pbx.newexten(channel, "UserEvent", f"{name},{body}", priority)
        self.pbx.emit(
            [
                ("Event", "UserEvent"),
                ("Privilege", "user,all"),
                *chf(channel),
                ("UserEvent", name),
                *fields,
            ]
        )

    def _ids(self, channel: Channel) -> list[tuple[str, str]]:
        return [
            ("Campaign", self.var(channel, "RECOUP_CAMPAIGN")),
            ("Lead", self.var(channel, "RECOUP_LEAD")),
        ]

    def _epoch(self) -> str:
        return str(int(self.pbx.clock.now().timestamp()))

    # --- recoup-outbound and the hangup handlers ------------------------------------------
    def dial(self, call: Call) -> None:
        """``recoup-outbound,_+X.``: remember the number, push ``recoup-hangup,dial,1``."""
        two = call.two
        self.pbx.newexten(two, "Set", f"RECOUP_NUMBER={two.exten}", 2)
        self.pbx.varset(two, "RECOUP_NUMBER", two.exten)
        two.hangup_handlers.append(self._dial_ended)

    def _dial_ended(self, two: Channel, cause: int) -> None:
        two.context, two.exten, two.priority = "recoup-hangup", "dial", 1
        self.user_event(
            two,
            "RecoupDialEnded",
            [
                ("Leg", "dial"),
                *self._ids(two),
                ("Debt", self.var(two, "RECOUP_DEBT")),
                ("Number", self.var(two, "RECOUP_NUMBER")),
                ("DialStatus", self.var(two, "DIALSTATUS")),
                ("HangupCause", str(cause)),
                ("EndedAt", self._epoch()),
            ],
            1,
        )

    def _call_ended(self, call: Call, cause: int) -> None:
        one = call.one
        result = "AGENT" if self.var(one, "MEMBERINTERFACE") else self.var(one, "RECOUP_RESULT")
        one.context, one.exten, one.priority = "recoup-hangup", "answered", 1
        self.set(one, "RECOUP_RESULT", result, 1)
        self.user_event(
            one,
            "RecoupCallEnded",
            [
                ("Leg", "answered"),
                *self._ids(one),
                ("Debt", self.var(one, "RECOUP_DEBT")),
                ("Result", result),
                ("AbandonReason", self.var(one, "RECOUP_ABANDON_REASON")),
                ("AMDStatus", self.var(one, "AMDSTATUS")),
                ("AMDCause", self.var(one, "AMDCAUSE")),
                ("Queue", self.var(one, "RECOUP_QUEUE")),
                ("QueueStatus", self.var(one, "QUEUESTATUS")),
                ("MemberName", self.var(one, "MEMBERNAME")),
                ("MemberInterface", self.var(one, "MEMBERINTERFACE")),
                ("HoldTime", self.var(one, "QEHOLDTIME")),
                ("RecordingFile", self.var(one, "MIXMONITOR_FILENAME")),
                ("MixMonitorID", self.var(one, "RECOUP_MIXID")),
                ("AnsweredAt", self.var(one, "RECOUP_ANSWERED_AT")),
                ("EndedAt", self._epoch()),
                ("HangupCause", str(cause)),
                ("HangupSource", call.two.name if call.customer_hung_up else one.name),
            ],
            1,
        )

    # --- recoup-dialer ----------------------------------------------------------------------
    async def dialer(self, call: Call, exten: str, priority: int) -> object | None:
        step: object | None = exten
        while isinstance(step, str):
            call.one.exten = step
            if step == "s":
                step = await self._answered(call)
            elif step == "queue":
                step = await self._queue(call)
            elif step == "machine":
                step = await self._machine(call)
            else:  # gone
                self.set(call.one, "RECOUP_RESULT", "HANGUP", 1)
                self.pbx.newexten(call.one, "Hangup", "", 2)
                self.flows.hangup_by_dialplan(call)
                step = None
        return step

    async def _pause(self, call: Call, seconds: float) -> object | None:
        """Wait in the dialplan: None when the time is up, else the signal (already acted on,
        unless it is a Redirect)."""
        signal = await self.flows.wait(call, seconds)
        if signal is not None and not isinstance(signal, RedirectSignal):
            self.flows.end_by_signal(call, signal)
        return signal

    async def _answered(self, call: Call) -> object | None:
        pbx, one = self.pbx, call.one
        campaign, lead = self.var(one, "RECOUP_CAMPAIGN"), self.var(one, "RECOUP_LEAD")
        debt = self.var(one, "RECOUP_DEBT")
        pbx.newexten(
            one, "NoOp", f"Recoup: answered campaign={campaign} lead={lead} debt={debt}", 1
        )
        pbx.newexten(one, "Set", "CHANNEL(hangup_handler_push)=recoup-hangup,answered,1", 2)
        one.hangup_handlers.append(lambda _channel, cause: self._call_ended(call, cause))
        self.set(one, "RECOUP_RESULT", "ANSWERED", 3)
        self.set(one, "RECOUP_ANSWERED_AT", self._epoch(), 4)
        pbx.newexten(one, "Set", f"CDR(userfield)={campaign}/{lead}", 5)
        day = pbx.clock.now().strftime("%Y/%m/%d")
        recording = pbx.start_recording(one, subdir=day, id_variable="RECOUP_MIXID")
        pbx.newexten(one, "MixMonitor", f"{recording.path},i(RECOUP_MIXID)", 6)
        pbx.varset(one, "MIXMONITOR_FILENAME", str(recording.path), always=True)
        pbx.varset(one, "RECOUP_MIXID", recording.mix_id, always=True)
        call.recording = True
        pbx.channel_event("MixMonitorStart", one)
        pbx.newexten(one, "GotoIf", f'$["{self.var(one, "RECOUP_AMD")}" != "1"]?queue,1', 7)
        if self.var(one, "RECOUP_AMD") != "1":
            return "queue"
        pbx.newexten(one, "AMD", "", 8)
        cfg = pbx.config
        machine = call.behaviour.outcome is Outcome.MACHINE
        signal = await self.flows.wait(
            call, cfg.amd_machine_delay if machine else cfg.amd_human_delay
        )
        if isinstance(signal, RedirectSignal):
            return signal
        if signal is not None:
            if isinstance(signal, HangupSignal) and signal.channel is call.two:
                pbx.varset(one, "AMDSTATUS", "HANGUP", always=True)  # the customer went
                pbx.varset(one, "AMDCAUSE", "", always=True)
            self.flows.end_by_signal(call, signal)
            return None
        status = pbx.amd_verdict(one, machine=machine)
        cause = one.variables.get("AMDCAUSE", "")
        pbx.newexten(one, "GotoIf", f'$["{status}" = "MACHINE"]?machine,1', 9)
        if status == "MACHINE":
            return "machine"
        pbx.newexten(one, "GotoIf", f'$["{status}" = "HANGUP"]?gone,1', 10)
        self.user_event(
            one,
            "RecoupAMD",
            [*self._ids(one), ("AMDStatus", status), ("AMDCause", cause), ("Action", "queue")],
            11,
        )
        pbx.newexten(one, "Goto", "queue,1", 12)
        return "queue"

    async def _queue(self, call: Call) -> object | None:
        pbx, one = self.pbx, call.one
        self.set(one, "RECOUP_RESULT", "QUEUED", 1)
        if self.var(one, "RECOUP_ALL_PARTY_CONSENT") == "1":
            pbx.newexten(one, "ExecIf", f"1?Playback({self.var(one, 'RECOUP_NOTICE_PROMPT')})", 2)
            signal = await self._pause(call, pbx.config.notice_seconds)
            if signal is not None:
                return signal if isinstance(signal, RedirectSignal) else None
        queue = self.var(one, "RECOUP_QUEUE")
        timeout_text = self.var(one, "RECOUP_QUEUE_TIMEOUT")
        timeout = float(timeout_text) if timeout_text else pbx.config.queue_wait
        pbx.newexten(one, "Queue", f"{queue},cCn,,,{timeout_text}", 3)
        if queue in pbx.queues:
            assert self.flows.queue_app is not None
            result = await self.flows.queue_app(call, queue, timeout)
            if isinstance(result, RedirectSignal):
                return result
            if one.hung_up:
                return None
        status = self.var(one, "QUEUESTATUS")
        pbx.newexten(one, "NoOp", f"Recoup: QUEUESTATUS={status} MEMBERNAME=", 4)
        if self.var(one, "MEMBERINTERFACE"):  # the agent hung up: Queue()'s c option
            self.set(one, "RECOUP_RESULT", "AGENT", 8)
            pbx.newexten(one, "Hangup", "", 9)
            self.flows.hangup_by_dialplan(call)
            return None
        self.set(one, "RECOUP_ABANDON_REASON", status or "UNKNOWN", 6)
        pbx.newexten(one, "Goto", "recoup-abandon,s,1", 7)
        return RedirectSignal("recoup-abandon", "s", 1)

    async def _machine(self, call: Call) -> object | None:
        pbx, one = self.pbx, call.one
        ids = [*self._ids(one), ("AMDStatus", self.var(one, "AMDSTATUS"))]
        ids.append(("AMDCause", self.var(one, "AMDCAUSE")))
        on_machine = self.var(one, "RECOUP_ON_MACHINE")
        pbx.newexten(one, "NoOp", f"Recoup: machine, on machine: {on_machine}", 1)
        pbx.newexten(one, "GotoIf", f'$["{on_machine}" = "message"]?message', 2)
        if on_machine != "message":
            self.set(one, "RECOUP_RESULT", "MACHINE", 3)
            self.user_event(one, "RecoupAMD", [*ids, ("Action", "hangup")], 4)
            pbx.newexten(one, "Hangup", "", 5)
            self.flows.hangup_by_dialplan(call)
            return None
        self.set(one, "RECOUP_RESULT", "MACHINE_MESSAGE", 6)
        self.user_event(one, "RecoupAMD", [*ids, ("Action", "message")], 7)
        silence_s = float(self.var(one, "RECOUP_MACHINE_SILENCE_MS") or 0) / 1000
        most = float(self.var(one, "RECOUP_MACHINE_WAIT_S") or 0)
        pbx.newexten(one, "WaitForSilence", f"{int(silence_s * 1000)},1,{most:g}", 8)
        # the greeting ends, the machine beeps and records: it no longer hangs up by itself
        greeting_end = call.answered_mono + call.behaviour.talk_time
        call.customer_deadline = None
        wait = min(most, max(0.0, greeting_end - pbx.clock.monotonic()) + silence_s)
        signal = await self._pause(call, wait)
        if signal is None:
            prompt = self.var(one, "RECOUP_MACHINE_PROMPT")
            pbx.newexten(one, "Playback", prompt, 9)
            signal = await self._pause(call, pbx.config.machine_message_seconds)
        if signal is not None:
            return signal if isinstance(signal, RedirectSignal) else None
        pbx.newexten(one, "Hangup", "", 10)
        self.flows.hangup_by_dialplan(call)
        return None

    # --- recoup-abandon ---------------------------------------------------------------------
    async def abandon(self, call: Call, exten: str, priority: int) -> object | None:
        pbx, one = self.pbx, call.one
        one.priority = 1
        pbx.newexten(
            one, "NoOp", f"Recoup: identification message lead={self.var(one, 'RECOUP_LEAD')}", 1
        )
        self.set(one, "RECOUP_RESULT", "ABANDON", 2)
        if self.var(one, "RECOUP_ABANDON_REPORTED") != "1":
            self.set(one, "RECOUP_ABANDON_REPORTED", "1", 4)
            reason = self.var(one, "RECOUP_ABANDON_REASON") or "REDIRECT"
            self.set(one, "RECOUP_ABANDON_REASON", reason, 5)
            self.user_event(
                one,
                "RecoupAbandon",
                [
                    *self._ids(one),
                    ("Debt", self.var(one, "RECOUP_DEBT")),
                    ("Reason", reason),
                    ("Queue", self.var(one, "RECOUP_QUEUE")),
                ],
                6,
            )
        pbx.newexten(one, "Playback", self.var(one, "RECOUP_ID_PROMPT"), 7)
        signal = await pbx.wait(one, pbx.config.message_contexts["recoup-abandon"])
        if isinstance(signal, RedirectSignal):
            return signal
        if signal is not None:
            self.flows.end_by_signal(call, signal)
            return None
        pbx.newexten(one, "Hangup", "", 8)
        self.flows.hangup_by_dialplan(call)
        return None

    # --- recoup-spy -------------------------------------------------------------------------
    async def spy(self, call: Call, exten: str, priority: int) -> object | None:
        pbx, one = self.pbx, call.one
        target = self.var(one, "RECOUP_SPY_TARGET")
        pbx.newexten(one, "NoOp", f"Recoup: {exten} to {target}", 1)
        pbx.newexten(one, "Answer", "", 2)
        pbx.newexten(one, "ChanSpy", f"{target},{SPY_OPTIONS.get(exten, 'qSE')}", 3)
        spyee = pbx.channels.find_prefix(target) if target else None
        await self.applications.spy(call, one, spyee, app_seconds=None)
        return None
