"""Agents: their state machine, mirrored into Asterisk queue membership, and rosters."""
