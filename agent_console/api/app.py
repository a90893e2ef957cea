"""The agent API's app factory: every dependency comes in, nothing is made at import time.

```python
app = make_agent_api(desk=desk, bus=bus, engine=engine, clock=clock,
                     metrics=dialer_metrics.exposition)
web.run_app(app)  # or add it under a parent app / AppRunner
```
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from aiohttp import web
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from sqlalchemy.ext.asyncio import AsyncEngine

from agent_console.api import agent_desk, auth, live
from agent_console.api.errors import ApiError, json_errors
from agent_console.api.keys import (
    BUS,
    CLOCK,
    COOKIE_SECURE,
    DESK,
    ENGINE,
    HEARTBEAT_S,
    LOGIN_THROTTLE,
    METRICS,
    SESSIONS,
)
from agent_console.api.login_throttle import LoginPolicy, LoginThrottle
from agent_console.api.openapi import openapi_document
from agent_console.api.sessions import SessionStore
from dialer.engine.desk import AgentDesk
from recoup.bus.local import InProcessBus
from recoup.clock import Clock

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

#: bodies are small JSON objects: anything larger is refused with 413 before it is parsed
MAX_BODY_BYTES = 64 * 1024
DEFAULT_LOGIN_POLICY = LoginPolicy()


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def metrics(request: web.Request) -> web.Response:
    exposition = request.app[METRICS]
    if exposition is None:
        raise ApiError(404, "this process serves no metrics")
    return web.Response(body=exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST})


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(openapi_document())


#: method, path, handler: the whole API (the OpenAPI document lists the same operations)
ROUTES: tuple[tuple[str, str, Handler], ...] = (
    ("POST", "/api/v1/session", auth.open_session),
    ("GET", "/api/v1/session", auth.show_session),
    ("DELETE", "/api/v1/session", auth.close_session),
    ("GET", "/api/v1/campaigns", agent_desk.list_campaigns),
    ("GET", "/api/v1/agent", agent_desk.show_agent),
    ("POST", "/api/v1/agent/login", agent_desk.log_in),
    ("POST", "/api/v1/agent/ready", agent_desk.ready),
    ("POST", "/api/v1/agent/pause", agent_desk.pause),
    ("POST", "/api/v1/agent/logout", agent_desk.log_out),
    ("POST", "/api/v1/agent/calls/{attempt_id}/disposition", agent_desk.dispose),
    ("POST", "/api/v1/agent/preview/next", agent_desk.preview_next),
    ("POST", "/api/v1/agent/preview/dial", agent_desk.preview_dial),
    ("POST", "/api/v1/agent/preview/skip", agent_desk.preview_skip),
    ("GET", "/api/v1/agent/events", live.agent_events),
    ("GET", "/api/v1/openapi.json", openapi),
    ("GET", "/healthz", healthz),
    ("GET", "/metrics", metrics),
)

#: routes anyone may call without a session
PUBLIC = frozenset(
    {
        ("POST", "/api/v1/session"),
        ("GET", "/api/v1/openapi.json"),
        ("GET", "/healthz"),
        ("GET", "/metrics"),
    }
)


def make_agent_api(
    *,
    desk: AgentDesk,
    bus: InProcessBus,
    engine: AsyncEngine,
    clock: Clock,
    metrics: Callable[[], bytes] | None = None,
    session_ttl: timedelta = timedelta(hours=12),
    secure_cookie: bool = False,
    heartbeat_s: float = 20.0,
    max_body_bytes: int = MAX_BODY_BYTES,
    login_policy: LoginPolicy = DEFAULT_LOGIN_POLICY,
) -> web.Application:
    """The agent API over ``desk``, with users from ``engine``'s ``app_user`` table.

    ``metrics``: the Prometheus exposition (e.g. ``DialerMetrics.exposition``), served without
    authentication at ``/metrics``; None answers 404 there. ``secure_cookie``: mark the session
    cookie Secure even where neither TLS nor a proxy's X-Forwarded-Proto says HTTPS.
    ``heartbeat_s``: websocket ping interval. ``login_policy``: how many wrong passwords a
    username may send in a window before its logins are refused with 429 until the window
    passes. ``engine`` is the caller's: the API uses it and never disposes of it.
    """
    app = web.Application(middlewares=[json_errors], client_max_size=max_body_bytes)
    app[DESK] = desk
    app[BUS] = bus
    app[ENGINE] = engine
    app[CLOCK] = clock
    app[METRICS] = metrics
    app[SESSIONS] = SessionStore(clock, session_ttl)
    app[LOGIN_THROTTLE] = LoginThrottle(login_policy)
    app[COOKIE_SECURE] = secure_cookie
    app[HEARTBEAT_S] = heartbeat_s
    app.cleanup_ctx.append(auth.password_checks)
    app.cleanup_ctx.append(live.live_sockets)
    app.on_shutdown.append(live.close_live_sockets)
    for method, path, handler in ROUTES:
        app.router.add_route(method, path, handler)
    return app
