"""``recoup ami``: look at AMI traffic the way the dialer sees it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from dialer.ami.decode import NotAnAmiLogError, decode_ami_log
from dialer.ami.protocol import AmiProtocolError
from dialer.ami.transcript import TranscriptFormatError
from dialer.ami.translate import DIALPLANS
from recoup.bus.event import event_json


@click.group(name="ami", context_settings={"help_option_names": ["-h", "--help"]})
def ami_group() -> None:
    """Tools for the Asterisk Manager Interface (AMI) boundary."""


@ami_group.command(name="decode")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--start",
    type=click.DateTime(formats=["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]),
    default=None,
    help="UTC time of the capture's TCP connect (default: now); '## +Ns' lines add to it.",
)
@click.option(
    "--dialplan",
    type=click.Choice(["auto", *DIALPLANS]),
    default="auto",
    show_default=True,
    help="whose names to read: 'recoup' (asterisk_conf/: RECOUP_CAMPAIGN, RecoupAMD ...), "
    "'lab' (the captures: DIALER_CAMPAIGN, DialerAMD ...), or 'auto' (found in FILE).",
)
def decode_command(file: Path, start: datetime | None, dialplan: str) -> None:
    """Print the domain events in FILE as JSON lines.

    FILE is a capture in the transcript format ('<<< ' lines from Asterisk, '>>> ' lines from
    the client, '## ' comments) or a raw byte log of what Asterisk sent (detected by itself).
    Each line has the event's 'type' (call_answered, call_failed, queue_joined ...),
    'uniqueid', 'linkedid', 'at' and the event's own fields.
    """
    began = (start.replace(tzinfo=UTC) if start else datetime.now(UTC)).replace(microsecond=0)
    names = DIALPLANS.get(dialplan)  # None: auto
    try:
        events = decode_ami_log(file.read_bytes(), began, names=names)
    except (NotAnAmiLogError, TranscriptFormatError, AmiProtocolError) as error:
        raise click.UsageError(f"{file}: {error}") from error
    except OSError as error:
        raise click.UsageError(f"{file}: cannot read: {error.strerror}") from error
    for event in events:
        click.echo(event_json(event))
