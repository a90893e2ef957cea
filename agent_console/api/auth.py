"""Logging in to the API, and who may act for whom.

``POST /api/v1/session`` checks a username and password against the ``app_user`` table and
answers a session token, also set as an HttpOnly, SameSite=Strict cookie (so the browser
console needs no script access to it, and no other site's page can ride on it).
Every other endpoint except ``/healthz``, ``/metrics`` and the OpenAPI document asks for the
token: ``Authorization: Bearer <token>`` or the cookie. No token, or an unknown or expired
one: 401. A valid session whose roles do not allow the act: 403. A username that has sent too
many wrong passwords is refused with 429 and ``Retry-After`` (``login_throttle.py``).
SameSite=Strict still lets a sibling subdomain send the cookie: a cookie request that the
browser says comes from another origin is 403. An open session reads its account again once a
minute, so a disabled account or a role taken away applies to it (and to its live feeds).

Who may act: an agent acts only for themselves (log in to a campaign, ready, pause, dispose of
their own call); a supervisor may read any agent's state and watch their events. An admin
holds every role.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

from aiohttp import WSCloseCode, web
from pydantic import TypeAdapter
from sqlalchemy.exc import SQLAlchemyError

from agent_console.api.bodies import SessionBody, read_body
from agent_console.api.errors import ApiError
from agent_console.api.keys import (
    CLOCK,
    COOKIE_SECURE,
    ENGINE,
    LIVE_SOCKETS,
    LOGIN_THROTTLE,
    PASSWORD_CHECKS,
    SESSIONS,
)
from agent_console.api.sessions import (
    PasswordChecks,
    Session,
    active_account,
    check_credentials,
)
from recoup.domain.model import Role
from recoup.users.accounts import UserError, check_username

log = logging.getLogger(__name__)

COOKIE = "recoup_session"
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="recoup"'}
_SESSION_BODY = TypeAdapter(SessionBody)


def request_token(request: web.Request) -> str | None:
    """The session token the request carries (header first, then cookie), or None."""
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "use 'Authorization: Bearer <token>'", headers=_CHALLENGE)
        return token.strip()
    return request.cookies.get(COOKIE) or None


def _default_port(scheme: str) -> str:
    return {"http": ":80", "https": ":443", "ws": ":80", "wss": ":443"}.get(scheme, "")


def _from_own_origin(request: web.Request) -> bool:
    """Whether the browser page that sent the request is this API's own (or sent no Origin:
    not a browser). A browser's ``Sec-Fetch-Site`` says so whatever a proxy did to the Host;
    without it, the Host header names this API's origin, or a proxy in front names it in
    ``X-Forwarded-Host`` (which another site's page cannot set without a CORS preflight)."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site.strip().lower() in ("same-origin", "none")
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    try:
        parsed = urlsplit(origin.strip().lower())
    except ValueError:  # "http://[": no origin at all
        return False
    if not parsed.scheme or not parsed.netloc:
        return False  # "null": a sandboxed frame, a file, a redirect from elsewhere
    sender = parsed.netloc.removesuffix(_default_port(parsed.scheme))
    ours = {request.headers.get("Host", "")}
    ours.add(request.headers.get("X-Forwarded-Host", "").split(",")[0])
    ours = {h.strip().lower() for h in ours if h.strip()}
    ours |= {h.removesuffix(_default_port(parsed.scheme)) for h in ours}
    return sender in ours


async def authenticated(request: web.Request) -> Session:
    """The caller's session, or 401; 403 when the session cookie comes from another site's
    page (SameSite leaves sibling subdomains free to send it, and commands without a body and
    the websocket are not guarded by the JSON-only rule)."""
    token = request_token(request)
    if token is None:
        raise ApiError(401, "log in first: POST /api/v1/session", headers=_CHALLENGE)
    if "Authorization" not in request.headers and not _from_own_origin(request):
        raise ApiError(403, "a page of another site may not use the session cookie")
    if request.app[SESSIONS].find(token) is None:
        raise ApiError(
            401, "the session has expired or was closed: log in again", headers=_CHALLENGE
        )
    session = await current_session(request.app, token)
    if session is None:
        raise ApiError(401, "the account is disabled: ask a supervisor", headers=_CHALLENGE)
    return session


async def current_session(app: web.Application, token: str) -> Session | None:
    """The live session of ``token``, its account read again when that is due: None when it
    has expired, was closed, or its account is gone or disabled. While the database is away
    the session stays as it was (the desk needs the database anyway; logins do not)."""
    sessions = app[SESSIONS]
    session = sessions.find(token)
    if session is None or not sessions.due_for_check(session):
        return session
    try:
        user = await active_account(app[ENGINE], session.username)
    except (SQLAlchemyError, OSError):
        log.warning("agent API: %s's account could not be read", session.username, exc_info=True)
        return session
    return sessions.checked(token, user)


async def acting_agent(request: web.Request) -> Session:
    """The caller, who must be an agent: agents act only for themselves."""
    session = await authenticated(request)
    if not session.has(Role.AGENT):
        raise ApiError(403, f"{session.username} is not an agent: only agents work calls")
    return session


def may_watch(session: Session, username: str) -> str | None:
    """Why ``session`` may not read ``username``'s state and events, or None when it may."""
    if username == session.username:
        if not (session.has(Role.AGENT) or session.has(Role.SUPERVISOR)):
            return f"{session.username} is neither an agent nor a supervisor"
        return None
    if not session.has(Role.SUPERVISOR):
        return "only a supervisor may read another agent"
    return None


async def watched_agent(request: web.Request) -> tuple[Session, str]:
    """The caller and the agent they may read: themselves, or with ``?agent=`` (supervisors)."""
    session = await authenticated(request)
    asked = request.query.get("agent", "").strip() or session.username
    if (refused := may_watch(session, asked)) is not None:
        raise ApiError(403, refused)
    try:
        return session, check_username(asked)
    except UserError as error:
        raise ApiError(400, f"agent: {error}") from None


def _user_json(session: Session) -> dict[str, object]:
    return {
        "username": session.username,
        "display_name": session.display_name,
        "roles": sorted(r.value for r in session.roles),
        "extension": session.extension,
        "expires_at": session.expires_at.isoformat(),
    }


def _over_tls(request: web.Request) -> bool:
    """Whether the browser reached us over HTTPS: directly, or through a proxy that says so. A
    client that lies only makes its own cookie stricter."""
    if request.secure:
        return True
    proto = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    forwarded = request.forwarded[0].get("proto", "") if request.forwarded else ""
    return "https" in (proto, forwarded.lower())


async def open_session(request: web.Request) -> web.Response:
    body = await read_body(request, _SESSION_BODY)
    checks = request.app[PASSWORD_CHECKS]
    if checks.full:
        raise ApiError(
            503, "too many logins at once: try again in a moment", headers={"Retry-After": "1"}
        )
    throttle = request.app[LOGIN_THROTTLE]
    began = request.app[CLOCK].now()
    wait = throttle.begin(body.username, began)
    if wait is not None:
        raise ApiError(
            429,
            f"too many wrong passwords: try again in {wait:.0f} seconds",
            headers={"Retry-After": f"{wait:.0f}"},
        )
    try:
        with checks.admitted():
            user = await check_credentials(
                request.app[ENGINE], checks, body.username, body.password
            )
    except BaseException:
        throttle.taken_back(body.username, began)  # no password was judged wrong
        raise
    if user is None:
        raise ApiError(401, "wrong username or password", headers=_CHALLENGE)
    throttle.succeeded(body.username)
    token, session = request.app[SESSIONS].open(user)
    response = web.json_response({"token": token, "user": _user_json(session)}, status=201)
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(request.app[SESSIONS].ttl.total_seconds()),
        path="/",
        httponly=True,
        samesite="Strict",
        secure=request.app[COOKIE_SECURE] or _over_tls(request),
    )
    return response


async def show_session(request: web.Request) -> web.Response:
    return web.json_response({"user": _user_json(await authenticated(request))})


async def close_session(request: web.Request) -> web.Response:
    await authenticated(request)
    token = request_token(request)
    if token is not None:
        request.app[SESSIONS].close(token)
        await _close_feeds(request.app, token)
    response = web.Response(status=204)
    response.del_cookie(COOKIE, path="/")
    return response


async def _close_feeds(app: web.Application, token: str) -> None:
    """Logging out ends the session's live feeds too: no screen pop after the logout."""
    feeds = app.get(LIVE_SOCKETS, {})
    for ws in [ws for ws, opened_with in feeds.items() if opened_with == token]:
        await ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"session closed: log in again")


async def password_checks(app: web.Application) -> AsyncIterator[None]:
    """The password checks' own threads, for the life of the app (cleanup_ctx)."""
    checks = PasswordChecks()
    app[PASSWORD_CHECKS] = checks
    try:
        await checks.warm_up()
        yield
    finally:
        checks.close()
