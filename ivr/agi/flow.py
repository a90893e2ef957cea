"""Running one call flow on one AGI session, the same way for FastAGI and classic AGI.

A flow is ``async def flow(session: AgiSession) -> None``. Whatever it does — finishes, meets
a caller who hung up, trips over a protocol error, crashes — ends this call only: it is
logged, and the session is closed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from enum import Enum

from ivr.agi.errors import AgiError, CallerHungUp
from ivr.agi.session import AgiSession

logger = logging.getLogger(__name__)

AgiFlow = Callable[[AgiSession], Awaitable[None]]


class FlowOutcome(Enum):
    """How a call flow ended."""

    COMPLETED = "completed"
    CALLER_HUNG_UP = "caller_hung_up"
    AGI_FAILED = "agi_failed"
    CRASHED = "crashed"


async def run_flow(
    flow: AgiFlow, session: AgiSession, *, wait_for_asterisk: bool = True
) -> FlowOutcome:
    """Run ``flow`` to its end, log how it ended, close the session, and say how it ended."""
    env = session.environment
    try:
        await flow(session)
    except CallerHungUp:
        logger.info("AGI %s on %s: the caller hung up", env.script, env.channel)
        return FlowOutcome.CALLER_HUNG_UP
    except AgiError as error:
        logger.warning("AGI %s on %s failed: %r", env.script, env.channel, error)
        return FlowOutcome.AGI_FAILED
    except asyncio.CancelledError:
        logger.info("AGI %s on %s cancelled (shutdown)", env.script, env.channel)
        raise
    except Exception:
        logger.exception("AGI flow %s crashed on %s", env.script, env.channel)
        return FlowOutcome.CRASHED
    finally:
        await session.close(wait_for_asterisk=wait_for_asterisk)
    return FlowOutcome.COMPLETED
