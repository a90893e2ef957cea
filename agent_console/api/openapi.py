"""The agent API's OpenAPI 3.1 document, written by hand beside the routes it describes.

Request body schemas come from the pydantic models that validate them (so the document cannot
drift from the validation); responses are described here. A test checks that every route of
the app is in the document and every documented operation is a route.
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from agent_console.api.bodies import DISPOSITION_BODY, LoginBody, PauseBody, SessionBody

_REF = "#/components/schemas/{model}"

_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string", "description": "what went wrong, for a person"}},
}
_INVALID = {
    "type": "object",
    "required": ["error", "errors"],
    "properties": {
        "error": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message", "type"],
                "properties": {
                    "field": {"type": "string", "description": "dotted path; empty: the body"},
                    "message": {"type": "string"},
                    "type": {"type": "string", "description": "pydantic's error type"},
                },
            },
        },
    },
}
_STAMP = {"type": ["string", "null"], "format": "date-time"}
_AGENT = {
    "type": "object",
    "properties": {
        "username": {"type": "string"},
        "status": {
            "enum": ["logged_out", "ready", "reserved", "on_call", "wrap_up", "paused"],
        },
        "since": _STAMP,
        "campaign_id": {"type": "string"},
        "queue": {"type": "string"},
        "extension": {"type": "string"},
        "call_id": {"type": ["string", "null"]},
        "pause_reason": {"type": "string"},
        "wrap_up_deadline": _STAMP,
        "pending": {"type": "string", "description": "'logout', 'pause: <reason>' or empty"},
    },
}
_SCREEN_POP = {
    "type": "object",
    "description": "A ScreenPopped event (dialer/engine/desk.py) as JSON.",
    "properties": {
        "type": {"const": "screen_popped"},
        "username": {"type": "string"},
        "campaign_id": {"type": "string"},
        "attempt_id": {"type": ["integer", "null"]},
        "debt_id": {"type": "string"},
        "debtor_id": {"type": "string"},
        "phone": {"type": "string"},
        "preview": {"type": "boolean"},
        "at": {"type": "string", "format": "date-time"},
        "pop": {
            "type": "object",
            "description": "debtor, debts, payments, promises, open issues, profile, script",
        },
    },
}
_USER = {
    "type": "object",
    "properties": {
        "username": {"type": "string"},
        "display_name": {"type": "string"},
        "roles": {"type": "array", "items": {"enum": ["agent", "supervisor", "qa", "admin"]}},
        "extension": {"type": "string"},
        "expires_at": {"type": "string", "format": "date-time"},
    },
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": _REF.format(model=name)}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


_UNAUTHORIZED = _error("no session, or it expired")
_FORBIDDEN = _error(
    "the caller's role may not do this, or the session cookie came from another site's page"
)
_INVALID_BODY = _json(_ref("ValidationProblems"), "the body does not validate, field by field")
_BAD_JSON = _error("the body is not JSON")
_TOO_LARGE = _error("the body is larger than the server accepts")
_NOT_JSON = _error("the body is not sent as application/json")
_DESK = _error("the dialer refuses: 404 unknown thing, 409 wrong state, 422 bad data")


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _agent_command(summary: str, body: str | None = None) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": summary,
        "tags": ["agent"],
        "responses": {
            "200": _json({"type": "object", "properties": {"agent": _ref("Agent")}}, "new state"),
            "401": _UNAUTHORIZED,
            "403": _FORBIDDEN,
            "409": _DESK,
        },
    }
    if body is not None:
        operation["requestBody"] = _body(_ref(body))
        operation["responses"] |= {
            "400": _BAD_JSON,
            "413": _TOO_LARGE,
            "415": _NOT_JSON,
            "422": _INVALID_BODY,
        }
    return operation


def _login() -> dict[str, Any]:
    operation = _agent_command(
        "Log in at a phone extension to a campaign (lands paused)", "LoginBody"
    )
    operation["responses"]["404"] = _error("no such campaign runs in this dialer")
    return operation


def _pop_response(description: str, nullable: bool) -> dict[str, Any]:
    pop: dict[str, Any] = (
        {"anyOf": [_ref("ScreenPop"), {"type": "null"}]} if nullable else _ref("ScreenPop")
    )
    return _json({"type": "object", "properties": {"screen_pop": pop}}, description)


_AGENT_PARAM = {
    "name": "agent",
    "in": "query",
    "required": False,
    "description": "another agent's username (supervisors only); default: the caller",
    "schema": {"type": "string"},
}


def _paths() -> dict[str, Any]:
    preview_errors = {"401": _UNAUTHORIZED, "403": _FORBIDDEN, "409": _DESK}
    not_dialed = _error("Asterisk would not unpause the agent: nothing was dialed, try again")
    return {
        "/api/v1/session": {
            "post": {
                "summary": "Log in with username and password; answers a token (also a cookie)",
                "tags": ["session"],
                "security": [],
                "requestBody": _body(_ref("SessionBody")),
                "responses": {
                    "201": _json(
                        {
                            "type": "object",
                            "properties": {"token": {"type": "string"}, "user": _ref("User")},
                        },
                        "logged in; Set-Cookie recoup_session (HttpOnly, SameSite=Strict)",
                    ),
                    "400": _BAD_JSON,
                    "401": _error("wrong username or password"),
                    "413": _TOO_LARGE,
                    "415": _NOT_JSON,
                    "422": _INVALID_BODY,
                    "429": _error(
                        "too many wrong passwords for this username: try again after"
                        " Retry-After seconds"
                    ),
                    "503": _error("too many logins at once: try again after Retry-After seconds"),
                },
            },
            "get": {
                "summary": "Who the session belongs to",
                "tags": ["session"],
                "responses": {
                    "200": _json({"type": "object", "properties": {"user": _ref("User")}}, "ok"),
                    "401": _UNAUTHORIZED,
                    "403": _FORBIDDEN,
                },
            },
            "delete": {
                "summary": "Log out of the API (closes the session, clears the cookie)",
                "tags": ["session"],
                "responses": {
                    "204": {"description": "closed"},
                    "401": _UNAUTHORIZED,
                    "403": _FORBIDDEN,
                },
            },
        },
        "/api/v1/campaigns": {
            "get": {
                "summary": "The campaigns running in this dialer",
                "tags": ["agent"],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {
                                "campaigns": {"type": "array", "items": {"type": "object"}}
                            },
                        },
                        "id, name, dial mode, queue and live figures of each campaign",
                    ),
                    "401": _UNAUTHORIZED,
                    "403": _FORBIDDEN,
                },
            }
        },
        "/api/v1/agent": {
            "get": {
                "summary": "An agent's state and the screen pop they hold",
                "tags": ["agent"],
                "parameters": [_AGENT_PARAM],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {
                                "agent": _ref("Agent"),
                                "screen_pop": {"anyOf": [_ref("ScreenPop"), {"type": "null"}]},
                            },
                        },
                        "ok",
                    ),
                    "400": _error("not a username"),
                    "401": _UNAUTHORIZED,
                    "403": _FORBIDDEN,
                },
            }
        },
        "/api/v1/agent/login": {"post": _login()},
        "/api/v1/agent/ready": {
            "post": _agent_command("Ready for calls (ends a pause, or the wrap-up)")
        },
        "/api/v1/agent/pause": {
            "post": _agent_command("Pause with a reason (deferred while on a call)", "PauseBody")
        },
        "/api/v1/agent/logout": {
            "post": _agent_command("Log out of the campaign (deferred while on a call)")
        },
        "/api/v1/agent/calls/{attempt_id}/disposition": {
            "post": {
                "summary": "Record the outcome of the agent's call, with its data",
                "tags": ["agent"],
                "parameters": [
                    {
                        "name": "attempt_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer", "minimum": 1},
                    }
                ],
                "requestBody": _body(_ref("DispositionBody")),
                "responses": {
                    "201": _json(
                        {
                            "type": "object",
                            "properties": {
                                "attempt_id": {"type": "integer"},
                                "code": {"type": "string"},
                                "events": {"type": "array", "items": {"type": "string"}},
                                "agent": _ref("Agent"),
                            },
                        },
                        "recorded, with the events it caused and the agent's new state",
                    ),
                    "400": _BAD_JSON,
                    "401": _UNAUTHORIZED,
                    "403": _FORBIDDEN,
                    "404": _DESK,
                    "409": _DESK,
                    "413": _TOO_LARGE,
                    "415": _NOT_JSON,
                    "422": _INVALID_BODY,
                },
            }
        },
        "/api/v1/agent/preview/next": {
            "post": {
                "summary": "Preview campaigns: claim and show the next lead (null: list done)",
                "tags": ["preview"],
                "responses": {"200": _pop_response("the lead, or null", nullable=True)}
                | preview_errors,
            }
        },
        "/api/v1/agent/preview/dial": {
            "post": {
                "summary": "Dial the previewed lead; the call comes to this agent",
                "tags": ["preview"],
                "responses": {"200": _pop_response("dialing", nullable=False)}
                | preview_errors
                | {"503": not_dialed},
            }
        },
        "/api/v1/agent/preview/skip": {
            "post": {
                "summary": "Give the previewed lead back to the list without dialing",
                "tags": ["preview"],
                "responses": {"204": {"description": "skipped"}} | preview_errors,
            }
        },
        "/api/v1/agent/events": {
            "get": {
                "summary": "Websocket: the agent's live events",
                "description": (
                    "Upgrade to a websocket. First message: {topic: recoup/v1/agents/<u>/snapshot,"
                    " type: snapshot, payload: {agent, screen_pop}}; then one message per bus"
                    " event under recoup/v1/agents/<u>/#: {topic, type, payload} with type"
                    " agent_state_changed, screen_popped or call_left_agent. Closed with 1013"
                    " when the client reads too slowly, 1001 on server shutdown, 1008 when"
                    " its session is closed or has expired."
                ),
                "tags": ["agent"],
                "parameters": [_AGENT_PARAM],
                "responses": {
                    "101": {"description": "switching to the websocket protocol"},
                    "400": _error("not a username, or not a websocket request"),
                    "401": _UNAUTHORIZED,
                    "403": _FORBIDDEN,
                },
            }
        },
        "/api/v1/openapi.json": {
            "get": {
                "summary": "This document",
                "tags": ["meta"],
                "security": [],
                "responses": {"200": _json({"type": "object"}, "OpenAPI 3.1")},
            }
        },
        "/healthz": {
            "get": {
                "summary": "Liveness: the process answers",
                "tags": ["meta"],
                "security": [],
                "responses": {
                    "200": _json(
                        {"type": "object", "properties": {"status": {"const": "ok"}}}, "alive"
                    )
                },
            }
        },
        "/metrics": {
            "get": {
                "summary": "Prometheus metrics of the dialer (no authentication)",
                "tags": ["meta"],
                "security": [],
                "responses": {
                    "200": {
                        "description": "Prometheus text exposition format",
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    },
                    "404": _error("this process serves no metrics"),
                },
            }
        },
    }


def _body_schemas() -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    for name, adapter in (
        ("SessionBody", TypeAdapter(SessionBody)),
        ("LoginBody", TypeAdapter(LoginBody)),
        ("PauseBody", TypeAdapter(PauseBody)),
        ("DispositionBody", DISPOSITION_BODY),
    ):
        schema = adapter.json_schema(ref_template=_REF)
        schemas |= schema.pop("$defs", {})
        schemas[name] = schema
    return schemas


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of the agent API."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Recoup agent API",
            "version": "1",
            "description": (
                "The agent's desk over HTTP and a websocket: log in, ready, pause, the screen"
                " pop, dispositions and preview dialing. See agent_console/api/README.md."
            ),
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}, {"cookie": []}],
        "paths": _paths(),
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "cookie": {"type": "apiKey", "in": "cookie", "name": "recoup_session"},
            },
            "schemas": _body_schemas()
            | {
                "Error": _ERROR,
                "ValidationProblems": _INVALID,
                "Agent": _AGENT,
                "ScreenPop": _SCREEN_POP,
                "User": _USER,
            },
        },
    }
