"""``python -m pbxsim``."""

from pbxsim.cli import pbxsim_command

pbxsim_command()
