"""Preview seats: each agent of a preview campaign a queue penalty of their own."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dialer.agents.seats import PreviewSeats, penalty_variables


def test_agents_take_the_lowest_free_seat_and_keep_it() -> None:
    seats = PreviewSeats()
    assert [seats.seat(a) for a in ("agent1", "agent2", "agent3")] == [1, 2, 3]
    assert seats.seat("agent2") == 2  # asked again: the same seat
    seats.free("agent2")
    assert seats.held("agent2") is None
    assert seats.seat("agent4") == 2  # the free seat, not a fourth one
    assert seats.seat("agent2") == 4


def test_a_preview_call_asks_for_one_seat_exactly() -> None:
    assert penalty_variables(3) == {"QUEUE_MIN_PENALTY": "3", "QUEUE_MAX_PENALTY": "3"}


@given(st.lists(st.tuples(st.booleans(), st.integers(0, 7)), max_size=60))
def test_no_two_agents_ever_share_a_seat_and_seats_stay_few(steps: list[tuple[bool, int]]) -> None:
    seats = PreviewSeats()
    most = 0  # the most agents seated at once so far
    for joins, agent in steps:
        name = f"agent{agent}"
        if joins:
            seats.seat(name)
        else:
            seats.free(name)
        held = [seats.held(f"agent{a}") for a in range(8)]
        taken = [s for s in held if s is not None]
        assert len(taken) == len(set(taken)) == len(seats)
        assert all(s >= 1 for s in taken)  # 0 is every non-preview member's penalty
        most = max(most, len(taken))
        assert max(taken, default=0) <= most  # the lowest free seat: no gaps grow
