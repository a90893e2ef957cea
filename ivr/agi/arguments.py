"""How arguments go on an AGI command line.

Asterisk splits a command line on spaces and tabs; ``"`` toggles quoting and ``\\`` makes the
next character literal (``parse_args`` in ``res_agi.c``). A line ends at ``\\n``, so a newline
inside an argument would start a second command chosen by whoever wrote the argument: every
argument is checked and such text is refused.
"""

from __future__ import annotations

from ivr.agi.errors import AgiArgumentError

_FORBIDDEN = ("\n", "\r", "\x00")
_NEEDS_QUOTES = (" ", "\t", '"', "\\")
ESCAPE_DIGITS = frozenset("0123456789*#ABCD")


def refuse_line_breaks(text: str) -> str:
    """Return ``text`` if it cannot end or split an AGI command line; refuse it otherwise."""
    for character in _FORBIDDEN:
        if character in text:
            raise AgiArgumentError(f"refusing {character!r} inside an AGI command: {text!r}")
    return text


def quoted(argument: str) -> str:
    """The argument in double quotes, with ``"`` and ``\\`` escaped: ``""`` for empty text."""
    escaped = refuse_line_breaks(argument).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def bare(argument: str) -> str:
    """The argument as is when it is one plain word, quoted when it is not."""
    refuse_line_breaks(argument)
    if not argument or any(character in argument for character in _NEEDS_QUOTES):
        return quoted(argument)
    return argument


def dtmf_keys(digits: str) -> str:
    """The quoted set of keys that interrupt a prompt (``"#"``, ``"0123456789*#"``, ``""``)."""
    unknown = set(digits) - ESCAPE_DIGITS
    if unknown:
        raise AgiArgumentError(f"not DTMF keys: {''.join(sorted(unknown))!r} in {digits!r}")
    return quoted(digits)


def split_command_line(line: str) -> list[str]:
    """The words Asterisk makes of a command line (``parse_args`` in ``res_agi.c``).

    The inverse of :func:`quoted`/:func:`bare`: for an Asterisk stand-in (pbxsim) and tests.
    """
    words: list[str] = []
    current: list[str] = []
    quoting = escaped = in_word = False
    for character in line:
        if character == '"' and not escaped:
            quoting = not quoting
            in_word = True
        elif character in " \t" and not quoting and not escaped:
            if in_word:
                words.append("".join(current))
                current, in_word = [], False
        elif character == "\\" and not escaped:
            escaped = True
            continue
        else:
            current.append(character)
            in_word = True
        escaped = False
    if in_word:
        words.append("".join(current))
    return words


def command_line(*words: str) -> str:
    """Join already-rendered words into one command line (without its ``\\n``)."""
    return " ".join(refuse_line_breaks(word) for word in words)
