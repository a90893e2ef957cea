"""Pure rules: functions of data, a policy and a given ``now``/``today``; no I/O, no clock."""
