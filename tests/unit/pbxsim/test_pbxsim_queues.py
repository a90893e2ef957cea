"""Queue rules: rrmemory, ringinuse=no, paused members skipped, joinempty, the caller's
penalty range."""

from __future__ import annotations

from pbxsim.queues import DeviceState, Member, PenaltyRange, Queue, agent_name


def member(name: str, **kw: object) -> Member:
    interface = f"Local/{name}@agents/n"
    return Member(interface=interface, name=name, state_interface=interface, **kw)  # type: ignore[arg-type]


def queue_of(*members: Member) -> Queue:
    return Queue("collections", members={m.interface: m for m in members})


def test_round_robin_remembers_where_it_stopped() -> None:
    queue = queue_of(member("agent1"), member("agent2"), member("agent3"))

    picked = [queue.next_member() for _ in range(4)]

    assert [m.name for m in picked if m] == ["agent1", "agent2", "agent3", "agent1"]


def test_paused_busy_and_ringing_members_are_not_rung() -> None:
    queue = queue_of(
        member("agent1", paused=True),
        member("agent2", status=DeviceState.INUSE),
        member("agent3", ringing=True),
        member("agent4"),
    )

    assert [queue.next_member().name for _ in range(2)] == ["agent4", "agent4"]  # type: ignore[union-attr]


def test_lower_penalty_is_rung_first() -> None:
    queue = queue_of(member("agent1", penalty=3), member("agent2", penalty=0))

    assert queue.next_member().name == "agent2"  # type: ignore[union-attr]


def test_joinempty_refuses_when_every_member_is_paused_or_there_are_none() -> None:
    assert queue_of().refuses_join()
    assert queue_of(member("agent1", paused=True)).refuses_join()
    assert not queue_of(member("agent1", paused=True), member("agent2")).refuses_join()
    lax = Queue("collections", joinempty=frozenset({"unavailable", "invalid"}))
    lax.members["x"] = member("agent1", paused=True)
    assert not lax.refuses_join()


def test_a_caller_with_a_penalty_range_rings_only_the_members_inside_it() -> None:
    queue = queue_of(
        member("agent1", penalty=1), member("agent2", penalty=2), member("agent3", penalty=3)
    )
    seat_two = PenaltyRange.of_caller({"QUEUE_MIN_PENALTY": "2", "QUEUE_MAX_PENALTY": "2"})

    assert [queue.next_member(seat_two).name for _ in range(3)] == ["agent2"] * 3  # type: ignore[union-attr]
    assert queue.next_member().name == "agent1"  # type: ignore[union-attr]  # no range: lowest


def test_a_caller_whose_only_member_is_busy_waits_for_them_not_for_another() -> None:
    queue = queue_of(member("agent1", penalty=1), member("agent2", penalty=2, ringing=True))
    seat_two = PenaltyRange.of_caller({"QUEUE_MIN_PENALTY": "2", "QUEUE_MAX_PENALTY": "2"})

    assert queue.next_member(seat_two) is None


def test_joinempty_penalty_counts_members_outside_the_range_as_absent() -> None:
    queue = queue_of(member("agent1", penalty=1), member("agent2", penalty=2, paused=True))
    queue.joinempty = frozenset({"paused", "unavailable", "invalid", "penalty"})
    seat_two = PenaltyRange.of_caller({"QUEUE_MIN_PENALTY": "2", "QUEUE_MAX_PENALTY": "2"})

    assert queue.refuses_join(seat_two)  # agent2 paused, agent1 out of range
    assert not queue.refuses_join()  # no range: agent1 could take it
    queue.joinempty = frozenset({"paused", "unavailable", "invalid"})
    assert not queue.refuses_join(seat_two)  # without "penalty" agent1 still counts


def test_a_penalty_variable_that_is_not_a_number_leaves_that_end_open() -> None:
    assert PenaltyRange.of_caller({"QUEUE_MAX_PENALTY": "two"}) == PenaltyRange()
    assert PenaltyRange.of_caller({"QUEUE_MIN_PENALTY": " 3"}) == PenaltyRange(low=3)


def test_member_event_fields_follow_the_capture_order() -> None:
    fields = member("agent1").event_fields("collections")

    assert [k for k, _ in fields] == [
        "Privilege", "Queue", "MemberName", "Interface", "StateInterface", "Membership",
        "Penalty", "CallsTaken", "LastCall", "LastPause", "LoginTime", "InCall", "Status",
        "Paused", "PausedReason", "Ringinuse", "Wrapuptime",
    ]  # fmt: skip


def test_agent_name_comes_from_the_interface() -> None:
    assert agent_name("Local/agent7@agents/n") == "agent7"
    assert agent_name("PJSIP/agent8") == "agent8"
