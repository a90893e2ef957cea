"""Campaigns: their configuration, their dialing lists, and claiming leads to dial."""
