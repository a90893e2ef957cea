"""The names a dialplan gives what the AMI translator reads: Recoup's production dialplan
(``asterisk_conf/``) or the lab PBX of the captures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from dialer.ami.call_state import CAMPAIGN_VARIABLE, DIALER_AMD_USEREVENT, LEAD_VARIABLE


@dataclass(frozen=True, slots=True)
class DialplanNames:
    """The names a dialplan gives what the translator reads."""

    name: str
    campaign_variable: str
    lead_variable: str
    mixmonitor_id_variables: tuple[str, ...]
    #: UserEvent with ``AMDStatus``/``AMDCause`` (an AMD verdict)
    amd_userevent: str
    #: UserEvent sent when the identification message starts (``Reason``, ``Queue``); None:
    #: the dialplan sends none
    abandon_userevent: str | None = None


#: ``asterisk_conf/extensions_recoup.conf``: what a production PBX sends
RECOUP_DIALPLAN: Final = DialplanNames(
    name="recoup",
    campaign_variable="RECOUP_CAMPAIGN",
    lead_variable="RECOUP_LEAD",
    mixmonitor_id_variables=("RECOUP_MIXID",),
    amd_userevent="RecoupAMD",
    abandon_userevent="RecoupAbandon",
)
#: the lab PBX of ``shared/asterisk-transcripts`` (the captures)
LAB_DIALPLAN: Final = DialplanNames(
    name="lab",
    campaign_variable=CAMPAIGN_VARIABLE,
    lead_variable=LEAD_VARIABLE,
    mixmonitor_id_variables=("MIXID",),
    amd_userevent=DIALER_AMD_USEREVENT,
)
DIALPLANS: Final[dict[str, DialplanNames]] = {"recoup": RECOUP_DIALPLAN, "lab": LAB_DIALPLAN}
DialplanName = Literal["recoup", "lab"]
