"""The ``history`` fixture: a builder of debtors, debts, campaigns and calls on the database
under test."""

from __future__ import annotations

import pytest

from tests.conftest import DatabaseUnderTest
from tests.integration.compliance.collections_history import History


@pytest.fixture
def history(database: DatabaseUnderTest) -> History:
    return History(database.engine)
