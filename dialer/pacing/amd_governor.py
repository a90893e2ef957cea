"""Whether a campaign may screen its calls with answering-machine detection.

AMD saves agents from machines, but it hangs up on some people, taking them for machines, and
each of those is an abandoned call. With a false-positive rate ``f`` (a share of the people who
answer), AMD alone abandons ``f`` of the live answers, whatever the pacing. When that would take
more than ``share_of_cap`` of the campaign's abandon allowance, the campaign stops using AMD:
machines then go to agents, who spend a few seconds on each, and the pacer keeps the allowance.
The verdict's reason is shown with the campaign's results.
"""

from __future__ import annotations

from dataclasses import dataclass


def _percent(share: float) -> str:
    """A share as a percentage to two decimals at most: 0.025 is "2.5%", 0.0149 "1.49%"."""
    return f"{share * 100:.2f}".rstrip("0").rstrip(".") + "%"


@dataclass(frozen=True, slots=True)
class AmdVerdict:
    use_amd: bool
    reason: str


def govern_amd(
    false_positive: float, abandon_target: float, *, share_of_cap: float = 0.5
) -> AmdVerdict:
    """Keep AMD only while its false positives use less than ``share_of_cap`` of the cap."""
    if not 0.0 <= false_positive < 1.0:
        msg = f"AMD's false-positive rate is a fraction below 1, not {false_positive}"
        raise ValueError(msg)
    if abandon_target <= 0:
        msg = "the abandon target must be positive"
        raise ValueError(msg)
    limit = share_of_cap * abandon_target
    if false_positive >= limit:
        return AmdVerdict(
            use_amd=False,
            reason=(
                f"AMD off: its false positives ({_percent(false_positive)} of people "
                f"answering) would use {false_positive / abandon_target:.0%} of the "
                f"{_percent(abandon_target)} abandon cap; machines go to agents instead"
            ),
        )
    return AmdVerdict(
        use_amd=True,
        reason=(
            f"AMD on: false positives {_percent(false_positive)} of people answering, "
            f"under the {_percent(limit)} it may use"
        ),
    )
