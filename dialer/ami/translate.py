"""From AMI events to the dialer's domain events (:mod:`dialer.events`).

:class:`CallTranslator` keeps a little state per call and does no I/O. It correlates by
``Uniqueid``, ``Linkedid`` and the Local channel pair (``;1``/``;2``), never by arrival order:
the captures show OriginateResponse before or after DialEnd, Cdr before Hangup, and the events
of a sync Originate after its Response.

It is also told what the dialer sent (:meth:`CallTranslator.note_action`): an Originate's
ActionID, ChannelId, dial string and variables tie a failure (``Uniqueid: <unknown>``) to its
call; a Redirect turns the ``QueueCallerAbandon`` it causes into ``by_dialer=True``.

The dialplan's own names (campaign/lead variables, the MixMonitor id variable, the UserEvents)
come from a :class:`DialplanNames`: :data:`RECOUP_DIALPLAN` (``asterisk_conf/``, production,
the default) or :data:`LAB_DIALPLAN` (the lab PBX of the captures: ``DIALER_*``, ``MIXID``,
``DialerAMD``).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime

from dialer.ami.call_state import (
    ANSWERED,
    FINISHED_CALLS_KEPT,
    ORIGINATE_REASONS,
    UNKNOWN_UNIQUEID,
    AgentFields,
    CallIds,
    CallState,
    PendingOriginate,
    amd_status,
    claim_originate,
    header_int,
    local_partner,
    oldest_unresolved_dial,
    originate_variables,
)
from dialer.ami.dialplan_names import (
    DIALPLANS,
    LAB_DIALPLAN,
    RECOUP_DIALPLAN,
    DialplanName,
    DialplanNames,
)
from dialer.ami.media_events import MediaEvents
from dialer.ami.protocol import AmiMessage
from dialer.events import (
    AgentCalled,
    AgentCompleted,
    AgentConnected,
    AmdResult,
    AmdStatus,
    CallAnswered,
    CallEvents,
    CallFailed,
    CallOriginated,
    CallRinging,
    FailReason,
    HungUp,
    QueueAbandoned,
    QueueJoined,
    RecordingStopped,
)


def greeting_silence_ms(cause: str) -> int | None:
    """AMD's cause for a person, ``HUMAN-<silence>-<after_greeting_silence>`` (app_amd): the
    silence (ms) it heard after the greeting before its verdict; None for any other form."""
    parts = cause.strip().upper().split("-")
    said = len(parts) == 3 and parts[0] == "HUMAN" and parts[1].isdigit()
    return int(parts[1]) if said else None


class CallTranslator(MediaEvents):
    """Stateful per call, pure: ``translate(message, at) -> list of domain events``.

    ``names`` defaults to Recoup's production dialplan; pass :data:`LAB_DIALPLAN` for the
    captures.
    """

    def __init__(self, names: DialplanNames = RECOUP_DIALPLAN) -> None:
        self.names = names
        self._calls: OrderedDict[str, CallState] = OrderedDict()
        self._finished: OrderedDict[str, None] = OrderedDict()
        self._names: dict[str, str] = {}  # channel name -> uniqueid
        self._linked: dict[str, str] = {}  # uniqueid -> linkedid
        self._originates: OrderedDict[str, PendingOriginate] = OrderedDict()
        self._redirected: set[str] = set()
        #: linkedids whose queue abandon was reported (a RecoupAbandon then adds nothing)
        self._abandoned: OrderedDict[str, None] = OrderedDict()
        self._mixid_vars = frozenset(v.upper() for v in names.mixmonitor_id_variables)
        self._campaign_var = names.campaign_variable.upper()
        self._lead_var = names.lead_variable.upper()
        self._handlers: dict[str, Callable[[AmiMessage, datetime], list[CallEvents]]] = {
            "Newchannel": self._newchannel,
            "VarSet": self._varset,
            "Rename": self._rename,
            "DialBegin": self._dial_begin,
            "DialState": self._dial_state,
            "DialEnd": self._dial_end,
            "OriginateResponse": self._originate_response,
            "QueueCallerJoin": self._queue_join,
            "QueueCallerAbandon": self._queue_abandon,
            "AgentCalled": self._agent_called,
            "AgentConnect": self._agent_connect,
            "AgentComplete": self._agent_complete,
            "Hangup": self._hangup,
            "MixMonitorStart": self._mixmonitor_start,
            "MixMonitorStop": self._mixmonitor_stop,
            "ChanSpyStart": self._spy_start,
            "ChanSpyStop": self._spy_stop,
            "UserEvent": self._user_event,
        }

    # --- what the dialer tells it ---------------------------------------------------------
    def note_action(self, action: AmiMessage) -> None:
        """Remember an action the dialer sent (Originate and Redirect matter)."""
        name = (action.action or "").lower()
        if name == "originate":
            upper = {k.upper(): v for k, v in originate_variables(action).items()}
            self.note_originate(
                action_id=action.action_id or "",
                dial_string=action.get("Channel") or "",
                channel_id=action.get("ChannelId"),
                campaign=upper.get(self._campaign_var),
                lead=upper.get(self._lead_var),
            )
        elif name == "redirect":
            for channel in (action.get("Channel"), action.get("ExtraChannel")):
                if channel:
                    self.note_redirect(channel)

    def note_originate(
        self,
        *,
        action_id: str,
        dial_string: str,
        channel_id: str | None = None,
        campaign: str | None = None,
        lead: str | None = None,
    ) -> None:
        """The dialer sent an Originate: tie its channels and its response to this attempt."""
        self._originates[action_id] = PendingOriginate(
            action_id, dial_string, channel_id, campaign, lead
        )
        while len(self._originates) > FINISHED_CALLS_KEPT:
            self._originates.popitem(last=False)

    def note_redirect(self, channel: str) -> None:
        """The dialer redirects ``channel`` (a name or uniqueid): its queue abandon is ours."""
        self._redirected.add(channel)

    def forget_redirect(self, channel: str) -> None:
        """The redirect was refused (the channel was gone): nothing to mark."""
        self._redirected.discard(channel)

    # --- the stream -------------------------------------------------------------------------
    def translate(self, message: AmiMessage, at: datetime) -> list[CallEvents]:
        """The domain events this AMI message means (often none)."""
        handler = self._handlers.get(message.get("Event") or "")
        if handler is None:
            return []
        return handler(message, at)

    # --- state ------------------------------------------------------------------------------
    def _call(self, linkedid: str) -> CallState:
        call = self._calls.get(linkedid)
        if call is None:
            call = self._calls[linkedid] = CallState(linkedid)
        return call

    def _call_of(self, message: AmiMessage, prefix: str = "") -> tuple[CallState, str]:
        uniqueid = message.get(prefix + "Uniqueid") or ""
        linkedid = message.get(prefix + "Linkedid") or self._linked.get(uniqueid) or uniqueid
        return self._call(linkedid), uniqueid

    def _finish(self, call: CallState) -> None:
        self._finished[call.linkedid] = None
        while len(self._finished) > FINISHED_CALLS_KEPT:
            old, _ = self._finished.popitem(last=False)
            self._calls.pop(old, None)

    # --- handlers ---------------------------------------------------------------------------
    def _newchannel(self, m: AmiMessage, at: datetime) -> list[CallEvents]:
        uniqueid = m.get("Uniqueid") or ""
        linkedid = m.get("Linkedid") or uniqueid
        name = m.get("Channel") or ""
        self._names[name] = uniqueid
        self._linked[uniqueid] = linkedid
        call = self._call(linkedid)
        if uniqueid == linkedid:
            call.root_name = name
            call.pair_seen.add(name)
            if call.action_id is None:
                claim_originate(self._originates.values(), call, uniqueid, name)
        elif call.root_name and name == local_partner(call.root_name):
            call.pair_seen.add(name)
        return []

    def _rename(self, m: AmiMessage, at: datetime) -> list[CallEvents]:
        old, new = m.get("Channel") or "", m.get("Newname") or ""
        uniqueid = self._names.pop(old, m.get("Uniqueid") or "")
        self._names[new] = uniqueid
        return []

    def _varset(self, m: AmiMessage, at: datetime) -> list[CallEvents]:
        variable = (m.get("Variable") or "").upper()
        if variable == "MIXMONITOR_FILENAME":
            call, uniqueid = self._call_of(m)
            call.recording_file[uniqueid] = m.get("Value") or ""
        elif variable in self._mixid_vars:
            call, uniqueid = self._call_of(m)
            call.recording_id[uniqueid] = m.get("Value") or ""
        elif variable == self._campaign_var:
            self._call_of(m)[0].campaign = m.get("Value") or None
        elif variable == self._lead_var:
            self._call_of(m)[0].lead = m.get("Value") or None
        elif variable == "AMDSTATUS":
            call, uniqueid = self._call_of(m)
            call.amd_status = m.get("Value") or ""
            return self._amd(call, uniqueid, m, at)
        elif variable == "AMDCAUSE":
            call, uniqueid = self._call_of(m)
            call.amd_cause = m.get("Value") or ""
            return self._amd(call, uniqueid, m, at)
        return []

    def _amd(self, call: CallState, uniqueid: str, m: AmiMessage, at: datetime) -> list[CallEvents]:
        if call.amd_done or call.amd_status is None or call.amd_cause is None:
            return []
        call.amd_done = True
        status, cause = amd_status(call.amd_status), call.amd_cause
        ids = self._ids(call, uniqueid, m.get("Channel"), at)
        silence = greeting_silence_ms(cause) if status is AmdStatus.HUMAN else None
        return [AmdResult(**ids, status=status, cause=cause, silence_after_greeting_ms=silence)]

    def _user_event(self, m: AmiMessage, at: datetime) -> list[CallEvents]:
        name = m.get("UserEvent")
        if name == self.names.amd_userevent:
            call, uniqueid = self._call_of(m)
            call.amd_status = m.get("AMDStatus") or m.get("Status") or ""
            call.amd_cause = m.get("AMDCause") or m.get("Cause") or ""
            return self._amd(call, uniqueid, m, at)
        if name is not None and name == self.names.abandon_userevent:
            return self._abandon_message(m, at)
        return []

    def _abandon_message(self, m: AmiMessage, at: datetime) -> list[CallEvents]:
        """The identification message starts. After a Redirect out of the queue the
        QueueCallerAbandon already said so; without one (JOINEMPTY: nobody could take the
        call, LEAVEEMPTY, Queue()'s own TIMEOUT) this is the only sign of the abandon, and the
        call was abandoned by Recoup's dialplan, not by the customer: ``by_dialer=True``."""
        call, uniqueid = self._call_of(m)
        if not self._mark_abandoned(call.linkedid):
            return []
        ids = self._ids(call, uniqueid, m.get("Channel"), at)
        return [
            QueueAbandoned(
                **ids, queue=m.get("Queue") or "", position=0, original_position=0,
                hold_time_s=0, by_dialer=True,
            )
        ]  # fmt: skip

    def _mark_abandoned(self, linkedid: str) -> bool:
        """Note the call's abandon; false if it was already reported (by either event)."""
        if linkedid in self._abandoned:
            return False
        self._abandoned[linkedid] = None
        while len(self._abandoned) > FINISHED_CALLS_KEPT:
            self._abandoned.popitem(last=False)
        return True

    def _ids(self, call: CallState, uniqueid: str, channel: str | None, at: datetime) -> CallIds:
        return {
            "uniqueid": uniqueid,
            "linkedid": call.linkedid,
            "at": at,
            "channel": channel or "",
            "campaign": call.campaign,
            "lead": call.lead,
        }

    def _dial_begin(self, m: AmiMessage, at: datetime) -> list[CallEvents]:
        if "Channel" in m:  # a dial from a channel (queue ringing an agent), not an Originate
            return []
        call, uniqueid = self._call_of(m, "Dest")
        if call.originated or uniqueid != call.linkedid:
            return []
        call.originated = True
        return [
            CallOriginated(
                **self._ids(call, uniqueid, m.get("DestChannel"), at),
                action_id=call.action_id,
                dial_string=call.dial_string or m.get("DialString") or "",
            )
        ]

    def _dial_state(self, m: AmiMessage, at: datetime) -> list[CallEvents]:
        if "Channel" in m or m.get("DialStatus") != "RINGING":
            return []
        call, uniqueid = self._call_of(m, "Dest")
        if call.ringing or call.answered or uniqueid != call.linkedid:
            return []
        call.ringing = True
        return [CallRinging(**self._ids(call, uniqueid, m.get("DestChannel"), at))]

    def _dial_end(self, m: AmiMessage, at: datetime) -> list[CallEvents]:
        if "Channel" in m or m.get("DialStatus") != "ANSWER":
            return []
        call, uniqueid = self._call_of(m, "Dest")
        if uniqueid != call.linkedid:
            return []
        return self._answered(call, uniqueid, m.get("DestChannel"), at)

    def _answered(
        self, call: CallState, uniqueid: str, channel: str | None, at: datetime
    ) -> list[CallEvents]:
        if call.answered:
            return []
        call.answered = True
        events: list[CallEvents] = []
        if not call.originated and call.action_id is not None:
            call.originated = True  # OriginateResponse can come before the DialBegin
            events.append(
                CallOriginated(
                    **self._ids(call, uniqueid, channel, at),
                    action_id=call.action_id,
                    dial_string=call.dial_string,
                )
            )
        return [
            *events,
            CallAnswered(
                **self._ids(call, uniqueid, channel, at),
                action_id=call.action_id,
            ),
        ]

    def _originate_response(self, m: AmiMessage, at: datetime) -> list[CallEvents]:
        action_id = m.get("ActionID") or ""
        originate = self._originates.pop(action_id, None)
        reason_code = header_int(m.get("Reason"))
        uniqueid = m.get("Uniqueid") or ""
        if m.get("Response") == "Success" and reason_code == ANSWERED:
            answered, uniqueid = self._call_of(m)
            answered.action_id = answered.action_id or action_id or None
            return self._answered(answered, uniqueid, m.get("Channel"), at)
        dial_string = m.get("Channel") or ""
        # No call at all when no channel was ever made (an unknown technology).
        call = self._failed_call(originate, uniqueid, dial_string) or CallState(linkedid="")
        if call.failed:
            return []
        call.failed = True
        call.action_id = call.action_id or action_id or None
        if originate is not None:
            call.campaign = call.campaign or originate.campaign
            call.lead = call.lead or originate.lead
        return [
            CallFailed(
                **self._ids(call, call.linkedid, call.root_name or dial_string, at),
                reason=ORIGINATE_REASONS.get(reason_code, FailReason.UNREACHABLE),
                reason_code=reason_code,
                action_id=call.action_id,
                dial_string=dial_string,
            )
        ]

    def _failed_call(
        self, originate: PendingOriginate | None, uniqueid: str, dial_string: str
    ) -> CallState | None:
        if uniqueid and uniqueid != UNKNOWN_UNIQUEID:
            return self._call(self._linked.get(uniqueid, uniqueid))
        if originate is not None:
            linkedid = originate.linkedid or originate.channel_id
            if linkedid is not None and linkedid in self._calls:
                return self._calls[linkedid]
            if originate.channel_id is not None:  # no channel was made: the id is still ours
                return CallState(linkedid=originate.channel_id, root_name=dial_string)
        return oldest_unresolved_dial(self._calls.values(), dial_string)

    def _queue_join(self, m: AmiMessage, at: datetime) -> list[CallEvents]:
        call, uniqueid = self._call_of(m)
        return [
            QueueJoined(
                **self._ids(call, uniqueid, m.get("Channel"), at),
                queue=m.get("Queue") or "",
                position=header_int(m.get("Position")),
                count=header_int(m.get("Count")),
            )
        ]

    def _queue_abandon(self, m: AmiMessage, at: datetime) -> list[CallEvents]:
        call, uniqueid = self._call_of(m)
        channel = m.get("Channel") or ""
        by_dialer = channel in self._redirected or uniqueid in self._redirected
        self._redirected.discard(channel)
        self._redirected.discard(uniqueid)
        if not self._mark_abandoned(call.linkedid):
            return []  # the dialplan's RecoupAbandon already reported it
        return [
            QueueAbandoned(
                **self._ids(call, uniqueid, channel, at), queue=m.get("Queue") or "",
                position=header_int(m.get("Position")), hold_time_s=header_int(m.get("HoldTime")),
                original_position=header_int(m.get("OriginalPosition")), by_dialer=by_dialer,
            )
        ]  # fmt: skip

    def _caller_of(self, m: AmiMessage, at: datetime) -> tuple[CallState, CallIds]:
        """The queue caller's call; AgentComplete can come without the caller's fields."""
        if "Uniqueid" in m:
            call, uniqueid = self._call_of(m)
            return call, self._ids(call, uniqueid, m.get("Channel"), at)
        call = self._call(m.get("DestLinkedid") or "")
        return call, self._ids(call, call.linkedid, call.root_name, at)

    def _agent_fields(self, m: AmiMessage) -> AgentFields:
        return {
            "queue": m.get("Queue") or "",
            "member": m.get("MemberName") or "",
            "interface": m.get("Interface") or "",
            "agent_channel": m.get("DestChannel") or "",
        }

    def _agent_called(self, m: AmiMessage, at: datetime) -> list[CallEvents]:
        _, ids = self._caller_of(m, at)
        return [
            AgentCalled(
                **ids,
                **self._agent_fields(m),
                agent_uniqueid=m.get("DestUniqueid") or "",
            )
        ]

    def _agent_connect(self, m: AmiMessage, at: datetime) -> list[CallEvents]:
        _, ids = self._caller_of(m, at)
        return [
            AgentConnected(
                **ids,
                **self._agent_fields(m),
                agent_uniqueid=m.get("DestUniqueid") or "",
                hold_time_s=header_int(m.get("HoldTime")),
                ring_time_s=header_int(m.get("RingTime")),
            )
        ]

    def _agent_complete(self, m: AmiMessage, at: datetime) -> list[CallEvents]:
        _, ids = self._caller_of(m, at)
        return [
            AgentCompleted(
                **ids,
                **self._agent_fields(m),
                hold_time_s=header_int(m.get("HoldTime")),
                talk_time_s=header_int(m.get("TalkTime")),
                ended_by=m.get("Reason") or "",
            )
        ]

    def _hangup(self, m: AmiMessage, at: datetime) -> list[CallEvents]:
        call, uniqueid = self._call_of(m)
        name = m.get("Channel") or ""
        self._names.pop(name, None)
        self._linked.pop(uniqueid, None)
        self._redirected.discard(name)  # a redirect that led to no queue abandon
        self._redirected.discard(uniqueid)
        events: list[CallEvents] = []
        if uniqueid in call.recording_on:
            call.recording_on.discard(uniqueid)
            events.append(self._recording(RecordingStopped, call, uniqueid, name, at))
        if call.hung_up:
            return events
        if uniqueid == call.linkedid and not call.root_name:  # a log that began mid-call
            call.root_name = name
            call.pair_seen.add(name)
        if name not in call.pair_seen:
            return events
        call.pair_causes[name] = (header_int(m.get("Cause")), m.get("Cause-txt") or "")
        if len(call.pair_causes) < len(call.pair_seen):
            return events
        call.hung_up = True
        root_cause = call.pair_causes.get(call.root_name, (0, ""))
        far = local_partner(call.root_name)
        far_cause = call.pair_causes.get(far, (0, "")) if far else (0, "")
        cause, text = far_cause if far_cause[0] else root_cause
        ids = self._ids(call, call.linkedid, call.root_name, at)
        events.append(HungUp(**ids, cause=cause, cause_text=text))
        self._finish(call)
        return events


__all__ = [
    "DIALPLANS",
    "LAB_DIALPLAN",
    "RECOUP_DIALPLAN",
    "CallTranslator",
    "DialplanName",
    "DialplanNames",
]
