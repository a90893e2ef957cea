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
from pathlib import Path

import pytest

from tests.unit.asterisk_conf.conf_reader import (
    CONF_DIR,
    DIAL_STATUSES,
    ORIGINATE_VARIABLES,
    Dialplan,
    accidental_wildcards,
    build_dialplan,
    concrete,
    parse_conf,
    pattern_matches,
    references,
    resolved,
    sections_named,
)


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


@pytest.mark.parametrize("leg", ["answered", "inbound"])
def test_a_call_an_agent_took_ends_as_agent_even_when_the_customer_hangs_up_first(
    dialplan: Dialplan, leg: str
) -> None:
    # A customer who hangs up on the agent never lets Queue() return, so the dialplan's
    # own "agentdone" step does not run: the hangup handler has to tell from MEMBERINTERFACE
    # (set by setinterfacevar when the agent is connected), or the call is reported QUEUED.
    chain = dialplan.contexts["recoup-hangup"][leg]
    event = next(p for p in chain if p.app == "UserEvent")
    before = [p for p in chain if p.number < event.number]
    result = next(part for part in event.args.split(",") if part.strip().startswith("Result:"))
    decided = any(
        p.app == "Set" and p.args.startswith("RECOUP_RESULT=") and "MEMBERINTERFACE" in p.args
        for p in before
    )
    assert decided or "MEMBERINTERFACE" in result, f"{leg}: Result is {result.strip()!r}"


def _condition_holds(expression: str, variables: dict[str, str]) -> bool:
    """A GotoIf condition of the form $["${A}" = "x" | "${B}" != "" & ...], evaluated."""
    body = expression.strip().removeprefix("$[").removesuffix("]")
    body = re.sub(r"\$\{(\w+)\}", lambda m: variables.get(m[1], ""), body)
    tokens = re.findall(r'"[^"]*"|!=|=|\||&', body)
    assert "".join(tokens) == re.sub(r"\s+", "", body), f"cannot evaluate {expression!r}"
    comparisons: list[bool] = []
    joins: list[str] = []
    for i in range(0, len(tokens), 4):
        left, op, right = tokens[i : i + 3]
        comparisons.append((left == right) if op == "=" else (left != right))
        if i + 3 < len(tokens):
            joins.append(tokens[i + 3])
    result = comparisons[0]
    for join, value in zip(joins, comparisons[1:], strict=True):
        result = (result or value) if join == "|" else (result and value)
    return result


def _after_agi(dialplan: Dialplan, variables: dict[str, str]) -> list[str]:
    """The applications recoup-after-hours runs once AGI() has returned."""
    chain = dialplan.contexts["recoup-after-hours"]["s"]
    step = next(p.number for p in chain if p.app == "AGI") + 1
    ran: list[str] = []
    while step <= len(chain):
        p = chain[step - 1]
        ran.append(p.app)
        if p.app == "Hangup":
            break
        if p.app == "GotoIf":
            condition, _, branches = p.args.rpartition("?")
            taken, _, otherwise = branches.partition(":")
            label = taken if _condition_holds(condition, variables) else otherwise
            if label:
                step = next(q.number for q in chain if q.label == label)
                continue
        step += 1
    return ran


@pytest.mark.parametrize(
    ("agistatus", "ivr_result", "fallback"),
    [
        ("FAILURE", "", True),  # Recoup's FastAGI server cannot be reached
        ("NOTFOUND", "", True),
        # the server took the call and closed it without serving it: full (max_sessions),
        # no flow for the script, a flow that crashed, Recoup restarted mid-call. Asterisk
        # says SUCCESS for all of them (capture f4)
        ("SUCCESS", "", True),
        ("SUCCESS", "promise", False),  # the flow handed the call back on purpose
        ("HANGUP", "", False),
    ],
)
def test_a_caller_the_ivr_did_not_serve_hears_the_fallback_instead_of_being_cut_off(
    dialplan: Dialplan, agistatus: str, ivr_result: str, fallback: bool
) -> None:
    ran = _after_agi(dialplan, {"AGISTATUS": agistatus, "RECOUP_IVR_RESULT": ivr_result})
    assert ("Playback" in ran) is fallback, ran
    assert ran[-1] == "Hangup"
