"""How long to wait before the next look at a snapshot: plain arithmetic, no AWS.

A fixed wait costs one Wait + one describe + one Choice transition per interval, so transitions grow linearly with
the snapshot's duration. Doubling the wait up to a cap makes them grow with its logarithm until the cap, then
linearly at a rate cap times slower. The poll state lives in a workflow variable ($poll) that each look assigns, so
the Wait state reads it and no extra state is needed to compute it.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class PollPolicy:
    first_wait_seconds: int
    growth: int              # 1 = the article's fixed interval, 2 = doubling
    cap_seconds: int
    max_wait_seconds: int    # the total wait after which the workflow gives up

    def __post_init__(self):
        if self.first_wait_seconds < 1 or self.growth < 1 or self.max_wait_seconds < 1:
            raise ValueError("waits must be at least 1 second and growth at least 1")
        if self.cap_seconds < self.first_wait_seconds:
            raise ValueError("the cap must not be below the first wait")


def first_poll(policy: PollPolicy) -> dict:
    return {
        "waitSeconds": min(policy.first_wait_seconds, policy.max_wait_seconds),
        "waitedSeconds": 0,
        "polls": 0,
        "growth": policy.growth,
        "capSeconds": policy.cap_seconds,
        "maxWaitSeconds": policy.max_wait_seconds,
    }


def next_poll(poll: dict) -> dict:
    """After one wait: count it, and choose the next one (never past the maximum total wait)."""
    waited = int(poll["waitedSeconds"]) + int(poll["waitSeconds"])
    remaining = int(poll["maxWaitSeconds"]) - waited
    grown = min(int(poll["capSeconds"]), int(poll["waitSeconds"]) * int(poll["growth"]))
    return {**poll, "waitedSeconds": waited, "polls": int(poll["polls"]) + 1,
            "waitSeconds": max(1, min(grown, remaining))}

