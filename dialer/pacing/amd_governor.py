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
                f"AMD off: its false positives ({false_positive:.1%} of people answering) "
                f"would use {false_positive / abandon_target:.0%} of the {abandon_target:.0%} "
                "abandon cap; machines go to agents instead"
            ),
        )
    return AmdVerdict(
        use_amd=True,
        reason=f"AMD on: false positives {false_positive:.1%}, within {limit:.1%}",
    )
