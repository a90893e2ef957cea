"""What a call is in pbxsim: the Originate asked for, its result, and the call itself."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from pbxsim.behaviour import PartyBehaviour
from pbxsim.channels import Channel
from pbxsim.fastagi import CallerScript, FastAgiCall

UNKNOWN: Final = "<unknown>"
CID_PRES: Final = ("CID-CallingPres", "0 (Presentation Allowed, Not Screened)")


@dataclass
class OriginateRequest:
    channel: str
    action_id: str | None = None
    context: str = ""
    exten: str = ""
    priority: int = 1
    application: str = ""
    data: str = ""
    timeout: float = 30.0
    caller_num: str = ""
    caller_name: str = ""
    account: str = ""
    variables: list[tuple[str, str]] = field(default_factory=list)
    channel_id: str = ""
    is_async: bool = True
    #: an inbound call's scripted caller (PbxSim.inbound_call); AMI Originates have none
    caller: CallerScript | None = None
    #: set once an inbound call's FastAGI session starts
    agi_session: FastAgiCall | None = None


@dataclass
class OriginateResult:
    success: bool
    reason: int
    channel: Channel | None = None


@dataclass
class Call:
    """One originated Local pair and what its called party will do."""

    one: Channel
    two: Channel
    behaviour: PartyBehaviour
    request: OriginateRequest
    answered_mono: float = 0.0
    #: simulated monotonic moment at which the customer hangs up, if any
    customer_deadline: float | None = None
    recording: bool = False
    #: the customer's side ended the call (CHANNEL(hangupsource) is then ``;2``)
    customer_hung_up: bool = False


Responder = Callable[[OriginateResult], None]
