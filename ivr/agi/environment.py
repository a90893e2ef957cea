"""The ``agi_*`` block Asterisk sends first: who is calling, on which channel, for which script.

Asterisk writes ``agi_<name>: <value>`` lines and then one empty line, the same way for
FastAGI (over TCP) and classic AGI (on the script's stdin).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from types import MappingProxyType
from urllib.parse import parse_qsl, urlsplit

from ivr.agi.arguments import refuse_line_breaks
from ivr.agi.errors import AgiProtocolError

MAX_ENVIRONMENT_LINES = 512
_NETWORK_SCHEMES = frozenset({"agi", "agis", "hagi"})
_KNOWN_TEXT_FIELDS = (
    "network_script",
    "request",
    "channel",
    "language",
    "type",
    "uniqueid",
    "version",
    "callerid",
    "calleridname",
    "callingpres",
    "callingani2",
    "callington",
    "callingtns",
    "dnid",
    "rdnis",
    "context",
    "extension",
    "enhanced",
    "accountcode",
    "threadid",
)


def _empty() -> Mapping[str, str]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class AgiEnvironment:
    """The call as Asterisk describes it when the AGI starts.

    ``script`` and ``params`` come from ``agi_request``: for FastAGI
    ``agi://host:port/<script>?<params>``, for classic AGI the script's file name.
    ``args`` are ``agi_arg_1`` … in order; ``extra`` keeps every other ``agi_`` line.
    """

    request: str
    script: str
    params: Mapping[str, str] = field(default_factory=_empty)
    network: bool = False
    network_script: str = ""
    channel: str = ""
    language: str = ""
    type: str = ""
    uniqueid: str = ""
    version: str = ""
    callerid: str = ""
    calleridname: str = ""
    callingpres: str = ""
    callingani2: str = ""
    callington: str = ""
    callingtns: str = ""
    dnid: str = ""
    rdnis: str = ""
    context: str = ""
    extension: str = ""
    priority: str = ""
    enhanced: str = ""
    accountcode: str = ""
    threadid: str = ""
    args: tuple[str, ...] = ()
    extra: Mapping[str, str] = field(default_factory=_empty)


def parse_environment_line(line: str) -> tuple[str, str]:
    """``agi_channel: Local/s@inbound-0000000a;2`` -> ``("channel", "Local/s@inbound-...")``."""
    name, colon, value = line.partition(":")
    if not colon or not name.startswith("agi_") or len(name) == len("agi_") or " " in name:
        raise AgiProtocolError(f"not an agi_ environment line: {line!r}")
    return name.removeprefix("agi_"), value.removeprefix(" ")


def script_and_params(request: str) -> tuple[str, Mapping[str, str]]:
    """Split ``agi://127.0.0.1:4573/ivr?campaign=7`` into ``("ivr", {"campaign": "7"})``."""
    try:
        parts = urlsplit(request)
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
    except ValueError as error:  # e.g. "agi://[::1/ivr": an unclosed IPv6 bracket
        raise AgiProtocolError(f"agi_request is not a URL: {request!r} ({error})") from None
    if parts.scheme.lower() in _NETWORK_SCHEMES:
        return parts.path.lstrip("/"), MappingProxyType(params)
    return PurePosixPath(request).name, _empty()


def parse_environment(lines: Sequence[str]) -> AgiEnvironment:
    """Build the environment from its lines (without the closing empty line)."""
    values: dict[str, str] = {}
    for line in lines:
        name, value = parse_environment_line(line)
        values[name] = value
    if "request" not in values:
        raise AgiProtocolError("the environment block has no agi_request")
    script, params = script_and_params(values["request"])
    numbered_args: dict[int, str] = {}
    extra: dict[str, str] = {}
    for name, value in values.items():
        number = name.removeprefix("arg_")
        if name.startswith("arg_") and number.isdigit():
            numbered_args[int(number)] = value
        elif name not in _KNOWN_TEXT_FIELDS and name not in {"network", "priority"}:
            extra[name] = value
    known = {name: values[name] for name in _KNOWN_TEXT_FIELDS if name in values}
    return AgiEnvironment(
        script=script,
        params=params,
        network=values.get("network", "") == "yes",
        priority=values.get("priority", ""),
        args=tuple(numbered_args[number] for number in sorted(numbered_args)),
        extra=MappingProxyType(extra),
        **known,
    )


def environment_block(fields: Mapping[str, str]) -> bytes:
    """The bytes Asterisk sends first: ``agi_<name>: <value>`` lines, then an empty line.

    ``fields`` are named without ``agi_`` (``{"request": "agi://…/ivr", "channel": …}``), in
    the order to send them. For an Asterisk stand-in (pbxsim) and tests.
    """
    lines = (
        f"agi_{refuse_line_breaks(name)}: {refuse_line_breaks(value)}\n"
        for name, value in fields.items()
    )
    return ("".join(lines) + "\n").encode("utf-8", "surrogateescape")
