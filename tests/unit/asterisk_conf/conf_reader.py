"""A reader for Asterisk's configuration format and Recoup's dialplan, for the static checks
of ``asterisk_conf/`` (see test_dialplan.py and test_queues_and_manager.py)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CONF_DIR = Path(__file__).resolve().parents[3] / "asterisk_conf"
DOCKER_DIR = CONF_DIR.parent / "docker"

# Variables the dialer passes with the Originate (or the Redirect/spy Originate), so a
# ${RECOUP_...} read that nothing in the dialplan sets is still defined.
ORIGINATE_VARIABLES = frozenset(
    {
        "RECOUP_CAMPAIGN",
        "RECOUP_LEAD",
        "RECOUP_DEBT",
        "RECOUP_AMD",
        "RECOUP_ON_MACHINE",
        "RECOUP_ALL_PARTY_CONSENT",
        "RECOUP_QUEUE",
        "RECOUP_ID_PROMPT",
        "RECOUP_MACHINE_PROMPT",
        "RECOUP_SPY_TARGET",
    }
)
PLACEHOLDER = re.compile(r"^(CHANGE_ME\w*|<[^>]+>)$")


# --------------------------------------------------------------------------------------------
# A small reader for Asterisk's configuration format
# --------------------------------------------------------------------------------------------
@dataclass
class Section:
    name: str
    file: str
    is_template: bool = False
    templates: tuple[str, ...] = ()
    items: list[tuple[str, str, int]] = field(default_factory=list)  # key, value, line

    def values(self, key: str) -> list[str]:
        return [v for k, v, _ in self.items if k == key]

    def value(self, key: str) -> str | None:
        found = self.values(key)
        return found[-1] if found else None


def strip_comment(line: str) -> str:
    """Drop a ``;`` comment, keeping ``\\;`` (an escaped semicolon) as data."""
    out: list[str] = []
    i = 0
    while i < len(line):
        ch = line[i]
        if ch == "\\" and i + 1 < len(line):
            out.append(line[i : i + 2])
            i += 2
            continue
        if ch == ";":
            break
        out.append(ch)
        i += 1
    return "".join(out).strip()


_HEADER = re.compile(r"^\[(?P<name>[^\]]+)\](?:\((?P<opts>[^)]*)\))?$")


def parse_conf(path: Path, *, follow_includes: bool = True) -> list[Section]:
    """Sections in file order; ``#include`` files are read in place. Duplicate keys kept."""
    sections: list[Section] = []
    current: Section | None = None
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = strip_comment(raw)
        if not line:
            continue
        if line.startswith("#include"):
            if follow_includes:
                included = path.parent / line.split(None, 1)[1].strip().strip('"')
                sections.extend(parse_conf(included))
                current = None  # Recoup's files put #include only at the end of a file
            continue
        header = _HEADER.match(line)
        if header:
            opts = [o.strip() for o in (header["opts"] or "").split(",") if o.strip()]
            current = Section(
                name=header["name"],
                file=path.name,
                is_template="!" in opts,
                templates=tuple(o for o in opts if o != "!"),
            )
            sections.append(current)
            continue
        assert current is not None, f"{path.name}:{number}: a setting outside any [section]"
        key, sep, value = line.partition("=")
        assert sep, f"{path.name}:{number}: not a key = value line: {raw!r}"
        value = value.removeprefix(">")  # "exten => ...", "same => ..."
        current.items.append((key.strip(), value.strip(), number))
    return sections


def sections_named(sections: Iterable[Section], name: str) -> list[Section]:
    return [s for s in sections if s.name == name]


def resolved(sections: list[Section], section: Section) -> dict[str, list[str]]:
    """A section's settings with its templates' settings first (Asterisk's inheritance)."""
    merged: dict[str, list[str]] = {}
    for template_name in section.templates:
        (template,) = sections_named(sections, template_name)
        for key, values in resolved(sections, template).items():
            merged.setdefault(key, []).extend(values)
    for key, value, _ in section.items:
        merged.setdefault(key, []).append(value)
    return merged


