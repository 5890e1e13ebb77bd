"""In-memory adapters with the same methods as the real ones, for logic-level tests of the flows."""
from dataclasses import replace

from botocore.exceptions import ClientError

from approval.adapters.store import AlreadyDecided


def client_error(code: str, message: str = "refused by a fake", operation: str = "Operation") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


class FakeStore:
    """ApprovalStore's contract: add once, read back, decide once while unexpired, note a callback error."""

    def __init__(self):
        self.items = {}
        self.reads = 0
        self.decision_writes = 0

    def add(self, approval):
        if approval.approval_id in self.items:
            raise client_error("ConditionalCheckFailedException")
        self.items[approval.approval_id] = approval

    def get(self, approval_id):
        self.reads += 1
        return self.items.get(approval_id)

    def record_decision(self, approval_id, decision, now):
        current = self.items.get(approval_id)
        if current is None or current.decision or current.expires_at <= now:
            raise AlreadyDecided(approval_id)
        self.decision_writes += 1
        self.items[approval_id] = replace(current, decision=decision, decided_at=now)

    def record_delivered(self, approval_id, now):
        self.items[approval_id] = replace(self.items[approval_id], delivered_at=now)

    def record_callback_error(self, approval_id, message):
        self.items[approval_id] = replace(self.items[approval_id], callback_error=message[:500])


class FakeMailer:
    def __init__(self, error: ClientError | None = None):
        self.sent = []
        self._error = error

    def send(self, to, email):
        if self._error:
            raise self._error
        self.sent.append((to, email))
        return f"message-{len(self.sent)}"


class FakeCallbacks:
    """TaskCallbacks' contract; `error` makes every callback fail the way Step Functions refuses one."""

    def __init__(self, error: ClientError | None = None):
        self.succeeded = []
        self.failed = []
        self._error = error

    @property
    def calls(self) -> int:
        return len(self.succeeded) + len(self.failed)

    def succeed(self, task_token, output):
        if self._error:
            raise self._error
        self.succeeded.append((task_token, output))

    def fail(self, task_token, error, cause):
        if self._error:
            raise self._error
        self.failed.append((task_token, error, cause))
