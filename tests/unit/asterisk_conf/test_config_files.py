"""Static checks of ``asterisk_conf/``: the Asterisk 22 configuration Recoup ships.

Nothing here runs Asterisk. The files are parsed the way Asterisk reads them (sections,
templates, duplicate keys, ``exten =>``/``same =>`` chains, ``#include``) and checked for the
mistakes that only show up on a live PBX: a Goto to a context that does not exist, a pattern
whose ``n``/``x``/``z`` is a wildcard by accident (``_agent.`` never matches ``agent1``), a
priority chain that does not start at 1, an AMI user with ``all`` or without the classes the
dialer needs, event filters that would drop an event Recoup reads, a committed secret.
"""

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


@pytest.fixture(scope="module")
def dialplan() -> Dialplan:
    return load_dialplan()


# --------------------------------------------------------------------------------------------
# The pattern matcher itself
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("pattern", "exten", "matches"),
    [
        ("_age[n]t.", "agent1", True),
        ("_age[n]t.", "agent", False),  # "." needs at least one more character
        ("_agent.", "agent1", False),  # n is [2-9]: "age", a digit 2-9, "t", then more
        ("_agent.", "age5t1", True),
        ("_X.", "1001", True),
        ("_X.", "1", False),
        ("_NXXNXXXXXX", "2125550100", True),
        ("_NXXNXXXXXX", "1125550100", False),
        ("_nxx", "234", True),  # wildcards in lower case too
        ("_Z!", "7", True),
        ("_Z!", "0", False),
        ("_+X.", "+15551234567", True),
        ("_+X.", "15551234567", False),
        ("_[0-9A-Za-z].", "jsmith", True),
        ("_[0-9A-Za-z].", "nxz", True),  # inside brackets n, x, z are letters
        ("_[+0-9].", "+442071234567", True),
        ("_dialstatus-.", "dialstatus-BUSY", True),
    ],
)
def test_pattern_matcher_follows_asterisk_rules(pattern: str, exten: str, matches: bool) -> None:
    assert pattern_matches(pattern, exten) is matches


def test_accidental_wildcard_detector_flags_words_only() -> None:
    assert accidental_wildcards("_agent.") == ["agent"]
    assert accidental_wildcards("_NXXNXXXXXX") == []
    assert accidental_wildcards("_age[n]t.") == []
    assert accidental_wildcards("_dialstatus-.") == []


# --------------------------------------------------------------------------------------------
# The dialplan
# --------------------------------------------------------------------------------------------
def test_every_priority_chain_runs_from_one_without_gaps(dialplan: Dialplan) -> None:
    chains = [chain for ext in dialplan.contexts.values() for chain in ext.values()]
    assert len(chains) > 30
    for chain in chains:
        assert [p.number for p in chain] == list(range(1, len(chain) + 1))


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("exten => s,2,NoOp()\n", "priority 2, expected 1"),
        (" same => n,NoOp()\n", "before any 'exten =>'"),
        ("exten => s,n,NoOp()\n", "priority 'n' with no priority before it"),
        ("exten => s,1,NoOp()\n same => 3,NoOp()\n", "priority 3, expected 2"),
    ],
)
def test_broken_priority_chains_are_refused(tmp_path: Path, body: str, error: str) -> None:
    conf = tmp_path / "extensions.conf"
    conf.write_text(f"[ctx]\n{body}")
    with pytest.raises(AssertionError, match=re.escape(error)):
        build_dialplan(parse_conf(conf))


def test_no_pattern_has_an_accidental_wildcard(dialplan: Dialplan) -> None:
    bad = {
        f"[{ctx}] {exten}": accidental_wildcards(exten)
        for ctx, extensions in dialplan.contexts.items()
        for exten in extensions
        if exten.startswith("_") and accidental_wildcards(exten)
    }
    assert bad == {}


