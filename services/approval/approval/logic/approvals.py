"""The life of one pending approval, as plain values: created pending, decided once, or expired."""
import secrets
from datetime import datetime
from dataclasses import dataclass, field
from typing import Any

APPROVED = "approved"
REJECTED = "rejected"
DECISION_BY_ACTION = {"approve": APPROVED, "reject": REJECTED}


@dataclass(frozen=True)
class ApprovalRequest:
    """What the approver is asked to decide on: the workflow's numbers."""
    x: Any
    y: Any
    sum: Any
    doubled: Any

    @classmethod
    def from_payload(cls, payload: dict) -> "ApprovalRequest":
        missing = [name for name in ("x", "y", "sum", "doubled") if name not in payload]
        if missing:
            raise ValueError(f"approval request lacks {', '.join(missing)}")
        return cls(payload["x"], payload["y"], payload["sum"], payload["doubled"])


@dataclass(frozen=True)
class PendingApproval:
    approval_id: str
    task_token: str
    execution_arn: str
    request: ApprovalRequest
    created_at: int
    expires_at: int
    decision: str | None = None
    decided_at: int | None = None
    callback_error: str | None = field(default=None)
    delivered_at: int | None = None

    def is_expired(self, now: int) -> bool:
        return self.decision is None and now >= self.expires_at

    @property
    def awaits_delivery(self) -> bool:
        """Decided, but the workflow was not told yet: the callback failed with an error worth another try."""
        return self.decision is not None and self.delivered_at is None and self.callback_error is None


def new_approval_id() -> str:
    # 128 bits from the OS CSPRNG: unguessable, and still not a credential on its own (links are signed too).
    return secrets.token_urlsafe(16)


def waiting_since(state_entered_time: str | None, now: int) -> int:
    """When the Approval task started waiting ($$.State.EnteredTime, ISO 8601), in epoch seconds.

    The task's timeout runs from then, not from when this Lambda got to run (a cold start can be seconds later):
    a request must expire no later than the task that waits for it.
    """
    if not state_entered_time:
        return now
    try:
        entered = datetime.fromisoformat(state_entered_time.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"stateEnteredTime is not an ISO 8601 time: {state_entered_time!r}") from None
    if entered.tzinfo is None:
        raise ValueError("stateEnteredTime has no time zone")
    return min(now, int(entered.timestamp()))


def new_pending_approval(task_token: str, execution_arn: str, request: ApprovalRequest, now: int,
                         timeout_seconds: int, waiting_since: int | None = None) -> PendingApproval:
    if not task_token:
        raise ValueError("a task token is required")
    if timeout_seconds < 1:
        raise ValueError("timeout_seconds must be positive")
    return PendingApproval(
        approval_id=new_approval_id(),
        task_token=task_token,
        execution_arn=execution_arn,
        request=request,
        created_at=now,
        expires_at=(now if waiting_since is None else waiting_since) + timeout_seconds,
    )


def decision_for(action: str) -> str:
    try:
        return DECISION_BY_ACTION[action]
    except KeyError:
        raise ValueError(f"action must be approve or reject, got {action!r}") from None
