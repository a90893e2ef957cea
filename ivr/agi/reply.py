"""Asterisk's answers to AGI commands, parsed from their lines.

The shapes seen on a real Asterisk 22 (``tests/fixtures/agi/``)::

    200 result=0
    200 result=1 (welcome)
    200 result= (timeout)
    200 result=0 (timeout) endpos=40000
    200 result=53 endpos=13120
    510 Invalid or unknown command
    511 Command Not Permitted on a dead channel or intercept routine
    520-Invalid command syntax.  Proper usage follows:
    <usage lines>
    520 End of proper usage.

and the unsolicited ``HANGUP`` line, which is not a reply to anything.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from ivr.agi.errors import AgiProtocolError

HANGUP_LINE = "HANGUP"
SUCCESS = 200
UNKNOWN_COMMAND = 510
DEAD_CHANNEL = 511
USAGE = 520

_FINAL_LINE = re.compile(r"(?P<code>\d{3}) (?P<text>.*)", re.DOTALL)
_USAGE_START = re.compile(r"\d{3}-")
# The data in parentheses may itself hold spaces and parentheses (a variable's value): the
# greedy group takes everything up to the last ")" that is followed only by key=value pairs.
_SUCCESS_TEXT = re.compile(
    r"result=(?P<result>\S*)(?: \((?P<data>.*)\))?(?P<extras>(?: [A-Za-z_]\w*=\S*)*)",
    re.DOTALL,
)


@dataclass(frozen=True, slots=True)
class AgiReply:
    """One reply: the code, ``result=``, the text in parentheses and any ``key=value``."""

    code: int
    result: str = ""
    data: str | None = None
    extras: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    text: str = ""
    usage: tuple[str, ...] = ()

    @property
    def result_number(self) -> int:
        """``result=`` as an integer; a protocol error if Asterisk put something else there."""
        try:
            return int(self.result)
        except ValueError:
            raise AgiProtocolError(f"expected a number in result={self.result!r}") from None

    @property
    def endpos(self) -> int | None:
        """Where playback or recording stopped, in samples (``endpos=``), if given."""
        value = self.extras.get("endpos")
        if value is None:
            return None
        try:
            return int(value)
        except ValueError:
            raise AgiProtocolError(f"expected a number in endpos={value!r}") from None


def starts_usage_block(line: str) -> bool:
    """True for the first line of a multi-line reply (``520-...``)."""
    return _USAGE_START.match(line) is not None


def parse_reply(lines: Sequence[str]) -> AgiReply:
    """Parse the line(s) of one reply, without their terminators.

    A multi-line reply is ``NNN-first``, any lines, ``NNN last``; every other reply is one line.
    """
    if not lines:
        raise AgiProtocolError("empty reply")
    final = _FINAL_LINE.fullmatch(lines[-1])
    if final is None:
        raise AgiProtocolError(f"not an AGI reply: {lines[-1]!r}")
    code = int(final["code"])
    if len(lines) > 1:
        first = lines[0]
        if not first.startswith(f"{code}-"):
            raise AgiProtocolError(f"multi-line reply does not start with {code}-: {first!r}")
        return AgiReply(code=code, text=first[4:], usage=tuple(lines[1:-1]))
    if code != SUCCESS:
        return AgiReply(code=code, text=final["text"])
    success = _SUCCESS_TEXT.fullmatch(final["text"])
    if success is None:
        raise AgiProtocolError(f"200 reply without result=: {lines[-1]!r}")
    extras = dict(pair.split("=", 1) for pair in success["extras"].split())
    return AgiReply(
        code=code,
        result=success["result"],
        data=success["data"],
        extras=MappingProxyType(extras),
        text=final["text"],
    )