@pytest.mark.parametrize(
    ("context", "names"),
    [
        ("recoup-agents", ["1001", "2001", "agent1", "jsmith", "Nixon", "x9"]),
        ("recoup-lab-agents", ["agent1", "agent42"]),
        ("recoup-outbound", ["+15551234567", "+442071234567"]),
        ("recoup-outbound-lab", ["answer", "busy", "noanswer", "congest", "machine", "talk"]),
        ("recoup-inbound", ["+18005550100", "8005550100"]),
    ],
)
def test_member_and_dial_strings_reach_an_extension(
    dialplan: Dialplan, context: str, names: list[str]
) -> None:
    for name in names:
        assert dialplan.extension_for(context, name) is not None, f"Local/{name}@{context}"


def test_lab_scenarios_exist_for_every_lab_dial(dialplan: Dialplan) -> None:
    customers = dialplan.contexts["recoup-lab-customers"]
    for scenario in ("answer", "talk", "busy", "noanswer", "congest", "machine", "human"):
        assert scenario in customers


def test_outbound_numbers_must_be_e164(dialplan: Dialplan) -> None:
    # a national number matches nothing, so the Local channel fails (Reason 0)
    assert dialplan.extension_for("recoup-outbound", "5551234567") is None


@pytest.mark.parametrize("status", DIAL_STATUSES)
def test_every_dialstatus_is_handled(dialplan: Dialplan, status: str) -> None:
    name = dialplan.extension_for("recoup-outbound", f"dialstatus-{status}")
    assert name is not None
    first = dialplan.contexts["recoup-outbound"][name][0]
    expected = {"BUSY": "Busy", "CONGESTION": "Congestion", "CHANUNAVAIL": "Congestion"}
    assert first.app == expected.get(status, "Hangup")


def test_every_jump_lands_on_an_existing_priority(dialplan: Dialplan) -> None:
    missing = []
    count = 0
    for where, ctx, exten, prio in references(dialplan):
        for example in concrete(exten):
            count += 1
            if not dialplan.has_target(ctx, example, prio):
                missing.append(f"{where}: {ctx},{example},{prio}")
    assert missing == []
    assert count > 20  # the walk found the Gotos, handlers, b() and Local/ references


@pytest.mark.parametrize(
    ("context", "exten", "priority"),
    [
        ("recoup-dialer", "s", "1"),  # Originate Context/Exten/Priority
        ("recoup-abandon", "s", "1"),  # the dialer's Redirect target
        ("recoup-spy", "listen", "1"),
        ("recoup-spy", "whisper", "1"),
        ("recoup-spy", "barge", "1"),
        ("recoup-outbound", "+15551234567", "1"),  # Local/<E.164>@recoup-outbound/n
        ("recoup-agents", "1001", "1"),  # Local/<ext>@recoup-agents/n
        ("recoup-inbound", "+18005550100", "1"),
        ("recoup-after-hours", "s", "1"),
    ],
)
def test_targets_named_in_the_dialer_contract_exist(
    dialplan: Dialplan, context: str, exten: str, priority: str
) -> None:
    assert dialplan.has_target(context, exten, priority)


def test_spy_modes_use_the_right_chanspy_options(dialplan: Dialplan) -> None:
    def options(exten: str) -> str:
        (spy,) = [p for p in dialplan.contexts["recoup-spy"][exten] if p.app == "ChanSpy"]
        return spy.args.split(",")[1]

    assert set(options("listen")) >= {"q", "S"}
    assert not set(options("listen")) & {"w", "B"}
    assert "w" in options("whisper")
    assert "B" in options("barge")


def _apps(dialplan: Dialplan, context: str, exten: str) -> list[str]:
    return [p.app for p in dialplan.contexts[context][exten]]


