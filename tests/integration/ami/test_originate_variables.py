"""An Originate's variables reach the dialplan exactly as the dialer gave them, or not at all."""

from __future__ import annotations

import pytest
from fake_asterisk import FakeAsterisk, fast_settings

from dialer.ami.pbx import AsteriskPbx
from dialer.ami.session import AmiSession


async def test_a_variable_value_with_a_comma_is_refused_not_split_by_asterisk(
    asterisk: FakeAsterisk,
) -> None:
    """Asterisk splits a ``Variable`` header on commas: ``RECOUP_CAMPAIGN=spring, 2026`` would
    reach the dialplan as ``spring`` plus a stray variable, and the call be booked wrong."""
    session = AmiSession(fast_settings(asterisk.port, resync=False))
    await session.start()
    try:
        with pytest.raises(ValueError, match="comma"):
            await AsteriskPbx(session).originate(
                "Local/5550001@recoup-outbound/n",
                context="recoup-dialer",
                exten="s",
                channel_id="dialer-1-abc",
                variables={"RECOUP_CAMPAIGN": "spring, 2026", "RECOUP_LEAD": "7"},
            )
        assert not any(m.action == "Originate" for m in asterisk.received)
    finally:
        await session.close()


async def test_a_dialplan_function_with_commas_in_its_name_is_still_sent(
    asterisk: FakeAsterisk,
) -> None:
    session = AmiSession(fast_settings(asterisk.port, resync=False))
    await session.start()
    try:
        await AsteriskPbx(session).originate(
            "Local/5550001@recoup-outbound/n",
            context="recoup-dialer",
            exten="s",
            variables={"PJSIP_HEADER(add,X-Recoup)": "1"},
        )
        (sent,) = [m for m in asterisk.received if m.action == "Originate"]
        assert sent.get_all("Variable") == ["PJSIP_HEADER(add,X-Recoup)=1"]
    finally:
        await session.close()
