"""The composition root: the dialer wired to Asterisk (or pbxsim), the database and the bus.

:func:`running_dialer` connects the AMI session, builds the :class:`~dialer.engine.runner.Dialer`
and its :class:`~dialer.engine.agent_desk.DialerDesk`, links the bus to MQTT when a broker is
configured, and takes commands from the bus (``recoup/v1/cmd/...``). ``recoup dialer``,
``recoup serve`` and ``recoup demo`` all start the contact centre through it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine

from dialer.agents.state import IllegalTransitionError
from dialer.ami.errors import AmiError
from dialer.ami.pbx import AsteriskPbx
from dialer.ami.session import AmiSession
from dialer.ami.session import AmiSettings as SessionSettings
from dialer.engine.agent_desk import DialerDesk
from dialer.engine.desk import DeskError
from dialer.engine.runner import Dialer, DialerSettings
from dialer.events import PbxEvent
from recoup.bus.local import InProcessBus
from recoup.bus.mqtt import Command, mqtt_link
from recoup.clock import Clock

log = logging.getLogger(__name__)


@dataclass
class ContactCentre:
    dialer: Dialer
    desk: DialerDesk
    session: AmiSession
    bus: InProcessBus


async def handle_command(centre: ContactCentre, command: Command) -> None:
    """Commands from the bus (MQTT ``recoup/v1/cmd/<path>`` with a JSON body).

    ``agents/<username>/pause`` {"reason"}, ``agents/<username>/ready``,
    ``agents/<username>/spy`` {"extension": the supervisor's phone, "mode": listen | whisper |
    barge},
    ``campaigns/<id>/stop``, ``campaigns/<id>/start``. A command that does not hold is logged
    and dropped; it never stops the dialer.
    """
    parts = command.path.split("/")
    try:
        match parts:
            case ["agents", username, "pause"]:
                await centre.desk.pause(username, str(command.body.get("reason", "supervisor")))
            case ["agents", username, "ready"]:
                await centre.desk.ready(username)
            case ["agents", username, "spy"]:
                await centre.dialer.spy(
                    username, supervisor_extension=str(command.body.get("extension", "")),
                    mode=str(command.body.get("mode", "listen")),
                )  # fmt: skip
            case ["campaigns", campaign_id, "stop" | "start" as verb]:
                run = centre.dialer.campaigns.get(campaign_id)
                if run is None:
                    log.warning("command for unknown campaign %s", campaign_id)
                    return
                run.stopped = verb == "stop"
            case _:
                log.warning("unknown command %s", command.path)
    except (DeskError, IllegalTransitionError, LookupError, ValueError, AmiError) as error:
        log.warning("command %s refused: %s", command.path, error)


@contextlib.asynccontextmanager
async def running_dialer(
    *,
    engine: AsyncEngine,
    ami: SessionSettings,
    clock: Clock,
    bus: InProcessBus | None = None,
    settings: DialerSettings | None = None,
    campaign_ids: list[str] | None = None,
    mqtt_url: str | None = None,
    connect_within_s: float = 10.0,
) -> AsyncIterator[ContactCentre]:
    """The dialer running against Asterisk at ``ami``, for the length of the block."""
    bus = bus or InProcessBus()
    events: asyncio.Queue[PbxEvent] = asyncio.Queue()
    session = AmiSession(ami, clock=clock, on_event=events.put_nowait)
    await session.start()
    try:
        await session.wait_connected(within_s=connect_within_s)
        dialer = Dialer(
            engine=engine, pbx=AsteriskPbx(session), events=events, bus=bus, clock=clock,
            settings=settings,
        )  # fmt: skip
        centre = ContactCentre(dialer, DialerDesk(dialer), session, bus)
        await dialer.start(campaign_ids)
        try:
            if mqtt_url:

                async def on_command(command: Command) -> None:
                    await handle_command(centre, command)

                async with mqtt_link(bus, mqtt_url, on_command):
                    yield centre
            else:
                yield centre
        finally:
            await dialer.stop()
    finally:
        await session.close()
