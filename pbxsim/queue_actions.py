"""Queue* AMI actions (captures b, d, g2, m, n): members, pauses, status lists, queue_log."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dialer.ami.protocol import AmiMessage
from pbxsim.actions import truthy
from pbxsim.numbers import atoi, leading_int
from pbxsim.pbx import Pbx
from pbxsim.queues import Member, Queue, agent_name, with_action_id

if TYPE_CHECKING:
    from pbxsim.ami_server import ActionHandler, AmiSession


class QueueActions:
    def __init__(self, pbx: Pbx) -> None:
        self.pbx = pbx

    def table(self) -> dict[str, ActionHandler]:
        names = [n for n in dir(self) if n.startswith("act_")]
        return {n.removeprefix("act_"): getattr(self, n) for n in names}

    def _now(self) -> int:
        return int(self.pbx.clock.now().timestamp())

    def _targets(self, m: AmiMessage) -> list[Queue] | None:
        name = m.get("Queue")
        if name:
            queue = self.pbx.queues.get(name)
            return [queue] if queue else None
        return list(self.pbx.queues.values())

    # --- membership ----------------------------------------------------------------------------
    def add_member(
        self,
        queue: Queue,
        interface: str,
        *,
        name: str = "",
        state_interface: str = "",
        penalty: int = 0,
        paused: bool = False,
        reason: str = "",
    ) -> Member:
        pbx = self.pbx
        now = self._now()
        was_available = any(m.available for m in queue.members.values())
        member = Member(
            interface=interface,
            name=name or interface,
            state_interface=state_interface or interface,
            penalty=penalty,
            paused=paused,
            paused_reason=reason if paused else "",
            login_time=now,
            last_pause=now if paused else 0,
        )
        member.status = pbx.device_status(member.state_interface)
        queue.members[interface] = member
        pbx.device_state(
            f"Queue:{queue.name}_pause_{interface}", "INUSE" if paused else "NOT_INUSE"
        )
        pbx.emit([("Event", "QueueMemberAdded"), *member.event_fields(queue.name)])
        if not was_available and member.available:
            pbx.device_state(f"Queue:{queue.name}_avail", "NOT_INUSE")
        pbx.queue_log.append(
            f"NONE|{queue.name}|{interface}|ADDMEMBER|{'PAUSED' if paused else ''}"
        )
        pbx.kick_queue(queue)
        return member

    async def act_queueadd(self, s: AmiSession, m: AmiMessage) -> None:
        interface = m.get("Interface")
        queue_name = m.get("Queue")
        if not queue_name:
            s.respond(m, "Error", [("Message", "'Queue' not specified.")])
            return
        if not interface:
            s.respond(m, "Error", [("Message", "'Interface' not specified.")])
            return
        queue = self.pbx.queues.get(queue_name)
        if queue is None:
            s.respond(m, "Error", [("Message", "Unable to add interface to queue: No such queue")])
            return
        if interface in queue.members:
            s.respond(m, "Error", [("Message", "Unable to add interface: Already there")])
            return
        penalty = leading_int(m.get("Penalty") or "0")  # app_queue: unreadable or < 0 is 0
        s.respond(m, "Success", [("Message", "Added interface to queue")])
        self.add_member(
            queue,
            interface,
            name=m.get("MemberName") or "",
            state_interface=m.get("StateInterface") or "",
            penalty=penalty if penalty is not None and penalty >= 0 else 0,
            paused=truthy(m.get("Paused")),
            reason=m.get("Reason") or "",
        )

    async def act_queueremove(self, s: AmiSession, m: AmiMessage) -> None:
        interface = m.get("Interface")
        if not m.get("Queue") or not interface:
            s.respond(m, "Error", [("Message", "Need 'Queue' and 'Interface' parameters.")])
            return
        queue = self.pbx.queues.get(m["Queue"])
        if queue is None:
            msg = "Unable to remove interface from queue: No such queue"
            s.respond(m, "Error", [("Message", msg)])
            return
        member = queue.members.pop(interface, None)
        if member is None:
            s.respond(m, "Error", [("Message", "Unable to remove interface: Not there")])
            return
        s.respond(m, "Success", [("Message", "Removed interface from queue")])
        self.pbx.emit([("Event", "QueueMemberRemoved"), *member.event_fields(queue.name)])
        self.pbx.device_state(f"Queue:{queue.name}_pause_{interface}", "NOT_INUSE")
        self.pbx.queue_log.append(f"NONE|{queue.name}|{interface}|REMOVEMEMBER|")

    def _members(self, m: AmiMessage) -> list[tuple[Queue, Member]] | None:
        interface = m.get("Interface") or ""
        queues = self._targets(m)
        if queues is None:
            return None
        found = [(q, q.members[interface]) for q in queues if interface in q.members]
        return found or None

    def set_paused(self, queue: Queue, member: Member, *, paused: bool, reason: str) -> None:
        pbx = self.pbx
        member.paused = paused
        member.paused_reason = reason
        if paused:
            member.last_pause = self._now()
        state = "INUSE" if paused else "NOT_INUSE"
        pbx.device_state(f"Queue:{queue.name}_pause_{member.interface}", state)
        pbx.emit([("Event", "QueueMemberPause"), *member.event_fields(queue.name)])
        if not paused:  # app_queue tells an unpause's reason in this event only (capture n)
            member.paused_reason = ""
        verb = "PAUSE" if paused else "UNPAUSE"
        pbx.queue_log.append(f"NONE|{queue.name}|{member.interface}|{verb}|{reason}")
        pbx.kick_queue(queue)

    async def act_queuepause(self, s: AmiSession, m: AmiMessage) -> None:
        if not m.get("Interface") or m.get("Paused") is None:
            s.respond(m, "Error", [("Message", "Need 'Interface' and 'Paused' parameters.")])
            return
        found = self._members(m)
        if not found:
            s.respond(m, "Error", [("Message", "Interface not found")])
            return
        paused = truthy(m.get("Paused"))
        word = "paused" if paused else "unpaused"
        s.respond(m, "Success", [("Message", f"Interface {word} successfully")])
        for queue, member in found:
            self.set_paused(queue, member, paused=paused, reason=m.get("Reason") or "")

    async def act_queuepenalty(self, s: AmiSession, m: AmiMessage) -> None:
        if not m.get("Interface") or not m.get("Penalty"):
            s.respond(m, "Error", [("Message", "Need 'Interface' and 'Penalty' parameters.")])
            return
        penalty = atoi(m.get("Penalty") or "")  # app_queue reads it with atoi()
        found = self._members(m)
        if not found or penalty < 0:
            s.respond(m, "Error", [("Message", "Invalid interface, queuename or penalty")])
            return
        s.respond(m, "Success", [("Message", "Interface penalty set successfully")])
        for queue, member in found:
            member.penalty = penalty
            self.pbx.emit([("Event", "QueueMemberPenalty"), *member.event_fields(queue.name)])

    async def act_queuememberringinuse(self, s: AmiSession, m: AmiMessage) -> None:
        found = self._members(m)
        if not found:
            s.respond(m, "Error", [("Message", "Invalid interface, queuename or ringinuse value")])
            return
        s.respond(m, "Success", [("Message", "Interface ringinuse set successfully")])
        for queue, member in found:
            member.ringinuse = truthy(m.get("RingInUse"))
            self.pbx.emit([("Event", "QueueMemberRinginuse"), *member.event_fields(queue.name)])

    # --- lists ----------------------------------------------------------------------------------
    async def act_queuestatus(self, s: AmiSession, m: AmiMessage) -> None:
        aid = m.action_id
        wanted_member = m.get("Member")
        queues = self._targets(m) or []
        s.respond(m, "Success", [("EventList", "start"), ("Message", "Queue status will follow")])
        count = 0
        now = self.pbx.clock.monotonic()
        for queue in queues:
            s.send([("Event", "QueueParams"), *queue.params_fields(aid)])
            count += 1
            for member in queue.members.values():
                if wanted_member and wanted_member not in (member.interface, member.name):
                    continue
                s.send([("Event", "QueueMember"), *member.list_fields(queue.name, aid)])
                count += 1
            for caller in queue.callers:
                s.send([("Event", "QueueEntry"), *queue.entry_fields(caller, aid, now)])
                count += 1
        s.send(
            [
                *with_action_id([("Event", "QueueStatusComplete")], aid),
                ("EventList", "Complete"),
                ("ListItems", str(count)),
            ]
        )

    async def act_queuesummary(self, s: AmiSession, m: AmiMessage) -> None:
        aid = m.action_id
        queues = self._targets(m) or []
        s.respond(m, "Success", [("EventList", "start"), ("Message", "Queue summary will follow")])
        now = self.pbx.clock.monotonic()
        for queue in queues:
            s.send([("Event", "QueueSummary"), *queue.summary_fields(aid, now)])
        s.send(
            [
                *with_action_id([("Event", "QueueSummaryComplete")], aid),
                ("EventList", "Complete"),
                ("ListItems", str(len(queues))),
            ]
        )

    async def act_queuereload(self, s: AmiSession, m: AmiMessage) -> None:
        """Re-read the queue settings (``SimConfig.queues``), keeping members and callers."""
        for qc in self.pbx.config.queues:
            queue = self.pbx.queues.get(qc.name)
            if queue is None:
                self.pbx.queues[qc.name] = Queue(qc.name)
                queue = self.pbx.queues[qc.name]
            queue.joinempty, queue.leavewhenempty = qc.joinempty, qc.leavewhenempty
            queue.member_timeout, queue.retry = qc.member_timeout, qc.retry
        s.respond(m, "Success", [("Message", "Queue reloaded successfully")])

    async def act_queuelog(self, s: AmiSession, m: AmiMessage) -> None:
        if not m.get("Queue") or not m.get("Event"):
            s.respond(m, "Error", [("Message", "Need 'Queue' and 'Event' parameters.")])
            return
        line = "|".join(
            [
                str(self._now()),
                m.get("Uniqueid") or "NONE",
                m["Queue"],
                m.get("Interface") or "",
                m["Event"],
                m.get("Message") or "",
            ]
        )
        self.pbx.queue_log.append(line)
        s.respond(m, "Success", [("Message", "Event added successfully")])


def member_agent(member: Member) -> str:
    return agent_name(member.interface)
