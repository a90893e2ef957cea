"""An agent's day as a state machine, and how Asterisk's queue is kept in step with it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialer.agents.membership import (
    MemberInterface,
    QueueAction,
    QueueAddMember,
    QueuePauseMember,
    QueueRemoveMember,
)
from dialer.agents.state import (
    AgentCommand,
    AgentPolicy,
    AgentState,
    AgentStateChanged,
    AgentStatus,
    Connect,
    Hangup,
    IllegalTransitionError,
    Login,
    Logout,
    Pause,
    Ready,
    Reserve,
    Transition,
    Unpause,
    WrapUpDone,
    WrapUpTimeout,
    apply,
)
from recoup.bus.event import event_payload, topic_of

T0 = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
POLICY = AgentPolicy(wrap_up_s=30)
LOGIN = Login(campaign_id="late-30", queue="collections", extension="agent1")
IFACE = "Local/agent1@agents/n"


class Agent:
    """An agent driven through commands, one second apart."""

    def __init__(self, policy: AgentPolicy = POLICY) -> None:
        self.state = AgentState("maria")
        self.now = T0
        self.policy = policy
        self.transitions: list[Transition] = []

    def do(self, *commands: AgentCommand) -> Transition:
        for command in commands:
            self.now += timedelta(seconds=1)
            transition = apply(self.state, command, self.now, self.policy)
            self.state = transition.state
            self.transitions.append(transition)
        return self.transitions[-1]


def test_login_joins_the_queue_paused_until_the_agent_says_ready() -> None:
    agent = Agent()
    login = agent.do(LOGIN)
    assert agent.state.status is AgentStatus.PAUSED
    assert agent.state.pause_reason == "login"
    assert login.actions == (
        QueueAddMember(
            queue="collections", interface=IFACE, member_name="maria", paused=True,
            state_interface="Local/agent1@agents", reason="login",
        ),
    )  # fmt: skip
    ready = agent.do(Ready())
    assert agent.state.status is AgentStatus.READY
    assert ready.actions == (QueuePauseMember("collections", IFACE, paused=False),)


def test_a_reserved_call_connects_then_wraps_up_then_the_agent_is_ready_again() -> None:
    agent = Agent()
    agent.do(LOGIN, Ready())
    reserve = agent.do(Reserve("call-1"))
    assert reserve.actions == (QueuePauseMember("collections", IFACE, True, "reserved"),)
    agent.do(Connect("call-1"))
    assert (agent.state.status, agent.state.call_id) == (AgentStatus.ON_CALL, "call-1")
    hangup = agent.do(Hangup("call-1"))
    assert agent.state.status is AgentStatus.WRAP_UP
    assert agent.state.wrap_up_deadline == agent.now + timedelta(seconds=30)
    assert hangup.actions == (QueuePauseMember("collections", IFACE, True, "wrap-up"),)
    done = agent.do(WrapUpDone())
    assert agent.state.status is AgentStatus.READY
    assert agent.state.call_id is None
    assert done.actions == (QueuePauseMember("collections", IFACE, False),)


def test_the_queue_can_deliver_a_call_to_a_ready_agent_directly() -> None:
    agent = Agent()
    agent.do(LOGIN, Ready(), Connect("queued-7"))
    assert agent.state.status is AgentStatus.ON_CALL


def test_wrap_up_ends_when_its_timer_fires_with_the_current_deadline() -> None:
    agent = Agent()
    agent.do(LOGIN, Ready(), Connect("c1"), Hangup("c1"))
    deadline = agent.state.wrap_up_deadline
    assert deadline is not None
    agent.do(WrapUpTimeout(deadline))
    assert agent.state.status is AgentStatus.READY


def test_a_stale_wrap_up_timer_is_refused() -> None:
    agent = Agent()
    agent.do(LOGIN, Ready(), Connect("c1"), Hangup("c1"))
    first = agent.state.wrap_up_deadline
    assert first is not None
    agent.do(WrapUpDone(), Connect("c2"), Hangup("c2"))
    with pytest.raises(IllegalTransitionError, match="stale wrap-up timer"):
        agent.do(WrapUpTimeout(first))
    assert agent.state.status is AgentStatus.WRAP_UP


def test_without_a_wrap_up_limit_there_is_no_deadline() -> None:
    agent = Agent(AgentPolicy(wrap_up_s=None))
    agent.do(LOGIN, Ready(), Connect("c1"), Hangup("c1"))
    assert agent.state.status is AgentStatus.WRAP_UP
    assert agent.state.wrap_up_deadline is None


def test_ready_during_wrap_up_ends_it() -> None:
    agent = Agent()
    agent.do(LOGIN, Ready(), Connect("c1"), Hangup("c1"), Ready())
    assert agent.state.status is AgentStatus.READY


def test_a_reserved_call_that_hangs_up_before_connecting_needs_no_wrap_up() -> None:
    agent = Agent()
    agent.do(LOGIN, Ready(), Reserve("c1"), Hangup("c1"))
    assert agent.state.status is AgentStatus.READY


def test_pause_with_reason_shows_in_asterisk_and_a_new_reason_replaces_it() -> None:
    agent = Agent()
    agent.do(LOGIN, Ready())
    pause = agent.do(Pause("lunch"))
    assert (agent.state.status, agent.state.pause_reason) == (AgentStatus.PAUSED, "lunch")
    assert pause.actions == (QueuePauseMember("collections", IFACE, True, "lunch"),)
    assert pause.event is not None
    assert (pause.event.state, pause.event.reason) == (AgentStatus.PAUSED, "lunch")
    again = agent.do(Pause("coaching"))
    assert again.actions == (QueuePauseMember("collections", IFACE, True, "coaching"),)
    agent.do(Unpause())
    assert agent.state.status is AgentStatus.READY


def test_a_pause_asked_during_a_call_waits_for_the_end_of_wrap_up() -> None:
    agent = Agent()
    agent.do(LOGIN, Ready(), Connect("c1"))
    asked = agent.do(Pause("break"))
    assert agent.state.status is AgentStatus.ON_CALL
    assert asked.actions == ()
    assert asked.event is not None
    assert asked.event.pending == "pause: break"
    agent.do(Hangup("c1"), WrapUpDone())
    assert (agent.state.status, agent.state.pause_reason) == (AgentStatus.PAUSED, "break")


def test_unpause_cancels_a_waiting_pause() -> None:
    agent = Agent()
    agent.do(LOGIN, Ready(), Connect("c1"), Pause("break"), Unpause(), Hangup("c1"), WrapUpDone())
    assert agent.state.status is AgentStatus.READY


def test_logout_on_a_call_is_deferred_until_the_wrap_up_ends() -> None:
    agent = Agent()
    agent.do(LOGIN, Ready(), Connect("c1"))
    agent.do(Logout())
    assert agent.state.status is AgentStatus.ON_CALL
    assert agent.state.pending == "logout"
    agent.do(Hangup("c1"))
    last = agent.do(WrapUpDone())
    assert agent.state == AgentState("maria", AgentStatus.LOGGED_OUT, since=agent.now)
    assert last.actions == (QueueRemoveMember("collections", IFACE),)


def test_logout_leaves_the_queue() -> None:
    agent = Agent()
    agent.do(LOGIN)
    out = agent.do(Logout())
    assert agent.state == AgentState("maria", AgentStatus.LOGGED_OUT, since=agent.now)
    assert out.actions == (QueueRemoveMember("collections", IFACE),)


def test_pjsip_members_ring_the_phone_directly() -> None:
    agent = Agent(AgentPolicy(members=MemberInterface.pjsip()))
    add = agent.do(Login("late-30", "collections", "1001"))
    assert isinstance(add.actions[0], QueueAddMember)
    assert add.actions[0].interface == add.actions[0].state_interface == "PJSIP/1001"


@pytest.mark.parametrize(
    ("setup", "command", "why"),
    [
        ((), Ready(), "log in first"),
        ((), Logout(), "log in first"),
        ((LOGIN,), LOGIN, "already logged in to late-30 on agent1"),
        ((LOGIN,), Reserve("c1"), "only a ready agent can be reserved"),
        ((LOGIN,), WrapUpDone(), "no wrap-up"),
        ((LOGIN, Ready()), Ready(), "only a paused agent or one in wrap-up can become ready"),
        ((LOGIN, Ready()), Hangup("c1"), "not on call c1"),
        ((LOGIN, Ready()), Unpause(), "not paused"),
        ((LOGIN, Ready()), Pause("  "), "a pause needs a reason"),
        ((LOGIN, Ready(), Reserve("c1")), Connect("c2"), "reserved for call c1, not c2"),
        ((LOGIN, Ready(), Connect("c1")), Connect("c2"), "one call at a time"),
        ((LOGIN, Ready(), Connect("c1")), Reserve("c2"), "only a ready agent"),
        ((LOGIN, Ready(), Connect("c1")), Hangup("c2"), "not on call c2"),
        ((LOGIN, Ready(), Connect("c1"), Hangup("c1")), Connect("c2"), "one call at a time"),
    ],
)
def test_illegal_commands_are_refused_and_change_nothing(
    setup: tuple[AgentCommand, ...], command: AgentCommand, why: str
) -> None:
    agent = Agent()
    if setup:
        agent.do(*setup)
    before = agent.state
    with pytest.raises(IllegalTransitionError, match=why) as caught:
        agent.do(command)
    assert agent.state == before
    assert str(caught.value).startswith(f"agent maria is {before.status.value}: cannot ")


def test_a_bad_extension_is_refused_at_login() -> None:
    with pytest.raises(IllegalTransitionError, match="extension 'a/b'"):
        Agent().do(Login("late-30", "collections", "a/b"))


def test_state_change_event_has_its_topic_and_json() -> None:
    agent = Agent()
    event = agent.do(LOGIN).event
    assert isinstance(event, AgentStateChanged)
    assert topic_of(event) == "recoup/v1/agents/maria/state"
    payload = event_payload(event)
    assert payload["type"] == "agent_state_changed"
    assert (payload["state"], payload["previous"], payload["reason"]) == (
        "paused", "logged_out", "login"
    )  # fmt: skip


# Properties: any sequence of commands, legal or not.

calls = st.sampled_from(["c1", "c2", "c3"])
commands = st.one_of(
    st.just(LOGIN),
    st.just(Ready()),
    calls.map(Reserve),
    calls.map(Connect),
    calls.map(Hangup),
    st.just(WrapUpDone()),
    st.sampled_from(["lunch", "coaching"]).map(Pause),
    st.just(Unpause()),
    st.just(Logout()),
    st.just("timer"),  # the wrap-up timer fires (with the current deadline, or a stale one)
)


@dataclass
class AsteriskQueue:
    """What Asterisk believes, built only from the actions sent to it."""

    members: dict[str, tuple[bool, str]] = field(default_factory=dict)

    def send(self, action: QueueAction) -> None:
        if isinstance(action, QueueAddMember):
            assert action.interface not in self.members, "added twice"
            self.members[action.interface] = (action.paused, action.reason)
        elif isinstance(action, QueueRemoveMember):
            assert self.members.pop(action.interface, None) is not None, "removed a non-member"
        else:
            assert action.interface in self.members, "paused a non-member"
            self.members[action.interface] = (action.paused, action.reason)


@settings(max_examples=300)
@given(st.lists(commands, max_size=40), st.booleans())
def test_any_sequence_keeps_one_call_at_most_and_asterisk_in_step(
    sequence: list[AgentCommand | str], stale_timer: bool
) -> None:
    agent, asterisk = Agent(), AsteriskQueue()
    old_deadline = T0
    for item in sequence:
        command: AgentCommand
        if item == "timer":
            deadline = agent.state.wrap_up_deadline
            command = WrapUpTimeout(old_deadline if stale_timer or deadline is None else deadline)
        else:
            assert not isinstance(item, str)
            command = item
        before = agent.state
        try:
            transition = agent.do(command)
        except IllegalTransitionError:
            assert agent.state == before
            continue
        for action in transition.actions:
            asterisk.send(action)
        state = agent.state
        if state.wrap_up_deadline is not None:
            old_deadline = state.wrap_up_deadline
        # One call at most, and only in the states that hold one.
        holds_call = state.status in (AgentStatus.RESERVED, AgentStatus.ON_CALL)
        assert (state.call_id is not None) == (holds_call or state.status is AgentStatus.WRAP_UP)
        if before.call_id is not None and state.call_id is not None:
            assert state.call_id == before.call_id, "took a second call while holding one"
        # Asterisk agrees: a member iff logged in, paused iff not ready.
        if state.status is AgentStatus.LOGGED_OUT:
            assert asterisk.members == {}
            assert state == AgentState("maria", AgentStatus.LOGGED_OUT, since=state.since)
        else:
            paused, reason = asterisk.members[IFACE]
            assert paused == (state.status is not AgentStatus.READY)
            if state.status is AgentStatus.PAUSED:
                assert reason == state.pause_reason
        if transition.event is not None:
            assert transition.event.state is state.status
