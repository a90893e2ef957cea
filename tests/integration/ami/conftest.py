"""Fixtures for the AMI session tests: a fake Asterisk answering with recorded replies."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fake_asterisk import FakeAsterisk


@pytest.fixture
async def asterisk() -> AsyncIterator[FakeAsterisk]:
    server = FakeAsterisk(
        "b_originate_answer_queue.txt",
        "g2_unknown_action.txt",
        "g3_originate_bad_context.txt",
        "j_mixmonitor_audio_stop.txt",
        "n_queue_member_pause_ringinuse.txt",
    )
    await server.start()
    yield server
    await server.stop()
