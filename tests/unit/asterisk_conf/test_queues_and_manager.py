"""Static checks of ``asterisk_conf/``: queues.conf, manager.conf (AMI user, event filters),
modules.conf, and no committed secret (see test_dialplan.py for the dialplan)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from tests.unit.asterisk_conf.conf_reader import (
    CONF_DIR,
    DOCKER_DIR,
    PLACEHOLDER,
    Dialplan,
    Section,
    parse_conf,
    resolved,
    sections_named,
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
    assert {"paused", "unavailable", "invalid"} <= _set_of(_one(q, "joinempty"))
    assert {"paused", "unavailable", "invalid"} <= _set_of(_one(q, "leavewhenempty"))
    assert _one(q, "wrapuptime") == "0"  # wrap-up is Recoup's (QueuePause)
    assert _one(q, "setinterfacevar") == "yes"  # MEMBERINTERFACE tells an agent took it
    assert _one(q, "announce-frequency") == "0"
    assert _one(q, "reportholdtime") == "no"
    assert "member" not in q  # dynamic members only
    assert "eventwhencalled" not in q  # removed in Asterisk 12: events are always sent


def test_outbound_queue_never_waits_for_a_busy_agent_list() -> None:
    q = _queues()["collections"]
    assert "inuse" not in _set_of(_one(q, "joinempty"))  # predictive: agents free up
    # a preview call, for its agent's seat only, does not wait when that agent is gone
    assert "penalty" in _set_of(_one(q, "joinempty"))
    assert "penalty" in _set_of(_one(q, "leavewhenempty"))
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