def test_answered_call_records_first_then_detects_announces_and_queues(dialplan: Dialplan) -> None:
    chain = dialplan.contexts["recoup-dialer"]["s"]
    apps = [p.app for p in chain]
    first_handler = apps.index("Set")
    assert "hangup_handler_push" in chain[first_handler].args
    assert apps.index("MixMonitor") < apps.index("AMD")
    queue_apps = _apps(dialplan, "recoup-dialer", "queue")
    (notice,) = [p for p in dialplan.contexts["recoup-dialer"]["queue"] if p.app == "ExecIf"]
    assert "RECOUP_ALL_PARTY_CONSENT" in notice.args
    assert "Playback(${RECOUP_NOTICE_PROMPT})" in notice.args
    assert queue_apps.index("ExecIf") < queue_apps.index("Queue")  # announce, then the agent
    (mix,) = [p for p in chain if p.app == "MixMonitor"]
    assert "i(RECOUP_MIXID)" in mix.args
    assert mix.args.startswith("${RECOUP_RECDIR}/")
    assert "${UNIQUEID}.wav" in mix.args
    (queue,) = [p for p in dialplan.contexts["recoup-dialer"]["queue"] if p.app == "Queue"]
    name, options, _, _, timeout = queue.args.split(",")[:5]
    assert (name, timeout) == ("${RECOUP_QUEUE}", "${RECOUP_QUEUE_TIMEOUT}")
    assert "c" in options
    assert int(dialplan.globals["RECOUP_QUEUE_TIMEOUT"]) <= 3  # a backstop, not a wait


def test_abandon_plays_the_identification_message_and_hangs_up(dialplan: Dialplan) -> None:
    chain = dialplan.contexts["recoup-abandon"]["s"]
    (play,) = [p for p in chain if p.app == "Playback"]
    assert play.args == "${RECOUP_ID_PROMPT}"
    assert dialplan.globals["RECOUP_ID_PROMPT"].startswith("custom/recoup-")
    assert chain[-1].app == "Hangup"
    assert "UserEvent" in _apps(dialplan, "recoup-abandon", "s")


def test_every_hangup_handler_reports_and_returns(dialplan: Dialplan) -> None:
    pushed = {
        (m[1], m[2])
        for _, extensions in dialplan.contexts.items()
        for chain in extensions.values()
        for p in chain
        for m in re.finditer(r"hangup_handler_push\)=([^,]+),([^,]+),", p.args)
    }
    assert pushed >= {("recoup-hangup", "answered"), ("recoup-hangup", "dial")}
    for ctx, exten in pushed:
        chain = dialplan.contexts[ctx][exten]
        events = [p.args.split(",")[0] for p in chain if p.app == "UserEvent"]
        assert events
        assert all(e.startswith("Recoup") for e in events)
        assert chain[-1].app == "Return"


def test_answered_call_end_event_carries_the_call_identity(dialplan: Dialplan) -> None:
    (event,) = [p for p in dialplan.contexts["recoup-hangup"]["answered"] if p.app == "UserEvent"]
    fields = {part.split(":", 1)[0].strip() for part in event.args.split(",")[1:]}
    assert fields >= {
        "Campaign",
        "Lead",
        "Debt",
        "Result",
        "AMDStatus",
        "QueueStatus",
        "MemberName",
        "RecordingFile",
        "MixMonitorID",
        "HangupCause",
    }


def test_after_hours_calls_recoups_fastagi(dialplan: Dialplan) -> None:
    (agi,) = [p for p in dialplan.contexts["recoup-after-hours"]["s"] if p.app == "AGI"]
    assert agi.args == "agi://${RECOUP_AGI_HOST}:${RECOUP_AGI_PORT}/after-hours"
    assert dialplan.globals["RECOUP_AGI_PORT"] == "4573"
    inbound = dialplan.contexts["recoup-inbound"]
    (time_route,) = [p for chain in inbound.values() for p in chain if p.app == "GotoIfTime"]
    assert time_route.args.endswith("?office,1")


def test_every_recoup_variable_read_is_set_somewhere(dialplan: Dialplan) -> None:
    chains = [p for ext in dialplan.contexts.values() for c in ext.values() for p in c]
    read = {v for p in chains for v in re.findall(r"\$\{(RECOUP_\w+)\}", p.args)}
    written = set(dialplan.globals) | ORIGINATE_VARIABLES
    for p in chains:
        written |= set(re.findall(r"\b(RECOUP_\w+)=", p.args))
        written |= set(re.findall(r"\bi\((RECOUP_\w+)\)", p.args))
    assert read - written == set()


