"""The parsed dialplan, shared by the static checks of ``asterisk_conf/``."""

from __future__ import annotations

import pytest

from tests.unit.asterisk_conf.conf_reader import Dialplan, load_dialplan


@pytest.fixture(scope="module")
def dialplan() -> Dialplan:
    return load_dialplan()
