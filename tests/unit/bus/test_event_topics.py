"""Topics made from identifiers: whatever an id holds, the topic is one MQTT can carry and
names only that id."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar

import pytest

from recoup.bus.event import topic_of
from recoup.bus.local import topic_matches

AT = datetime(2026, 11, 20, 15, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class DispositionRecorded:
    debt_id: str
    at: datetime
    topic: ClassVar[str] = "recoup/v1/debts/{debt_id}/disposition_recorded"


def _id_level(debt_id: str) -> str:
    return topic_of(DispositionRecorded(debt_id, AT)).split("/")[3]


@pytest.mark.parametrize(
    "debt_id",
    ["INV\t7", "INV\x00", "INV\x7f", "INV\x85", "INV\ufdd0", "INV\uffff", "INV\U0001fffe",
     "INV\ud800"],
)  # fmt: skip
def test_a_debt_id_with_characters_mosquitto_refuses_still_makes_a_topic_it_takes(
    debt_id: str,
) -> None:
    # Mosquitto drops the connection on a topic with a control character or a noncharacter.
    level = _id_level(debt_id)
    assert level.startswith("INV%")
    assert level.isascii()
    assert level.isprintable()


def test_two_debts_never_share_a_topic() -> None:
    assert _id_level("A/B") == "A%2FB"
    assert _id_level("A%2FB") != _id_level("A/B")
    assert not topic_matches(
        topic_of(DispositionRecorded("A/B", AT)), topic_of(DispositionRecorded("A%2FB", AT))
    )


def test_ordinary_and_accented_ids_are_left_as_they_are() -> None:
    assert _id_level("INV-2026.11:7_a") == "INV-2026.11:7_a"
    assert _id_level("Zoë") == "Zoë"
