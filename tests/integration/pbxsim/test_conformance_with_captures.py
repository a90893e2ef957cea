"""pbxsim answers a real Asterisk 22.10.1's recorded sessions the way Asterisk did.

For each capture, the client's actions are replayed against pbxsim (scripted like the lab:
``Local/answer@customers`` answers and hangs up after 20 s, agents pick up at once …) and what
pbxsim sends is compared with what Asterisk sent, after normalising ids and timestamps:

* every response, field for field, in order;
* for every event type other than the dialplan noise (VarSet, Newexten, DeviceStateChange,
  NewCallerid/NewAccountCode/NewConnectedLine), the header names in order;
* how many of each such event arrive;
* per channel, the order of those events.

Where pbxsim knowingly differs, the difference is listed in ``KNOWN_DIFFERENCES`` with why.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from pbxsim_capture import (
    Block,
    LabEdit,
    capture_path,
    header,
    keys,
    normalise,
    read_capture,
    replay,
    responses,
)

from pbxsim.config import SimConfig
from pbxsim.sim import PbxSim
from recoup.clock import ScaledClock

NOISE = {
    "VarSet",
    "Newexten",
    "DeviceStateChange",
    "NewCallerid",
    "NewAccountCode",
    "NewConnectedLine",
}

#: (capture, ActionID) -> why pbxsim's response differs from the lab's
KNOWN_DIFFERENCES = {
    ("a", "a-5"): "`core show version` names the build host and date of the lab's binary",
    ("j", "a-3"): "MIXMONITOR_FILENAME is under pbxsim's recordings_dir, not the lab's RECDIR",
}

SCALE = 50.0
#: n's customer must still be waiting when agent1's other call ends 2 s before the dialer's
#: Hangup; a slower clock keeps that margin when the test machine is busy
SLOW = {"n": 20.0}


def lab_queue_reload(joinempty: frozenset[str]) -> LabEdit:
    def edit(sim: PbxSim) -> None:
        for queue in sim.config.queues:
            queue.joinempty = joinempty

    return edit


def agents_already_logged_in(sim: PbxSim) -> None:
    sim.login_agent("agent1")
    sim.login_agent("agent2")


def recorded_challenge(sim: PbxSim) -> None:
    sim.server.fixed_challenge = "209350343"


SETUPS = {
    "d": agents_already_logged_in,
    "e": agents_already_logged_in,
    "a2": recorded_challenge,
}
EDITS = {
    "m": {
        "a-6": lab_queue_reload(frozenset({"unavailable", "invalid"})),
        "a-9": lab_queue_reload(frozenset({"paused", "unavailable", "invalid"})),
    }
}
CAPTURES = ["a", "a2", "b", "c1", "c2", "c3", "d", "e", "g1", "g1b", "g2", "g3", "j", "m", "n"]


def channel_of(block: Block) -> str:
    name = header(block, "Channel") or header(block, "DestChannel") or ""
    return normalise([("Channel", name)])[0][1]


def shape(block: Block) -> tuple[str, ...]:
    """The header names in order, a run of ``Variable`` lines counted as one: how many
    variables ``Status`` lists depends on how many the dialplan had set."""
    names: list[str] = []
    for name in keys(block):
        if not (name == "Variable" and names and names[-1] == "Variable"):
            names.append(name)
    return tuple(names)


def key_events(blocks: list[Block]) -> list[Block]:
    return [b for b in blocks if b and b[0][0] == "Event" and b[0][1] not in NOISE]


#: Asterisk's own order of these varied between runs (transcripts' README; QueueMemberStatus
#: came before the customer's last Hangup in b and after it in e), so the per-channel order is
#: compared without them (their counts are still compared)
UNSTABLE = {"OriginateResponse", "Cdr", "QueueMemberStatus"}


def per_channel(blocks: list[Block]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for block in key_events(blocks):
        if block[0][1] not in UNSTABLE:
            out.setdefault(channel_of(block), []).append(block[0][1])
    return out


async def run_capture(name: str, tmp_path: Path) -> tuple[list[Block], list[Block], bool, bool]:
    capture = read_capture(capture_path(name))
    config = SimConfig(
        auth_failure_delay=1.0, agent_answer_delay=0.0, recordings_dir=tmp_path / "recordings"
    )
    async with PbxSim(config, ScaledClock(SLOW.get(name, SCALE))) as sim:
        setup = SETUPS.get(name)
        if setup is not None:
            setup(sim)
        got, closed = await replay(sim, capture, settle=3.0, edits=EDITS.get(name))
        assert not sim.pbx.errors
    return capture.server, got, capture.closed_by_server, closed


@pytest.mark.parametrize("name", CAPTURES)
async def test_pbxsim_answers_like_the_recorded_asterisk(name: str, tmp_path: Path) -> None:
    lab, sim, lab_closed, sim_closed = await run_capture(name, tmp_path)

    assert sim_closed == lab_closed
    lab_responses, sim_responses = responses(lab), responses(sim)
    assert set(sim_responses) == set(lab_responses)
    for action_id, expected in lab_responses.items():
        if (name, action_id) in KNOWN_DIFFERENCES:
            assert keys(sim_responses[action_id]) == keys(expected)
            continue
        assert normalise(sim_responses[action_id]) == normalise(expected), action_id

    lab_events, sim_events = key_events(lab), key_events(sim)
    # an event type can have several shapes (DialBegin with and without the caller's block)
    assert {shape(b) for b in sim_events} == {shape(b) for b in lab_events}

    assert Counter(b[0][1] for b in sim_events) == Counter(b[0][1] for b in lab_events)
    lab_order, sim_order = per_channel(lab), per_channel(sim)
    for channel, order in lab_order.items():
        assert sim_order.get(channel) == order, channel
    assert set(sim_order) == set(lab_order)
