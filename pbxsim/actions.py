"""AMI actions: what each answers, word for word as Asterisk 22.10.1 in the captures."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING

from dialer.ami.protocol import AmiMessage
from pbxsim.calls import CallFlows, OriginateRequest, OriginateResult
from pbxsim.channels import Channel, Fields
from pbxsim.channels import channel_fields as chf
from pbxsim.numbers import leading_int
from pbxsim.pbx import HangupSignal, Pbx, RedirectSignal
from pbxsim.queues import DeviceState, Member, agent_name, with_action_id

if TYPE_CHECKING:
    from pbxsim.ami_server import ActionHandler, AmiSession
    from pbxsim.applications import Applications

TRUE = ("true", "yes", "1", "on", "y", "t")


def truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in TRUE


def parse_caller_id(text: str) -> tuple[str, str]:
    """``"Collections" <5551000>`` -> ("5551000", "Collections")."""
    text = text.strip()
    if "<" in text and text.endswith(">"):
        name, _, num = text[:-1].rpartition("<")
        return num.strip(), name.strip().strip('"')
    return text, ""


class Actions:
    """The action table the AMI server dispatches to."""

    def __init__(self, pbx: Pbx, flows: CallFlows, applications: Applications) -> None:
        self.pbx = pbx
        self.flows = flows
        self.applications = applications

    def table(self) -> dict[str, ActionHandler]:
        names = [n for n in dir(self) if n.startswith("act_")]
        return {n.removeprefix("act_"): getattr(self, n) for n in names}

    # --- system ------------------------------------------------------------------------------
    async def act_ping(self, s: AmiSession, m: AmiMessage) -> None:
        s.respond(m, "Success", [("Ping", "Pong"), ("Timestamp", f"{time.time():.6f}")])

    async def act_coresettings(self, s: AmiSession, m: AmiMessage) -> None:
        s.respond(
            m,
            "Success",
            [
                ("AMIversion", "11.0.0"),
                ("AsteriskVersion", "22.10.1"),
                ("SystemName", self.pbx.config.system_name),
                ("CoreMaxCalls", "0"),
                ("CoreMaxLoadAvg", "0.000000"),
                ("CoreRunUser", ""),
                ("CoreRunGroup", ""),
                ("CoreMaxFilehandles", "4096"),
                ("CoreRealTimeEnabled", "No"),
                ("CoreCDRenabled", "Yes"),
                ("CoreHTTPenabled", "No"),
                ("SoundsSearchCustomDir", "No"),
            ],
        )

    async def act_corestatus(self, s: AmiSession, m: AmiMessage) -> None:
        start = self.pbx.started_at
        calls = len({c.linkedid for c in self.pbx.channels.live.values()})
        s.respond(
            m,
            "Success",
            [
                ("CoreStartupDate", start.strftime("%Y-%m-%d")),
                ("CoreStartupTime", start.strftime("%H:%M:%S")),
                ("CoreReloadDate", start.strftime("%Y-%m-%d")),
                ("CoreReloadTime", start.strftime("%H:%M:%S")),
                ("CoreCurrentCalls", str(calls)),
                ("CoreProcessedCalls", str(self.pbx.processed_calls)),
            ],
        )

    async def act_listcommands(self, s: AmiSession, m: AmiMessage) -> None:
        fields = [(n, f"{n} action") for n in sorted(s.server.handlers)]
        s.respond(m, "Success", fields)

    async def act_events(self, s: AmiSession, m: AmiMessage) -> None:
        s.events_on = (m.get("EventMask") or "on").lower() not in ("off", "no", "false")
        s.respond(m, "Success", [("Events", "On" if s.events_on else "Off")])

    async def act_command(self, s: AmiSession, m: AmiMessage) -> None:
        command = (m.get("Command") or "").strip()
        lines = self._cli(command)
        s.respond(
            m,
            "Success",
            [("Message", "Command output follows"), *[("Output", line) for line in lines]],
        )

    def _cli(self, command: str) -> list[str]:
        if command == "core show version":
            return ["Asterisk 22.10.1 built by pbxsim on a x86_64 running Linux"]
        if command.startswith("queue show"):
            wanted = command.removeprefix("queue show").strip()
            lines: list[str] = []
            for q in self.pbx.queues.values():
                if wanted and q.name != wanted:
                    continue
                lines.append(
                    f"{q.name} has {len(q.callers)} calls (max unlimited) in "
                    f"'{q.strategy}' strategy ({q.average_hold()}s holdtime, "
                    f"{q.average_talk()}s talktime), W:0, C:{q.completed}, "
                    f"A:{q.abandoned}, SL:0.0%, SL2:0.0% within 20s"
                )
                lines.append("   Members: " if q.members else "   No Members")
                lines += [f"      {mb.name} ({mb.interface})" for mb in q.members.values()]
                lines.append("   No Callers" if not q.callers else "   Callers: ")
                lines.append("")
            return lines or [f"No such queue: {wanted}."]
        return [
            f"No such command '{command}' (type 'core show help {command}' for other "
            "possible commands)"
        ]

    # --- originate ---------------------------------------------------------------------------
    async def act_originate(self, s: AmiSession, m: AmiMessage) -> None:
        channel = m.get("Channel")
        if not channel:
            s.respond(m, "Error", [("Message", "Channel not specified")])
            return
        priority = leading_int(m.get("Priority") or "1")
        timeout_ms = leading_int(m.get("Timeout") or "30000")
        if priority is None:
            s.respond(m, "Error", [("Message", "Invalid priority")])
            return
        if timeout_ms is None:
            s.respond(m, "Error", [("Message", "Invalid timeout")])
            return
        if "/" not in channel:
            s.respond(m, "Error", [("Message", "Invalid channel")])
            return
        application = m.get("Application") or ""
        context, exten = m.get("Context") or "", m.get("Exten") or ""
        if not application and not (context and exten and m.get("Priority")):
            msg = "Originate with 'Exten' requires 'Context' and 'Priority'"
            s.respond(m, "Error", [("Message", msg)])
            return
        if not application and not self.pbx.config.exten_exists(context, exten):
            s.respond(m, "Error", [("Message", "Extension does not exist.")])
            return
        num, name = parse_caller_id(m.get("CallerID") or "")
        variables = []
        for raw in m.get_all("Variable"):
            for item in raw.split(","):
                key, _, value = item.partition("=")
                variables.append((key.strip(), value))
        req = OriginateRequest(
            channel=channel,
            action_id=m.action_id,
            context=context,
            exten=exten,
            priority=priority,
            application=application,
            data=m.get("Data") or "",
            timeout=timeout_ms / 1000 if timeout_ms >= 0 else 30.0,
            caller_num=num,
            caller_name=name,
            account=m.get("Account") or "",
            variables=variables,
            channel_id=m.get("ChannelId") or "",
            is_async=truthy(m.get("Async")),
        )
        if req.is_async:
            s.respond(m, "Success", [("Message", "Originate successfully queued")])
            self.pbx.spawn(self.flows.originate(req, None))
            await asyncio.sleep(0)  # the channels exist before the next action is read
            return

        decided: asyncio.Future[OriginateResult] = asyncio.get_running_loop().create_future()

        def respond(result: OriginateResult) -> None:
            if not decided.done():
                decided.set_result(result)
            if result.success:
                s.respond(m, "Success", [("Message", "Originate successfully queued")])
            else:
                s.respond(m, "Error", [("Message", "Originate failed")])

        call = self.pbx.spawn(self.flows.originate(req, respond))
        # Asterisk blocks the session until a sync Originate is decided; the call runs on.
        await asyncio.wait({decided, call}, return_when=asyncio.FIRST_COMPLETED)
        if not decided.done():
            respond(OriginateResult(success=False, reason=0))

    # --- channels ----------------------------------------------------------------------------
    def _channel(self, s: AmiSession, m: AmiMessage, missing: str) -> Channel | None:
        name = m.get("Channel")
        if not name:
            s.respond(m, "Error", [("Message", missing)])
            return None
        channel = self.pbx.channels.find(name)
        if channel is None:
            s.respond(m, "Error", [("Message", "No such channel")])
        return channel

    async def act_hangup(self, s: AmiSession, m: AmiMessage) -> None:
        channel = self._channel(s, m, "No channel specified")
        if channel is None:
            return
        cause = leading_int(m.get("Cause") or "16")
        if cause is None or not 0 < cause <= 127:  # manager.c: a bad Cause is ignored
            cause = 16
        s.respond(m, "Success", [("Message", "Channel Hungup")])
        channel.interrupt(HangupSignal(channel, cause, by_ami=True))

    async def act_redirect(self, s: AmiSession, m: AmiMessage) -> None:
        name = m.get("Channel") or ""
        if not name:
            s.respond(m, "Error", [("Message", "Channel not specified")])
            return
        priority = leading_int(m.get("Priority") or "1")
        if priority is None:
            s.respond(m, "Error", [("Message", "Invalid priority")])
            return
        channel = self.pbx.channels.find(name)
        if channel is None:
            s.respond(m, "Error", [("Message", f"Channel does not exist: {name}")])
            return
        context, exten = m.get("Context") or "", m.get("Exten") or ""
        if not self.pbx.config.exten_exists(context, exten):
            s.respond(m, "Error", [("Message", "Redirect failed")])
            return
        s.respond(m, "Success", [("Message", "Redirect successful")])
        channel.interrupt(RedirectSignal(context, exten, priority))

    async def act_getvar(self, s: AmiSession, m: AmiMessage) -> None:
        variable = m.get("Variable")
        if not variable:
            s.respond(m, "Error", [("Message", "No variable specified")])
            return
        # pbx_retrieve_variable: the channel's variables, then the [globals]
        value = self.pbx.config.globals.get(variable, "")
        if m.get("Channel"):
            channel = self._channel(s, m, "No channel specified")
            if channel is None:
                return
            value = channel.variables.get(variable, value)
        elif variable.upper().startswith("DEVICE_STATE("):
            device = variable[len("DEVICE_STATE(") : -1]
            value = self.pbx.device_status(device).name
        s.respond(m, "Success", [("Variable", variable), ("Value", value)])

    async def act_setvar(self, s: AmiSession, m: AmiMessage) -> None:
        variable = m.get("Variable")
        if not variable:
            s.respond(m, "Error", [("Message", "No variable specified")])
            return
        value = m.get("Value") or ""
        if variable.upper().startswith("DEVICE_STATE("):
            device = variable[len("DEVICE_STATE(") : -1]
            self.pbx.custom_states[device] = DeviceState.parse(value)
            s.respond(m, "Success", [("Message", "Variable Set")])
            self.pbx.device_state(device, value.upper())
            self.pbx.refresh_members()
            return
        if m.get("Channel"):
            channel = self._channel(s, m, "No channel specified")
            if channel is None:
                return
            self.pbx.varset(channel, variable, value, always=True)
        else:  # no channel: a global variable, as pbx_builtin_setvar_helper(NULL, ...)
            self.pbx.config.globals[variable] = value
        s.respond(m, "Success", [("Message", "Variable Set")])

    async def act_playdtmf(self, s: AmiSession, m: AmiMessage) -> None:
        channel = self._channel(s, m, "No channel specified")
        if channel is None:
            return
        digit = m.get("Digit") or ""
        if not digit:
            s.respond(m, "Error", [("Message", "No digit specified")])
            return
        s.respond(m, "Success", [("Message", "DTMF successfully queued")])
        self.applications.press(channel, digit)

    async def act_status(self, s: AmiSession, m: AmiMessage) -> None:
        aid = m.action_id
        wanted = m.get("Channel")
        channels = list(self.pbx.channels.live.values())
        if wanted:
            found = self.pbx.channels.find(wanted)
            if found is None:
                s.respond(m, "Error", [("Message", "No such channel")])
                return
            channels = [found]
        s.respond(m, "Success", [("EventList", "start"), ("Message", "Channel status will follow")])
        all_vars = truthy(m.get("AllVariables"))
        now = self.pbx.clock.monotonic()
        for c in channels:
            fields: Fields = [
                ("Event", "Status"),
                ("Privilege", "Call"),
                *chf(c),
                ("Type", "Local"),
                ("DNID", c.dnid),
                ("EffectiveConnectedLineNum", c.connected_num),
                ("EffectiveConnectedLineName", c.connected_name),
                ("TimeToHangup", "0"),
                ("BridgeID", c.bridge_id),
                ("Application", c.application),
                ("Data", c.app_data),
                ("Nativeformats", "(slin)"),
                ("Readformat", "slin"),
                ("Readtrans", ""),
                ("Writeformat", "slin"),
                ("Writetrans", ""),
                ("Callgroup", "0"),
                ("Pickupgroup", "0"),
                ("Seconds", str(int(now - c.created_mono))),
            ]
            if all_vars:
                fields += [("Variable", f"{k}={v}") for k, v in c.variables.items()]
            s.send(with_action_id(fields, aid))
        s.send(
            [
                *with_action_id([("Event", "StatusComplete")], aid),
                ("EventList", "Complete"),
                ("ListItems", str(len(channels))),
                ("Items", str(len(channels))),
            ]
        )

    async def act_coreshowchannels(self, s: AmiSession, m: AmiMessage) -> None:
        aid = m.action_id
        channels = list(self.pbx.channels.live.values())
        s.respond(m, "Success", [("EventList", "start"), ("Message", "Channels will follow")])
        now = self.pbx.clock.monotonic()
        for c in channels:
            secs = int(now - c.created_mono)
            duration = f"{secs // 3600:02d}:{secs // 60 % 60:02d}:{secs % 60:02d}"
            s.send(
                [
                    *with_action_id([("Event", "CoreShowChannel")], aid),
                    *chf(c),
                    ("Application", c.application),
                    ("ApplicationData", c.app_data),
                    ("Duration", duration),
                    ("BridgeId", c.bridge_id),
                ]
            )
        s.send(
            [
                *with_action_id([("Event", "CoreShowChannelsComplete")], aid),
                ("EventList", "Complete"),
                ("ListItems", str(len(channels))),
            ]
        )

    async def act_bridgelist(self, s: AmiSession, m: AmiMessage) -> None:
        aid = m.action_id
        bridges: dict[str, int] = {}
        for c in self.pbx.channels.live.values():
            if c.bridge_id:
                bridges[c.bridge_id] = bridges.get(c.bridge_id, 0) + 1
        s.respond(m, "Success", [("EventList", "start"), ("Message", "Bridge listing will follow")])
        for bridge, count in bridges.items():
            s.send(
                [
                    *with_action_id([("Event", "BridgeListItem")], aid),
                    *self.pbx.bridge_fields(bridge, count),
                ]
            )
        s.send(
            [
                *with_action_id([("Event", "BridgeListComplete")], aid),
                ("EventList", "Complete"),
                ("ListItems", str(len(bridges))),
            ]
        )

    # --- recording ---------------------------------------------------------------------------
    async def act_mixmonitor(self, s: AmiSession, m: AmiMessage) -> None:
        """app_mixmonitor's action: ``File`` (relative: under the spool), ``Options`` i(VAR)."""
        channel = self._channel(s, m, "No channel specified")
        if channel is None:
            return
        file = m.get("File") or ""
        if not file:  # MixMonitor requires a filename
            s.respond(m, "Error", [("Message", "Could not start monitoring channel")])
            return
        path = Path(file)
        if not path.is_absolute():
            path = self.pbx.config.recordings_dir / path
        found = re.search(r"i\(([^)]*)\)", m.get("Options") or "")
        id_variable = found.group(1) if found else ""
        recording = self.pbx.start_recording(channel, id_variable=id_variable, path=path)
        self.pbx.varset(channel, "MIXMONITOR_FILENAME", str(path), always=True)
        if id_variable:
            self.pbx.varset(channel, id_variable, recording.mix_id, always=True)
        s.respond(m, "Success", [("MixMonitorID", recording.mix_id)] if id_variable else [])
        self.pbx.channel_event("MixMonitorStart", channel)

    async def act_stopmixmonitor(self, s: AmiSession, m: AmiMessage) -> None:
        channel = self._channel(s, m, "No channel specified")
        if channel is None:
            return
        recording = self.pbx.recordings.get(channel.name)
        wanted = m.get("MixMonitorID")
        if recording is None or (wanted and wanted != recording.mix_id):
            s.respond(m, "Error", [("Message", "Could not stop monitoring channel")])
            return
        s.respond(m, "Success")
        await self.pbx.stop_recording(channel)

    async def act_mixmonitormute(self, s: AmiSession, m: AmiMessage) -> None:
        channel = self._channel(s, m, "No channel specified")
        if channel is None:
            return
        direction = (m.get("Direction") or "both").lower()
        if direction not in ("read", "write", "both"):
            msg = "Invalid direction specified. Must be read, write or both"
            s.respond(m, "Error", [("Message", msg)])
            return
        recording = self.pbx.recordings.get(channel.name)
        if recording is None:
            s.respond(m, "Error", [("Message", "Cannot set mute flag")])
            return
        state = truthy(m.get("State"))
        recording.mute(self.pbx.clock.monotonic(), on=state)
        s.respond(m, "Success")
        self.pbx.channel_event(
            "MixMonitorMute", channel, [("Direction", direction), ("State", "1" if state else "0")]
        )


def member_by_interface(members: dict[str, Member], interface: str) -> Member | None:
    member = members.get(interface)
    if member is None:
        for candidate in members.values():
            if agent_name(candidate.interface) == interface:
                return candidate
    return member
