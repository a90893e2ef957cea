"""Request bodies of the agent API, validated field by field before anything reaches the desk.

Bodies are JSON objects validated in pydantic's strict JSON mode: no silent coercion of a
number into a string or of ``"1"`` into a count; unknown fields are refused (a misspelt
``due`` is an error, not a promise without a date). Shape only: whether a promise fits the
balance, a bucket exists or a callback falls inside the calling window is the dialer's to judge
(it answers :class:`~dialer.engine.desk.DeskError` with status 422).

A disposition body names its outcome in ``code`` (the :class:`~recoup.domain.model.Disposition`
values) and carries that outcome's data; :func:`disposition_record` makes the
:data:`~recoup.dispositions.record.DispositionRecord` the desk records.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from typing import Annotated, Literal, TypeVar

from aiohttp import web
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from agent_console.api.errors import ApiError, FieldProblem, InvalidBodyError
from dialer.agents.membership import check_extension
from dialer.agents.state import MAX_REASON
from recoup.dispositions.record import (
    Callback,
    DispositionRecord,
    Dispute,
    NoConversation,
    Paid,
    PromiseToPay,
    Refused,
    WrongParty,
)
from recoup.domain.model import Disposition
from recoup.domain.money import Money, MoneyError, check_currency

_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
#: ASCII digits, commas between thousands allowed, a point before decimals: no sign, exponent,
#: NaN or other scripts' digits (``Decimal`` takes all of those, and "1e999999" overflows it)
_AMOUNT = re.compile(r"^([0-9]+|[0-9]{1,3}(,[0-9]{3})+)(\.[0-9]+)?$")
MAX_NOTE = 2000
MAX_NAME = 64
#: the control characters a free text (note, description) may hold: it may run over lines
_TEXT_CONTROLS = frozenset("\t\n\r")

T = TypeVar("T")


def _controls(value: str, allowed: frozenset[str]) -> str:
    """``value`` if it holds no control character but ``allowed``: NUL is refused by
    PostgreSQL, and a line break in a pause reason would inject AMI headers."""
    for char in value:
        if (char < " " or "\x7f" <= char <= "\x9f") and char not in allowed:
            msg = f"control character {char!r} is not allowed here"
            raise ValueError(msg)
    return value


def _line(value: str) -> str:
    return _controls(value, frozenset())


def _text(value: str) -> str:
    return _controls(value, _TEXT_CONTROLS)


#: one line of text (a name, a reason): no control character at all
Line = Annotated[str, AfterValidator(_line)]
#: free text (a note): line breaks and tabs, no other control character
Text = Annotated[str, AfterValidator(_text)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


# Sessions and agent commands ----------------------------------------------------------------


class SessionBody(Body):
    """Log in to the API (``POST /api/v1/session``)."""

    username: Line = Field(min_length=1, max_length=MAX_NAME)
    password: str = Field(min_length=1, max_length=1024)


class LoginBody(Body):
    """Log in at a phone to a campaign (``POST /api/v1/agent/login``)."""

    extension: str = Field(min_length=1, max_length=32, examples=["1001"])
    campaign_id: Line = Field(min_length=1, max_length=MAX_NAME)

    @field_validator("extension")
    @classmethod
    def _extension(cls, value: str) -> str:
        return check_extension(value)


class PauseBody(Body):
    """Pause with a reason (``POST /api/v1/agent/pause``)."""

    reason: Line = Field(min_length=1, max_length=MAX_REASON, examples=["lunch"])


# Dispositions -------------------------------------------------------------------------------


class PromiseBody(Body):
    code: Literal["promise_to_pay"]
    currency: str = Field(min_length=3, max_length=3, examples=["USD"])
    amount: str = Field(
        min_length=1, max_length=32, description="a decimal string", examples=["120.00"]
    )
    due_on: date = Field(examples=["2026-12-05"])

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        try:
            return check_currency(value)
        except MoneyError as error:
            raise ValueError(str(error)) from None

    @field_validator("amount")
    @classmethod
    def _amount(cls, value: str, info: ValidationInfo) -> str:
        currency = info.data.get("currency")
        if currency is None:  # the currency's own error says why
            return value
        if not _AMOUNT.match(value):
            msg = f'amount {value!r} is not a decimal string such as "120.00" or "1,500"'
            raise ValueError(msg)
        try:
            money = Money.parse(value, currency)
        except MoneyError as error:
            raise ValueError(str(error)) from None
        if money.minor <= 0:
            msg = "a promised amount must be more than zero"
            raise ValueError(msg)
        return value


class DisputeBody(Body):
    code: Literal["dispute"]
    bucket: Line = Field(min_length=1, max_length=MAX_NAME, examples=["service"])
    description: Text = Field(min_length=1, max_length=MAX_NOTE)


class CallbackBody(Body):
    code: Literal["callback"]
    at: AwareDatetime = Field(description="ISO 8601 with a UTC offset")
    note: Text = Field("", max_length=MAX_NOTE)

    @field_validator("at")
    @classmethod
    def _at(cls, value: datetime) -> datetime:
        try:
            value.astimezone(UTC)
        except OverflowError:
            msg = f"{value.isoformat()} is out of the range of dates in UTC"
            raise ValueError(msg) from None
        return value


class WrongPartyBody(Body):
    code: Literal["wrong_party"]
    phone: str = Field(description="E.164", examples=["+12125550100"])

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        if not _E164.match(value):
            msg = f"phone {value!r} is not an E.164 number such as +12125550100"
            raise ValueError(msg)
        return value


class RefusedBody(Body):
    code: Literal["refused"]
    note: Text = Field("", max_length=MAX_NOTE)


class PaidBody(Body):
    code: Literal["paid"]
    note: Text = Field("", max_length=MAX_NOTE)


class NoConversationBody(Body):
    code: Literal["left_message", "no_answer", "busy", "machine", "abandoned", "failed"]


DispositionBody = Annotated[
    PromiseBody
    | DisputeBody
    | CallbackBody
    | WrongPartyBody
    | RefusedBody
    | PaidBody
    | NoConversationBody,
    Field(discriminator="code"),
]
DISPOSITION_BODY: TypeAdapter[DispositionBody] = TypeAdapter(DispositionBody)


def disposition_record(body: DispositionBody) -> DispositionRecord:
    """The typed record of a validated disposition body."""
    match body:
        case PromiseBody():
            return PromiseToPay(Money.parse(body.amount, body.currency), body.due_on)
        case DisputeBody():
            return Dispute(body.bucket, body.description)
        case CallbackBody():
            return Callback(body.at.astimezone(UTC), body.note)
        case WrongPartyBody():
            return WrongParty(body.phone)
        case RefusedBody():
            return Refused(body.note)
        case PaidBody():
            return Paid(body.note)
        case NoConversationBody():
            return NoConversation(Disposition(body.code))


# Reading a body -----------------------------------------------------------------------------


def _field(loc: tuple[int | str, ...], tagged: bool) -> str:
    parts = [str(p) for p in loc]
    if tagged and parts:
        parts = parts[1:]  # the union's tag (the code) is not a field of the body
    return ".".join(parts)


def _problems(error: ValidationError, *, tagged: bool) -> list[FieldProblem]:
    problems = []
    for item in error.errors(include_url=False):
        kind = item["type"]
        field = _field(item["loc"], tagged)
        message = item["msg"]
        if kind in ("union_tag_not_found", "union_tag_invalid"):
            field = "code"
            codes = ", ".join(d.value for d in Disposition)
            message = f"code must be one of: {codes}"
        elif kind == "extra_forbidden":
            message = "unknown field"
        elif kind == "missing":
            message = "required"
        elif kind == "string_type" and field == "amount":
            message = 'the amount must be a decimal string such as "120.00"'
        elif message.startswith("Value error, "):
            message = message.removeprefix("Value error, ")
        problems.append(FieldProblem(field, message, kind))
    return problems


async def read_body(request: web.Request, adapter: TypeAdapter[T], *, tagged: bool = False) -> T:
    """The request's JSON body, validated: 400 when it is not JSON, 415 when it is not sent as
    ``application/json``, 422 when it does not fit, 413 (from aiohttp) when it is larger than
    the app's ``client_max_size``. ``tagged``: the adapter is a union tagged by ``code``, whose
    tag leads each error's location.

    Only ``application/json`` is read: a form or ``text/plain`` post is what another site's
    page can send without asking (no CORS preflight), so it never reaches the desk."""
    raw = await request.read()
    if not raw.strip():
        raise ApiError(400, "a JSON object is required as the request body")
    if request.content_type != "application/json":
        sent = request.headers.get("Content-Type", "no Content-Type")
        raise ApiError(415, f"send the body as application/json, not {sent}")
    try:
        data = json.loads(raw)
    except RecursionError:
        raise ApiError(400, "the request body is nested too deeply") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise ApiError(400, f"the request body is not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise InvalidBodyError([FieldProblem("", "the body must be a JSON object", "dict_type")])
    try:
        return adapter.validate_json(raw, strict=True)
    except ValidationError as error:
        raise InvalidBodyError(_problems(error, tagged=tagged)) from None
