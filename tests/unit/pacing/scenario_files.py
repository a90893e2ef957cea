"""Scenario files for tests of the what-if tool: a quarter-hour day's defaults, to which each
test adds the scenarios (or the mistakes) it needs."""

from __future__ import annotations

QUARTER_HOUR_DEFAULTS = """
[defaults]
hours = 0.25
answer_delay = {dist = "uniform", low = 4, high = 20}
fail_duration = {dist = "uniform", low = 2, high = 25}
wrap = {dist = "constant", value = 15}
talk = {dist = "exponential", mean = 120}
"""