def test_phone_and_trunk_contexts_exist(dialplan: Dialplan) -> None:
    sections = parse_conf(CONF_DIR / "pjsip.conf")
    contexts = {
        resolved(sections, s)["context"][-1]
        for s in sections
        if not s.is_template and "context" in resolved(sections, s)
    }
    assert contexts == {"recoup-inbound", "recoup-phones"}
    assert contexts <= set(dialplan.contexts)
    # the trunk named by the dialplan exists as an endpoint
    trunk = dialplan.globals["RECOUP_TRUNK"]
    assert any(
        resolved(sections, s).get("type") == ["endpoint"] for s in sections_named(sections, trunk)
    )


# --------------------------------------------------------------------------------------------
# queues.conf
# --------------------------------------------------------------------------------------------
def _queues() -> dict[str, dict[str, list[str]]]:
    sections = parse_conf(CONF_DIR / "queues.conf")
    return {
        s.name: resolved(sections, s) for s in sections if s.name != "general" and not s.is_template
    }


def _one(settings: dict[str, list[str]], key: str) -> str:
    assert key in settings, key
    return settings[key][-1]


def _set_of(value: str) -> set[str]:
    return {v.strip() for v in value.split(",") if v.strip()}


def test_queues_named_by_the_dialplan_exist(dialplan: Dialplan) -> None:
    queues = _queues()
    assert dialplan.globals["RECOUP_QUEUE"] in queues
    assert dialplan.globals["RECOUP_INBOUND_QUEUE"] in queues


@pytest.mark.parametrize("queue", ["collections", "collections-inbound"])
def test_queue_settings_recoup_relies_on(queue: str) -> None:
    q = _queues()[queue]
    assert _one(q, "ringinuse") == "no"
    assert _set_of(_one(q, "joinempty")) == {"paused", "unavailable", "invalid"}
    assert _set_of(_one(q, "leavewhenempty")) == {"paused", "unavailable", "invalid"}
    assert _one(q, "wrapuptime") == "0"  # wrap-up is Recoup's (QueuePause)
    assert _one(q, "setinterfacevar") == "yes"  # MEMBERINTERFACE tells an agent took it
    assert _one(q, "announce-frequency") == "0"
    assert _one(q, "reportholdtime") == "no"
    assert "member" not in q  # dynamic members only
    assert "eventwhencalled" not in q  # removed in Asterisk 12: events are always sent


def test_outbound_queue_never_waits_for_a_busy_agent_list() -> None:
    q = _queues()["collections"]
    assert "inuse" not in _set_of(_one(q, "joinempty"))  # predictive: agents free up
    assert int(_one(q, "servicelevel")) == 2
    assert int(_one(q, "timeout")) <= 3


def test_queue_general_settings() -> None:
    (general,) = sections_named(parse_conf(CONF_DIR / "queues.conf"), "general")
    assert general.value("persistentmembers") == "no"
    assert general.value("autofill") == "yes"


# --------------------------------------------------------------------------------------------
# manager.conf
# --------------------------------------------------------------------------------------------
def _manager() -> tuple[Section, Section]:
    sections = parse_conf(CONF_DIR / "manager.conf")
    (general,) = sections_named(sections, "general")
    (user,) = sections_named(sections, "recoup")
    return general, user


def test_ami_listens_on_loopback_only() -> None:
    general, user = _manager()
    assert general.value("bindaddr") == "127.0.0.1"
    assert general.value("timestampevents") == "yes"
    assert general.value("webenabled") == "no"
    assert user.values("deny") == ["0.0.0.0/0.0.0.0"]
    assert user.values("permit") == ["127.0.0.1/255.255.255.255"]
    assert int(user.value("writetimeout") or 0) > 0


def test_recoup_user_has_least_privilege() -> None:
    _, user = _manager()
    read = _set_of(user.value("read") or "")
    write = _set_of(user.value("write") or "")
    assert "all" not in read | write
    assert read >= {"call", "agent", "user", "dialplan"}
    assert write >= {"call", "agent", "originate"}
    assert not write & {"system", "command", "config"}
    assert "dtmf" not in read  # digits keyed by debtors stay out of AMI


