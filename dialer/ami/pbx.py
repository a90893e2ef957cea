"""Typed AMI actions: what the dialer asks of Asterisk, in the dialer's words.

:class:`AsteriskPbx` wraps an :class:`~dialer.ami.session.AmiSession`. Each method sends one
action and returns a typed answer; Asterisk's refusals raise the exceptions of
:mod:`dialer.ami.errors`. Field names and answers follow the captures from Asterisk 22.10.1
(``b``, ``d``, ``j``, ``n``): e.g. QueuePause's ``Reason``, MixMonitorMute's ``Direction`` and
``State``, StopMixMonitor's ``MixMonitorID``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from dialer.ami.errors import ActionFailed
from dialer.ami.session import AmiSession, Fields
from dialer.ami.snapshot import channels_from, queues_from
from dialer.events import ChannelInfo, QueueState


@dataclass(frozen=True, slots=True)
class OriginateQueued:
    """Asterisk accepted an async Originate; the outcome comes as CallAnswered/CallFailed."""

    action_id: str
    channel_id: str | None


@dataclass(frozen=True, slots=True)
class QueueSummary:
    """One queue's counters from QueueSummary."""

    queue: str
    logged_in: int
    available: int
    callers: int
    hold_time_s: int
    talk_time_s: int
    longest_hold_time_s: int


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _int(value: str | None) -> int:
    try:
        return int(value) if value else 0
    except ValueError:
        return 0


