"""The typed keys under which the agent API keeps its dependencies on the application."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from agent_console.api.login_throttle import LoginThrottle
from agent_console.api.sessions import PasswordChecks, SessionStore
from dialer.engine.desk import AgentDesk
from recoup.bus.local import InProcessBus
from recoup.clock import Clock

DESK = web.AppKey("desk", AgentDesk)
BUS = web.AppKey("bus", InProcessBus)
ENGINE = web.AppKey("engine", AsyncEngine)
CLOCK = web.AppKey("clock", Clock)
METRICS: web.AppKey[Callable[[], bytes] | None] = web.AppKey("metrics")
SESSIONS = web.AppKey("sessions", SessionStore)
LOGIN_THROTTLE = web.AppKey("login_throttle", LoginThrottle)
PASSWORD_CHECKS = web.AppKey("password_checks", PasswordChecks)
COOKIE_SECURE = web.AppKey("cookie_secure", bool)
HEARTBEAT_S = web.AppKey("heartbeat_s", float)
#: the open live feeds, each with the session token it was opened with
LIVE_SOCKETS = web.AppKey("live_sockets", dict[web.WebSocketResponse, str])