@dataclass(frozen=True)
class EventFilter:
    include: bool
    name: str | None
    header: str | None
    method: str
    value: str

    def matches(self, event: dict[str, str]) -> bool:
        if self.name is not None and event.get("Event") != self.name:
            return False
        if self.header is not None:
            if self.header not in event:
                return False
            data = event[self.header]
        else:
            data = "\n".join(f"{k}: {v}" for k, v in event.items())
        match self.method:
            case "exact":
                return data == self.value
            case "starts_with":
                return data.startswith(self.value)
            case "ends_with":
                return data.endswith(self.value)
            case "contains":
                return self.value in data
            case "regex":
                return re.search(self.value, data) is not None
            case _:  # "none": the name/header alone decide
                return True


_CRITERION = re.compile(r"(\w+)\(([^()]*)\)")


def parse_event_filter(key: str, value: str) -> EventFilter:
    """``eventfilter(action(...),name(...),header(...),method(...)) = value`` (Asterisk 21+)."""
    m = re.fullmatch(r"eventfilter\((.*)\)", key)
    assert m, f"not the advanced eventfilter form: {key}"
    criteria = _CRITERION.findall(m[1])
    names = [c for c, _ in criteria]
    assert len(names) == len(set(names)), f"a criterion given twice: {key}"
    assert set(names) <= {"action", "name", "header", "method"}, key
    assert ",".join(f"{c}({a})" for c, a in criteria) == m[1], f"stray text: {key}"
    given = dict(criteria)
    action = given.get("action", "include")
    method = given.get("method", "none")
    assert action in {"include", "exclude"}, key
    assert method in {"none", "exact", "starts_with", "ends_with", "contains", "regex"}, key
    assert (method == "none") == (value == ""), f"a value needs a method and back: {key}"
    return EventFilter(action == "include", given.get("name"), given.get("header"), method, value)


def event_passes(filters: list[EventFilter], event: dict[str, str]) -> bool:
    includes = [f for f in filters if f.include]
    excludes = [f for f in filters if not f.include]
    if includes and not any(f.matches(event) for f in includes):
        return False
    return not any(f.matches(event) for f in excludes)


@pytest.fixture(scope="module")
def event_filters() -> list[EventFilter]:
    _, user = _manager()
    filters = [parse_event_filter(k, v) for k, v, _ in user.items if k.startswith("eventfilter")]
    assert filters
    return filters


def test_filter_evaluation_follows_asterisk_order() -> None:
    include = EventFilter(True, "Hangup", None, "none", "")
    exclude = EventFilter(False, None, "Channel", "starts_with", "Local/")
    assert event_passes([include, exclude], {"Event": "Hangup", "Channel": "PJSIP/1001-1"})
    assert not event_passes([include, exclude], {"Event": "Hangup", "Channel": "Local/a@b-1;1"})
    assert not event_passes([include], {"Event": "Newexten"})
    assert event_passes([exclude], {"Event": "Newexten", "Channel": "PJSIP/1"})


# events dialer/ami/translate.py and the agent/queue tracking read
NEEDED_EVENTS = (
    "Newchannel",
    "Rename",
    "DialBegin",
    "DialState",
    "DialEnd",
    "OriginateResponse",
    "QueueCallerJoin",
    "QueueCallerLeave",
    "QueueCallerAbandon",
    "AgentCalled",
    "AgentConnect",
    "AgentComplete",
    "AgentRingNoAnswer",
    "Hangup",
    "MixMonitorStart",
    "MixMonitorStop",
    "MixMonitorMute",
    "ChanSpyStart",
    "ChanSpyStop",
    "QueueMemberAdded",
    "QueueMemberRemoved",
    "QueueMemberPause",
    "QueueMemberStatus",
    "FullyBooted",
)
NEEDED_VARSETS = (
    "RECOUP_CAMPAIGN",
    "RECOUP_LEAD",
    "AMDSTATUS",
    "AMDCAUSE",
    "MIXMONITOR_FILENAME",
    "RECOUP_MIXID",
    "MEDIA_WEBSOCKET_CONNECTION_ID",
)


