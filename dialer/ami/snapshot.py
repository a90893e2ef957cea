"""Reading AMI list replies into the dialer's state values.

``CoreShowChannels``/``Status`` items become :class:`~dialer.events.ChannelInfo`;
``QueueStatus`` items (QueueParams, QueueMember, QueueEntry) become
:class:`~dialer.events.QueueState`. Item fields come from the captures: a QueueMember list item
says ``Name``/``Location`` where the QueueMember* events say ``MemberName``/``Interface``.
"""

from __future__ import annotations

from collections.abc import Iterable

from dialer.ami.protocol import AmiMessage
from dialer.events import ChannelInfo, QueueCallerState, QueueMemberState, QueueState


def _int(value: str | None) -> int:
    try:
        return int(value) if value else 0
    except ValueError:
        return 0


def channel_info(item: AmiMessage) -> ChannelInfo:
    """One CoreShowChannel or Status item."""
    variables = dict(v.split("=", 1) for v in item.get_all("Variable") if "=" in v)
    return ChannelInfo(
        channel=item.get("Channel") or "",
        uniqueid=item.get("Uniqueid") or "",
        linkedid=item.get("Linkedid") or item.get("Uniqueid") or "",
        state=_int(item.get("ChannelState")),
        state_desc=item.get("ChannelStateDesc") or "",
        caller_id_num=item.get("CallerIDNum") or "",
        caller_id_name=item.get("CallerIDName") or "",
        account_code=item.get("AccountCode") or "",
        context=item.get("Context") or "",
        exten=item.get("Exten") or "",
        priority=item.get("Priority") or "",
        application=item.get("Application") or "",
        application_data=item.get("ApplicationData") or item.get("Data") or "",
        duration=item.get("Duration") or "",
        bridge_id=item.get("BridgeId") or item.get("BridgeID") or "",
        variables=variables,
    )


def channels_from(items: Iterable[AmiMessage]) -> tuple[ChannelInfo, ...]:
    """Every channel of a CoreShowChannels or Status reply."""
    return tuple(channel_info(i) for i in items if i.event in {"CoreShowChannel", "Status"})


def _member(item: AmiMessage) -> QueueMemberState:
    return QueueMemberState(
        queue=item.get("Queue") or "",
        name=item.get("Name") or item.get("MemberName") or "",
        interface=item.get("Location") or item.get("Interface") or "",
        state_interface=item.get("StateInterface") or "",
        status=_int(item.get("Status")),
        paused=item.get("Paused") == "1",
        paused_reason=item.get("PausedReason") or "",
        in_call=item.get("InCall") == "1",
        calls_taken=_int(item.get("CallsTaken")),
        penalty=_int(item.get("Penalty")),
        last_call=_int(item.get("LastCall")),
    )


def _caller(item: AmiMessage) -> QueueCallerState:
    return QueueCallerState(
        queue=item.get("Queue") or "",
        position=_int(item.get("Position")),
        channel=item.get("Channel") or "",
        uniqueid=item.get("Uniqueid") or "",
        caller_id_num=item.get("CallerIDNum") or "",
        wait_s=_int(item.get("Wait")),
    )


def queues_from(items: Iterable[AmiMessage]) -> tuple[QueueState, ...]:
    """Every queue of a QueueStatus reply, with its members and waiting callers."""
    params: dict[str, AmiMessage] = {}
    members: dict[str, list[QueueMemberState]] = {}
    callers: dict[str, list[QueueCallerState]] = {}
    for item in items:
        queue = item.get("Queue") or ""
        if item.event == "QueueParams":
            params[queue] = item
        elif item.event == "QueueMember":
            members.setdefault(queue, []).append(_member(item))
        elif item.event == "QueueEntry":
            callers.setdefault(queue, []).append(_caller(item))
    names = list(dict.fromkeys([*params, *members, *callers]))
    states = []
    for name in names:
        p = params.get(name)
        states.append(
            QueueState(
                name=name,
                strategy=p.get("Strategy") or "" if p else "",
                calls=_int(p.get("Calls")) if p else 0,
                hold_time_s=_int(p.get("Holdtime")) if p else 0,
                talk_time_s=_int(p.get("TalkTime")) if p else 0,
                completed=_int(p.get("Completed")) if p else 0,
                abandoned=_int(p.get("Abandoned")) if p else 0,
                members=tuple(members.get(name, ())),
                callers=tuple(callers.get(name, ())),
            )
        )
    return tuple(states)