class AsteriskPbx:
    """The dialer's commands to Asterisk over one AMI session."""

    def __init__(self, session: AmiSession) -> None:
        self.session = session

    async def originate(
        self,
        channel: str,
        *,
        context: str | None = None,
        exten: str | None = None,
        priority: int | None = None,
        application: str | None = None,
        data: str | None = None,
        timeout_ms: int = 30000,
        caller_id: str | None = None,
        account: str | None = None,
        channel_id: str | None = None,
        variables: Mapping[str, str] | None = None,
        action_id: str | None = None,
        run_async: bool = True,
    ) -> OriginateQueued:
        """Dial ``channel`` into Context/Exten/Priority or into an Application.

        With ``channel_id`` the new channel's Uniqueid is known before it exists, which ties
        every later event (and a failure whose Uniqueid is ``<unknown>``) to this attempt.
        """
        if application is None and exten is None:
            msg = "an Originate needs Context/Exten/Priority or an Application"
            raise ValueError(msg)
        split = [k for k, v in (variables or {}).items() if "," in v]
        if split:  # Asterisk reads one Variable header as a comma-separated list
            msg = f"Originate variable {split[0]} has a comma in its value; Asterisk would split it"
            raise ValueError(msg)
        fields: list[tuple[str, str | int]] = [("Channel", channel)]
        if application is not None:
            fields.append(("Application", application))
            if data is not None:
                fields.append(("Data", data))
        else:
            fields += [("Context", context or ""), ("Exten", exten or "")]
            fields.append(("Priority", priority if priority is not None else 1))
        fields.append(("Timeout", timeout_ms))
        if caller_id is not None:
            fields.append(("CallerID", caller_id))
        if account is not None:
            fields.append(("Account", account))
        fields.append(("Async", _flag(run_async)))
        if channel_id is not None:
            fields.append(("ChannelId", channel_id))
        fields += [("Variable", f"{k}={v}") for k, v in (variables or {}).items()]
        action_id = action_id or self.session.next_action_id()
        # A sync Originate answers only once the call is answered or has failed.
        wait = None if run_async else timeout_ms / 1000 + self.session.settings.action_timeout_s
        await self.session.send_action("Originate", fields, action_id=action_id, timeout_s=wait)
        return OriginateQueued(action_id=action_id, channel_id=channel_id)

    async def hangup(self, channel: str, *, cause: int | None = None) -> None:
        fields: list[tuple[str, str | int]] = [("Channel", channel)]
        if cause is not None:
            fields.append(("Cause", cause))
        await self.session.send_action("Hangup", fields)

    async def redirect(self, channel: str, *, context: str, exten: str, priority: int = 1) -> None:
        """Move ``channel`` in the dialplan; a queue abandon it causes is reported as ours."""
        fields: Fields = [
            ("Channel", channel),
            ("Context", context),
            ("Exten", exten),
            ("Priority", priority),
        ]
        try:
            await self.session.send_action("Redirect", fields)
        except ActionFailed:
            self.session.translator.forget_redirect(channel)
            raise

    async def getvar(self, variable: str, *, channel: str | None = None) -> str | None:
        fields: list[tuple[str, str | int]] = [("Variable", variable)]
        if channel is not None:
            fields.insert(0, ("Channel", channel))
        response = await self.session.send_action("Getvar", fields)
        return response.get("Value")

    async def setvar(self, variable: str, value: str, *, channel: str | None = None) -> None:
        fields: list[tuple[str, str | int]] = [("Variable", variable), ("Value", value)]
        if channel is not None:
            fields.insert(0, ("Channel", channel))
        await self.session.send_action("Setvar", fields)

    async def queue_add(
        self,
        queue: str,
        interface: str,
        *,
        member_name: str | None = None,
        penalty: int = 0,
        paused: bool = False,
        reason: str | None = None,
        state_interface: str | None = None,
    ) -> None:
        fields: list[tuple[str, str | int]] = [("Queue", queue), ("Interface", interface)]
        if member_name is not None:
            fields.append(("MemberName", member_name))
        fields += [("Penalty", penalty), ("Paused", _flag(paused))]
        if reason is not None:
            fields.append(("Reason", reason))
        if state_interface is not None:
            fields.append(("StateInterface", state_interface))
        await self.session.send_action("QueueAdd", fields)

    async def queue_remove(self, queue: str, interface: str) -> None:
        await self.session.send_action("QueueRemove", [("Queue", queue), ("Interface", interface)])

    async def queue_pause(
        self, interface: str, *, paused: bool, queue: str | None = None, reason: str | None = None
    ) -> None:
        """Pause or unpause a member (in one queue, or in all when ``queue`` is None)."""
        fields: list[tuple[str, str | int]] = [("Interface", interface), ("Paused", _flag(paused))]
        if queue is not None:
            fields.insert(0, ("Queue", queue))
        if reason is not None:
            fields.append(("Reason", reason))
        await self.session.send_action("QueuePause", fields)

    async def queue_penalty(
        self, interface: str, penalty: int, *, queue: str | None = None
    ) -> None:
        """Set a member's penalty (in one queue, or in all when ``queue`` is None)."""
        fields: list[tuple[str, str | int]] = [("Interface", interface), ("Penalty", penalty)]
        if queue is not None:
            fields.insert(0, ("Queue", queue))  # the order of capture n
        await self.session.send_action("QueuePenalty", fields)

    async def queue_status(
        self, queue: str | None = None, *, member: str | None = None
    ) -> tuple[QueueState, ...]:
        fields: list[tuple[str, str | int]] = []
        if queue is not None:
            fields.append(("Queue", queue))
        if member is not None:
            fields.append(("Member", member))
        reply = await self.session.send_list_action("QueueStatus", fields)
        return queues_from(reply.items)

    async def queue_summary(self, queue: str | None = None) -> tuple[QueueSummary, ...]:
        fields: Fields = [("Queue", queue)] if queue is not None else []
        reply = await self.session.send_list_action("QueueSummary", fields)
        return tuple(
            QueueSummary(
                queue=i.get("Queue") or "",
                logged_in=_int(i.get("LoggedIn")),
                available=_int(i.get("Available")),
                callers=_int(i.get("Callers")),
                hold_time_s=_int(i.get("HoldTime")),
                talk_time_s=_int(i.get("TalkTime")),
                longest_hold_time_s=_int(i.get("LongestHoldTime")),
            )
            for i in reply.items
            if i.event == "QueueSummary"
        )

    async def core_show_channels(self) -> tuple[ChannelInfo, ...]:
        reply = await self.session.send_list_action("CoreShowChannels")
        return channels_from(reply.items)

    async def status(
        self, channel: str | None = None, *, all_variables: bool = False
    ) -> tuple[ChannelInfo, ...]:
        fields: list[tuple[str, str | int]] = []
        if channel is not None:
            fields.append(("Channel", channel))
        if all_variables:
            fields.append(("AllVariables", "true"))
        reply = await self.session.send_list_action("Status", fields)
        return channels_from(reply.items)

    async def mixmonitor(self, channel: str, file: str, *, options: str = "") -> None:
        fields: list[tuple[str, str | int]] = [("Channel", channel), ("File", file)]
        if options:
            fields.append(("Options", options))
        await self.session.send_action("MixMonitor", fields)

    async def stop_mixmonitor(self, channel: str, *, mixmonitor_id: str | None = None) -> None:
        fields: list[tuple[str, str | int]] = [("Channel", channel)]
        if mixmonitor_id is not None:
            fields.append(("MixMonitorID", mixmonitor_id))
        await self.session.send_action("StopMixMonitor", fields)

    async def mixmonitor_mute(
        self,
        channel: str,
        *,
        muted: bool,
        direction: Literal["read", "write", "both"] = "both",
    ) -> None:
        """Write silence into the recording while ``muted`` (card numbers, say)."""
        fields: Fields = [("Channel", channel), ("Direction", direction), ("State", int(muted))]
        await self.session.send_action("MixMonitorMute", fields)

    async def command(self, command: str) -> list[str]:
        """A CLI command's output lines: always a list, even of one line."""
        response = await self.session.send_action("Command", [("Command", command)])
        return response.get_all("Output")

    async def ping(self) -> float:
        """Round trip in seconds."""
        clock = self.session.clock
        began = clock.monotonic()
        await self.session.send_action("Ping")
        return clock.monotonic() - began

    async def core_settings(self) -> dict[str, str]:
        response = await self.session.send_action("CoreSettings")
        return {k: v for k, v in response.headers if k not in {"Response", "ActionID"}}