# --------------------------------------------------------------------------------------------
# Dialplan: extensions, priorities, patterns
# --------------------------------------------------------------------------------------------
@dataclass
class Priority:
    number: int
    label: str | None
    app: str
    args: str
    line: int


@dataclass
class Dialplan:
    contexts: dict[str, dict[str, list[Priority]]]
    globals: dict[str, str]

    def extension_for(self, context: str, exten: str) -> str | None:
        """The extension of ``context`` that Asterisk runs for ``exten`` (exact names first)."""
        extensions = self.contexts.get(context)
        if extensions is None:
            return None
        if exten in extensions:
            return exten
        matching = [e for e in extensions if e.startswith("_") and pattern_matches(e, exten)]
        return matching[0] if matching else None

    def has_target(self, context: str, exten: str, priority: str) -> bool:
        name = self.extension_for(context, exten)
        if name is None:
            return False
        chain = self.contexts[context][name]
        if priority.isdigit():
            return any(p.number == int(priority) for p in chain)
        return any(p.label == priority for p in chain)


_PRIORITY = re.compile(r"^(?P<prio>\d+|n)(?:\((?P<label>\w+)\))?$")
_APP = re.compile(r"^(?P<app>\w+)(?:\((?P<args>.*)\))?$", re.DOTALL)


def load_dialplan() -> Dialplan:
    sections = parse_conf(CONF_DIR / "extensions.conf")
    for lab_file in ("extensions_recoup_lab.conf",):  # commented out in extensions.conf
        sections += parse_conf(CONF_DIR / lab_file)
    return build_dialplan(sections)


def build_dialplan(sections: list[Section]) -> Dialplan:
    contexts: dict[str, dict[str, list[Priority]]] = {}
    globals_: dict[str, str] = {}
    for section in sections:
        if section.name == "general":
            continue
        if section.name == "globals":
            globals_.update({k: v for k, v, _ in section.items})
            continue
        assert section.name not in contexts, f"context [{section.name}] defined twice"
        extensions: dict[str, list[Priority]] = {}
        chain: list[Priority] | None = None
        for key, value, line in section.items:
            if key == "exten":
                exten, prio, app = (part.strip() for part in value.split(",", 2))
                chain = extensions.setdefault(exten, [])
                assert not chain, f"line {line}: extension {exten} started twice in {section.name}"
            elif key == "same":
                assert chain is not None, f"line {line}: 'same =>' before any 'exten =>'"
                prio, app = (part.strip() for part in value.split(",", 1))
            else:
                pytest.fail(f"line {line}: unexpected {key!r} in context [{section.name}]")
            m = _PRIORITY.match(prio)
            assert m, f"line {line}: bad priority {prio!r}"
            if m["prio"] == "n":
                assert chain, f"line {line}: priority 'n' with no priority before it"
                number = chain[-1].number + 1
            else:
                number = int(m["prio"])
                expected = chain[-1].number + 1 if chain else 1
                assert number == expected, f"line {line}: priority {number}, expected {expected}"
            a = _APP.match(app)
            assert a, f"line {line}: bad application {app!r}"
            chain.append(Priority(number, m["label"], a["app"], a["args"] or "", line))
        contexts[section.name] = extensions
    return Dialplan(contexts, globals_)


