"""The agent's live feed: ``GET /api/v1/agent/events`` as a websocket.

On connect the server sends one ``snapshot`` message (the agent's state and the screen pop they
hold), then every bus event under ``recoup/v1/agents/<username>/#`` as it is published::

    {"topic": "recoup/v1/agents/ana/screen_pop", "type": "screen_popped", "payload": {...}}

The subscription is taken before the snapshot is read, so nothing falls between the two (an
event may repeat what the snapshot already shows). Each socket has a bounded backlog on the bus:
a client that stops reading never stalls the dialer; once it has lost events it is closed with
1013 (try again later) and reconnects to a fresh snapshot. A feed lives no longer than the
session it was opened with: logging out closes it with 1008, and an expired session's feed is
closed with 1008 instead of forwarding the next event. aiohttp's heartbeat pings the client and
drops it when it stops answering. The server ignores what clients send.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import WSCloseCode, web

from agent_console.api.auth import current_session, may_watch, request_token, watched_agent
from agent_console.api.keys import BUS, DESK, HEARTBEAT_S, LIVE_SOCKETS
from agent_console.api.payloads import agent_json, pop_json
from dialer.agents.state import AgentState
from recoup.bus.event import TOPIC_ROOT, event_payload, event_type, utf8_json
from recoup.bus.local import Subscription

log = logging.getLogger(__name__)

BACKLOG = 256  # events kept for a socket that reads slower than the bus publishes
MAX_CLIENT_MESSAGE = 4096
_SESSION_ENDED = b"the session ended or may no longer read this agent"


def agent_topic_filter(username: str) -> str:
    """Every event about one agent (``username`` is a checked username: no wildcards)."""
    return f"{TOPIC_ROOT}/agents/{username}/#"


def _message(topic: str, kind: str, payload: dict[str, Any]) -> str:
    """The frame's JSON, valid UTF-8 even when some text has none (a lone surrogate), which a
    websocket cannot send as it is."""
    return utf8_json({"topic": topic, "type": kind, "payload": payload})


async def _forward(
    subscription: Subscription,
    ws: web.WebSocketResponse,
    app: web.Application,
    token: str,
    username: str,
) -> None:
    try:
        async for topic, event in subscription:
            # expired, the account disabled, or its role taken away: the feed ends here
            session = await current_session(app, token)
            if session is None or may_watch(session, username) is not None:
                await ws.close(code=WSCloseCode.POLICY_VIOLATION, message=_SESSION_ENDED)
                return
            if subscription.dropped:
                await ws.close(code=WSCloseCode.TRY_AGAIN_LATER, message=b"too slow: reconnect")
                return
            await ws.send_str(_message(topic, event_type(event), event_payload(event)))
    except (ConnectionError, RuntimeError):
        return  # the client went away while we wrote
    except Exception:
        log.exception("agent events: forwarding failed")
        await ws.close(code=WSCloseCode.INTERNAL_ERROR, message=b"internal error")


async def agent_events(request: web.Request) -> web.StreamResponse:
    _, username = await watched_agent(request)  # 401 / 403 before the upgrade
    token = request_token(request) or ""  # watched_agent found the session of a token
    ws = web.WebSocketResponse(heartbeat=request.app[HEARTBEAT_S], max_msg_size=MAX_CLIENT_MESSAGE)
    await ws.prepare(request)
    sockets = request.app[LIVE_SOCKETS]
    sockets[ws] = token
    try:
        await _serve(request, ws, username, token)
    except (ConnectionError, RuntimeError):
        pass  # the client went away
    except Exception:  # after the upgrade no HTTP error can be answered: close instead
        log.exception("agent events for %s failed", username)
        await ws.close(code=WSCloseCode.INTERNAL_ERROR, message=b"internal error")
    finally:
        sockets.pop(ws, None)
    return ws


async def _serve(
    request: web.Request, ws: web.WebSocketResponse, username: str, token: str
) -> None:
    with request.app[BUS].subscribed(agent_topic_filter(username), maxsize=BACKLOG) as subscription:
        desk = request.app[DESK]
        state = desk.agent(username) or AgentState(username)
        snapshot = {
            "agent": agent_json(state),
            "screen_pop": pop_json(desk.current_pop(username)),
        }
        topic = f"{TOPIC_ROOT}/agents/{username}/snapshot"
        await ws.send_str(_message(topic, "snapshot", snapshot))
        forward = asyncio.create_task(_forward(subscription, ws, request.app, token, username))
        try:
            async for _ in ws:
                pass  # nothing to hear from the client; reading handles pings and close
        finally:
            forward.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await forward


async def live_sockets(app: web.Application) -> AsyncIterator[None]:
    """The open feeds' registry, for the life of the app (cleanup_ctx)."""
    app[LIVE_SOCKETS] = {}
    yield
    await close_live_sockets(app)


async def close_live_sockets(app: web.Application) -> None:
    """On shutdown: say goodbye to every feed, so that their handlers end (on_shutdown)."""
    sockets = app.get(LIVE_SOCKETS, {})
    for ws in tuple(sockets):
        await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown")
