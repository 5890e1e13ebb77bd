"""Snapshot names and outcomes, and the errors the state machines name in their Retry and Catch."""
import hashlib
import re

AVAILABLE, FAILED = "available", "failed"
SETTLED = (AVAILABLE, FAILED)
_INSTANCE_ID = re.compile(r"^[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9]+)*$")


class InvalidRequest(Exception):
    """The execution input names no valid DB instance."""


class DBInstanceNotFound(Exception):
    """There is no DB instance of that name: nothing to snapshot, retrying cannot help."""


class DBInstanceNotAvailable(Exception):
    """The instance exists but cannot be snapshotted now (stopped, modifying, another snapshot running)."""


class DBSnapshotNotFound(Exception):
    """The snapshot disappeared (deleted by someone) while we waited for it."""


class SnapshotThrottled(Exception):
    """RDS throttled us; the state machine's Retry backs off and tries again."""


def instance_identifier(request: dict) -> str:
    value = (request or {}).get("dbInstanceIdentifier")
    if not isinstance(value, str) or not _INSTANCE_ID.match(value) or len(value) > 63:
        raise InvalidRequest("dbInstanceIdentifier must be an RDS instance identifier")
    return value


def snapshot_identifier(db_instance: str, execution_name: str) -> str:
    """One name per execution, so a retried create finds its own snapshot instead of making a second one."""
    digest = hashlib.sha256(execution_name.encode()).hexdigest()[:16]
    return f"{db_instance}-snapshot-{digest}"


def snapshot_view(snapshot: dict) -> dict:
    """The fields the state machine routes on, from an RDS DBSnapshot."""
    return {
        "dbSnapshotIdentifier": snapshot["DBSnapshotIdentifier"],
        "dbInstanceIdentifier": snapshot["DBInstanceIdentifier"],
        "status": snapshot["Status"],
    }


def snapshot_id_from_event(event: dict) -> str | None:
    """The snapshot an "RDS DB Snapshot Event" is about (detail.SourceIdentifier, or the tail of its ARN)."""
    detail = event.get("detail") or {}
    if detail.get("SourceIdentifier"):
        return detail["SourceIdentifier"]
    arn = detail.get("SourceArn") or ""
    return arn.rsplit(":", 1)[-1] or None
