"""Every failure of the agent API answers JSON: ``{"error": message}``, and for a body that does
not validate, ``{"error": ..., "errors": [{"field", "message", "type"}]}`` with status 422.

The middleware turns the API's own errors, the dialer's :class:`DeskError` (with the status it
names) and aiohttp's HTTP errors (404, 405, 413 ...) into that shape. Anything else is a bug:
it is logged with its traceback and answers 500 without details, and the app keeps serving.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aiohttp import web
from aiohttp.typedefs import Handler

from dialer.engine.desk import DeskError

log = logging.getLogger(__name__)

_KEEP_HEADERS = ("Allow", "WWW-Authenticate", "Retry-After")


class ApiError(Exception):
    """A request the API refuses, with the status and a message a person can act on."""

    def __init__(
        self, status: int, message: str, *, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """What is wrong with one field of a request body (``field`` is a dotted path)."""

    field: str
    message: str
    type: str


class InvalidBodyError(Exception):
    """A request body that does not validate: every problem, field by field."""

    def __init__(self, problems: Sequence[FieldProblem]) -> None:
        fields = ", ".join(sorted({p.field or "(body)" for p in problems}))
        super().__init__(f"invalid request body: {fields}")
        self.problems = tuple(problems)


def error_response(
    status: int, message: str, *, headers: Mapping[str, str] | None = None
) -> web.Response:
    return web.json_response({"error": message}, status=status, headers=headers)


def _desk_status(status: int) -> int:
    """A desk's 4xx, or 503 (Asterisk did not do its part: try again); anything else 409."""
    return status if 400 <= status < 500 or status == 503 else 409


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as error:
        return error_response(error.status, error.message, headers=error.headers)
    except InvalidBodyError as error:
        body = {
            "error": str(error),
            "errors": [
                {"field": p.field, "message": p.message, "type": p.type} for p in error.problems
            ],
        }
        return web.json_response(body, status=422)
    except DeskError as error:
        return error_response(_desk_status(error.status), error.message)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        headers = {k: v for k in _KEEP_HEADERS if (v := error.headers.get(k)) is not None}
        message = error.text or error.reason
        if message.startswith(f"{error.status}: "):
            message = error.reason
        if error.status == 404 and message == "Not Found":
            message = f"no such endpoint: {request.method} {request.path}"
        elif error.status == 405 and message == "Method Not Allowed":
            message = f"{request.method} is not allowed on {request.path}"
        return error_response(error.status, message, headers=headers)
    except Exception:
        log.exception("agent API: %s %s failed", request.method, request.path)
        return error_response(500, "internal error: the request was not completed")
