"""The inbound IVR: the AGI boundary (`ivr.agi`) and the after-hours call flows."""