def pattern_regex(pattern: str) -> re.Pattern[str]:
    """Asterisk's extension pattern as a regex: ``X`` ``Z`` ``N`` (either case), ``[...]``,
    ``.`` (one or more of anything), ``!`` (zero or more); everything else literal."""
    assert pattern.startswith("_"), pattern
    out: list[str] = []
    i, body = 0, pattern[1:]
    while i < len(body):
        ch = body[i]
        if ch in "xX":
            out.append("[0-9]")
        elif ch in "zZ":
            out.append("[1-9]")
        elif ch in "nN":
            out.append("[2-9]")
        elif ch == ".":
            out.append(".+")
        elif ch == "!":
            out.append(".*")
        elif ch == "[":
            end = body.index("]", i)
            chars, j = [], i + 1
            while j < end:  # literal characters and a-b ranges; nothing is a wildcard inside
                if j + 2 < end and body[j + 1] == "-":
                    chars.append(f"{re.escape(body[j])}-{re.escape(body[j + 2])}")
                    j += 3
                else:
                    chars.append(re.escape(body[j]))
                    j += 1
            out.append(f"[{''.join(chars)}]")
            i = end
        else:
            out.append(re.escape(ch))
        i += 1
    return re.compile("".join(out))


def pattern_matches(pattern: str, exten: str) -> bool:
    return pattern_regex(pattern).fullmatch(exten) is not None


def accidental_wildcards(pattern: str) -> list[str]:
    """Runs of letters outside ``[...]`` that mix wildcard letters (n, x, z in either case)
    with other letters: ``agent`` in ``_agent.`` is a word, not ``age[2-9]t``."""
    outside = re.sub(r"\[[^\]]*\]", " ", pattern[1:])
    runs = re.findall(r"[A-Za-z]{2,}", outside)
    return [r for r in runs if re.search(r"[nxzNXZ]", r) and re.search(r"[^nxzNXZ]", r)]


def references(dialplan: Dialplan) -> Iterator[tuple[str, str, str, str]]:
    """(where, context, exten, priority) for every jump the dialplan makes."""
    for ctx, extensions in dialplan.contexts.items():
        for exten, chain in extensions.items():
            for p in chain:
                where = f"[{ctx}] {exten} line {p.line}"
                dests: list[str] = []
                if p.app in {"Goto", "Gosub"}:
                    dests.append(p.args)
                elif p.app in {"GotoIf", "GotoIfTime"}:
                    _, _, branches = p.args.rpartition("?")
                    dests += [b for b in branches.split(":") if b]
                for dest in dests:
                    parts = [x.strip() for x in dest.split(",")]
                    if len(parts) == 1:
                        yield where, ctx, exten, parts[0]
                    elif len(parts) == 2:
                        yield where, ctx, parts[0], parts[1]
                    else:
                        yield where, parts[0], parts[1], parts[2]
                for m in re.finditer(r"hangup_handler_push\)=([^,]+),([^,]+),(\w+)", p.args):
                    yield where, m[1], m[2], m[3]
                for m in re.finditer(r"\bb\(([\w-]+)\^([\w-]+)\^(\w+)\)", p.args):
                    yield where, m[1], m[2], m[3]
                for m in re.finditer(r"Local/([^@,)]+)@([\w-]+)", p.args):
                    yield where, m[2], m[1].replace("${EXTEN}", example_of(exten)), "1"


# an extension each pattern of the dialplan stands for, when ${EXTEN} is passed on
EXAMPLES = {
    "_+X.": "+15551234567",
    "_[a-z].": "answer",
    "_[0-9A-Za-z].": "1001",
    "_[+0-9].": "+18005550100",
    "_[+0-9*#].": "5551234567",
    "_age[n]t.": "agent1",
    "_dialstatus-.": "dialstatus-CANCEL",
}


def example_of(exten: str) -> str:
    if not exten.startswith("_"):
        return exten
    example = EXAMPLES[exten]
    assert pattern_matches(exten, example), (exten, example)
    return example


def concrete(exten: str) -> list[str]:
    """Example values for an extension computed from a variable."""
    if "${DIALSTATUS}" in exten:
        return [exten.replace("${DIALSTATUS}", s) for s in DIAL_STATUSES]
    assert "${" not in exten, f"no example for {exten}"
    return [exten]


DIAL_STATUSES = (
    "ANSWER",
    "BUSY",
    "NOANSWER",
    "CANCEL",
    "CONGESTION",
    "CHANUNAVAIL",
    "DONTCALL",
    "TORTURE",
    "INVALIDARGS",
)
