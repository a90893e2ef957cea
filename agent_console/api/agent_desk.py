"""The agent's desk over HTTP: campaigns, state, log in / ready / pause / log out, the outcome
of a call, and preview dialing. Each handler checks who may act, validates the body, and calls
the :class:`~dialer.engine.desk.AgentDesk`; a :class:`~dialer.engine.desk.DeskError` answers
its own status (see :mod:`agent_console.api.errors`)."""

from __future__ import annotations

from aiohttp import web
from pydantic import TypeAdapter

from agent_console.api.auth import acting_agent, authenticated, watched_agent
from agent_console.api.bodies import (
    DISPOSITION_BODY,
    LoginBody,
    PauseBody,
    disposition_record,
    read_body,
)
from agent_console.api.errors import ApiError
from agent_console.api.keys import CLOCK, DESK
from agent_console.api.payloads import agent_json, dumps, pop_json, saved_json
from dialer.agents.state import AgentState
from recoup.domain.model import Role

_LOGIN_BODY = TypeAdapter(LoginBody)
_PAUSE_BODY = TypeAdapter(PauseBody)
MAX_ATTEMPT_ID = 2**63 - 1


def _agent_response(state: AgentState) -> web.Response:
    return web.json_response({"agent": agent_json(state)})


async def list_campaigns(request: web.Request) -> web.Response:
    session = await authenticated(request)
    if not (session.has(Role.AGENT) or session.has(Role.SUPERVISOR)):
        raise ApiError(403, f"{session.username} is neither an agent nor a supervisor")
    return web.json_response({"campaigns": request.app[DESK].campaigns()}, dumps=dumps)


async def show_agent(request: web.Request) -> web.Response:
    _, username = await watched_agent(request)
    desk = request.app[DESK]
    state = desk.agent(username) or AgentState(username)
    pop = desk.current_pop(username)
    return web.json_response({"agent": agent_json(state), "screen_pop": pop_json(pop)})


async def log_in(request: web.Request) -> web.Response:
    session = await acting_agent(request)
    body = await read_body(request, _LOGIN_BODY)
    desk = request.app[DESK]
    state = await desk.login(
        session.username, extension=body.extension, campaign_id=body.campaign_id
    )
    return _agent_response(state)


async def ready(request: web.Request) -> web.Response:
    session = await acting_agent(request)
    return _agent_response(await request.app[DESK].ready(session.username))


async def pause(request: web.Request) -> web.Response:
    session = await acting_agent(request)
    body = await read_body(request, _PAUSE_BODY)
    return _agent_response(await request.app[DESK].pause(session.username, body.reason))


async def log_out(request: web.Request) -> web.Response:
    session = await acting_agent(request)
    return _agent_response(await request.app[DESK].logout(session.username))


def _attempt_id(request: web.Request) -> int:
    text = request.match_info["attempt_id"]
    if not text.isascii() or not text.isdigit() or not 0 < int(text) <= MAX_ATTEMPT_ID:
        raise ApiError(404, f"no call attempt {text!r}: attempt ids are positive integers")
    return int(text)


async def dispose(request: web.Request) -> web.Response:
    session = await acting_agent(request)
    attempt_id = _attempt_id(request)
    body = await read_body(request, DISPOSITION_BODY, tagged=True)
    record = disposition_record(body)
    now = request.app[CLOCK].now()
    saved = await request.app[DESK].dispose(session.username, attempt_id, record, now=now)
    return web.json_response(saved_json(saved), status=201)


async def preview_next(request: web.Request) -> web.Response:
    session = await acting_agent(request)
    pop = await request.app[DESK].preview_next(session.username)
    return web.json_response({"screen_pop": pop_json(pop)})


async def preview_dial(request: web.Request) -> web.Response:
    session = await acting_agent(request)
    pop = await request.app[DESK].preview_dial(session.username)
    return web.json_response({"screen_pop": pop_json(pop)})


async def preview_skip(request: web.Request) -> web.Response:
    session = await acting_agent(request)
    await request.app[DESK].preview_skip(session.username)
    return web.Response(status=204)
