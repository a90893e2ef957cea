"""pbxsim: a stand-in for Asterisk 22 that speaks real AMI over TCP and drives FastAGI.

In-process use (tests, benchmarks, the demo)::

    from pbxsim import PbxSim, SimConfig

    async with PbxSim(SimConfig(time_scale=60)) as pbx:
        ...  # connect an AMI client to pbx.host:pbx.port
"""

from pbxsim.behaviour import HangupBy, Outcome, OutcomeRates, PartyBehaviour, Spread
from pbxsim.config import AgentConfig, AgiTarget, QueueConfig, SimConfig
from pbxsim.fastagi import CallerScript, FastAgiCall
from pbxsim.sim import PbxSim

__all__ = [
    "AgentConfig",
    "AgiTarget",
    "CallerScript",
    "FastAgiCall",
    "HangupBy",
    "Outcome",
    "OutcomeRates",
    "PartyBehaviour",
    "PbxSim",
    "QueueConfig",
    "SimConfig",
    "Spread",
]