@pytest.mark.parametrize("name", NEEDED_EVENTS)
def test_filters_keep_the_events_recoup_reads(event_filters: list[EventFilter], name: str) -> None:
    assert event_passes(event_filters, {"Event": name, "Channel": "Local/+1555@recoup-outbound"})


@pytest.mark.parametrize("variable", NEEDED_VARSETS)
def test_filters_keep_the_varsets_recoup_reads(
    event_filters: list[EventFilter], variable: str
) -> None:
    event = {"Event": "VarSet", "Channel": "Local/x@y-1;1", "Variable": variable, "Value": "1"}
    assert event_passes(event_filters, event)


@pytest.mark.parametrize(
    "event",
    [
        {"Event": "VarSet", "Variable": "BRIDGEPEER", "Value": "PJSIP/1001-1"},
        {"Event": "VarSet", "Variable": "AMDSTATUS_OLD", "Value": "x"},  # exact, not prefix
        {"Event": "Newexten", "Application": "NoOp"},
        {"Event": "RTCPSent", "Channel": "PJSIP/1001-1"},
        {"Event": "DeviceStateChange", "Device": "PJSIP/1001"},
        {"Event": "UserEvent", "UserEvent": "SomeoneElses"},
        {"Event": "DTMFEnd", "Digit": "4"},
        {"Event": "Cdr", "Channel": "PJSIP/1001-1"},
    ],
)
def test_filters_drop_the_noise(event_filters: list[EventFilter], event: dict[str, str]) -> None:
    assert not event_passes(event_filters, event)


def test_every_user_event_of_the_dialplan_reaches_recoup(
    dialplan: Dialplan, event_filters: list[EventFilter]
) -> None:
    names = {
        p.args.split(",")[0]
        for ext in dialplan.contexts.values()
        for chain in ext.values()
        for p in chain
        if p.app == "UserEvent"
    }
    assert names == {"RecoupAMD", "RecoupAbandon", "RecoupCallEnded", "RecoupDialEnded"}
    for name in names:
        assert event_passes(event_filters, {"Event": "UserEvent", "UserEvent": name})


# --------------------------------------------------------------------------------------------
# modules.conf
# --------------------------------------------------------------------------------------------
def test_modules_conf_uses_only_keys_asterisk_accepts_and_requires_recoups_modules() -> None:
    (modules,) = parse_conf(CONF_DIR / "modules.conf")
    # any other key is "Unknown configuration option" and stops module loading
    keys = {k for k, _, _ in modules.items}
    assert keys <= {"autoload", "load", "noload", "require", "preload", "preload-require"}
    required = set(modules.values("require"))
    assert required >= {
        "app_queue.so",
        "app_mixmonitor.so",
        "app_amd.so",
        "app_chanspy.so",
        "app_userevent.so",
        "res_agi.so",
    }
    assert not required & set(modules.values("noload"))


# --------------------------------------------------------------------------------------------
# Secrets and the docker compose file
# --------------------------------------------------------------------------------------------
def test_no_secret_but_placeholders_in_the_conf_files() -> None:
    found = []
    for path in sorted(CONF_DIR.glob("*.conf")):
        for section in parse_conf(path, follow_includes=False):
            for key, value, line in section.items:
                if key.lower() in {"secret", "password", "md5_cred"}:
                    found.append((f"{path.name}:{line}", value))
    assert found  # the manager user and the PJSIP auths were seen
    assert [f for f in found if not PLACEHOLDER.match(f[1])] == []


def test_compose_mounts_existing_files_and_holds_no_literal_secret() -> None:
    text = (DOCKER_DIR / "compose.yaml").read_text()
    mounts = re.findall(r"\.\./asterisk_conf/([\w.-]+)", text)
    assert "manager.conf" in mounts
    assert "extensions_recoup.conf" in mounts
    assert [m for m in mounts if not (CONF_DIR / m).exists()] == []
    secrets = re.findall(r"(\w*(?:PASSWORD|SECRET)\w*)\s*[:=]\s*(\S+)", text)
    assert secrets
    assert [s for s in secrets if not s[1].strip("\"'").startswith("${")] == []
