"""Numbers in text as Asterisk reads them (``sscanf("%d")`` and ``atoi``)."""

from __future__ import annotations

import re

_LEADING = re.compile(r"\s*([+-]?[0-9]+)")


def leading_int(text: str) -> int | None:
    """The number ``sscanf("%d")`` reads at the start of ``text``, or None (ASCII digits only)."""
    match = _LEADING.match(text)
    return int(match.group(1)) if match else None


def atoi(text: str) -> int:
    """C's ``atoi``: the leading number, or 0."""
    return leading_int(text) or 0
