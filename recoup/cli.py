"""The ``recoup`` command line.

Commands live beside what they serve; this module only names them, and imports each one lazily
so that ``recoup --help`` starts fast and a missing optional part breaks only its own command.
"""

from __future__ import annotations

import importlib

import click

# name -> "module:attribute" of a click command or group.
COMMANDS: dict[str, str] = {
    "db": "recoup.storage.cli:db_group",
    "import": "recoup.imports.cli:import_group",
    "user": "recoup.users.cli:user_group",
    "demo": "recoup.demo:demo_command",
    "ami": "dialer.ami.cli:ami_group",
    "pbxsim": "pbxsim.cli:pbxsim_command",
    "simulate": "dialer.pacing.cli:simulate_command",
    "audit": "recoup.compliance.cli:audit_group",
    "promises": "recoup.dispositions.cli:promises_group",
    "issue": "recoup.dispositions.issue_cli:issue_group",
    "campaign": "dialer.campaigns.cli:campaign_group",
    "serve": "recoup.serve:serve_command",
    "dialer": "recoup.serve:dialer_command",
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported when first used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command):
            msg = f"{target} is not a click command"
            raise TypeError(msg)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="recoup")
def main() -> None:
    """Recoup: a collections contact centre on Asterisk.

    Settings come from RECOUP_* environment variables and an optional TOML file named by
    RECOUP_CONFIG (see the README's "Configuration").
    """
