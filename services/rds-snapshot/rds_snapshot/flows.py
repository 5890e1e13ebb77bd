"""What the RDS snapshot service does, one function per Lambda; adapters come in as arguments."""
from botocore.exceptions import BotoCoreError, ClientError

from lambda_shared.observability import logger
from lambda_shared.task_errors import error_code, task_gone
from lambda_shared.tokens import token_fingerprint
from rds_snapshot.logic import polling
from rds_snapshot.logic.snapshots import (
    AVAILABLE, SETTLED, DBSnapshotNotFound, instance_identifier, snapshot_id_from_event, snapshot_identifier,
    snapshot_view,
)


def _policy(payload: dict) -> polling.PollPolicy:
    policy = payload.get("policy") or {}
    requested = (payload.get("request") or {}).get("maxWaitSeconds")
    max_wait = int(policy["maxWaitSeconds"])
    if isinstance(requested, int) and 0 < requested < max_wait:
        max_wait = requested   # a caller may wait less than the service allows, never more
    return polling.PollPolicy(first_wait_seconds=int(policy["firstWaitSeconds"]), growth=int(policy["growth"]),
                              cap_seconds=int(policy["capSeconds"]), max_wait_seconds=max_wait)


def create_snapshot(payload: dict, *, rds) -> dict:
    """Start the snapshot, and the poll state the poll loop keeps in $poll (its Wait waits $poll.waitSeconds)."""
    db_instance = instance_identifier(payload.get("request"))
    policy = _policy(payload)
    snapshot_id = snapshot_identifier(db_instance, payload["executionName"])
    snapshot = snapshot_view(rds.create(db_instance, snapshot_id))
    logger.info("snapshot started", extra={"snapshot": snapshot})
    return {"snapshot": snapshot, "poll": polling.first_poll(policy)}


def describe_snapshot(payload: dict, *, rds) -> dict:
    snapshot = snapshot_view(rds.describe(payload["snapshot"]["dbSnapshotIdentifier"]))
    return {"snapshot": snapshot, "poll": polling.next_poll(payload["poll"])}


class CallbackNotDelivered(Exception):
    """Step Functions could not be told (throttled, a 5xx, the network): the token stays parked and the invocation
    fails, so it is tried again (EventBridge's asynchronous retries; the AwaitSnapshotEvent task's Retry)."""


def _answer(snapshot: dict, *, waiters, callbacks) -> bool:
    """Resume the execution waiting for this snapshot, if one still is. True if this call answered it.

    The token is forgotten only after Step Functions heard back: two answerers racing (the event, the look at
    once) may both call back, and the second is told the task is gone, which costs nothing.
    """
    snapshot_id = snapshot["dbSnapshotIdentifier"]
    token = waiters.get(snapshot_id)
    if token is None:
        return False
    try:
        if snapshot["status"] == AVAILABLE:
            callbacks.succeed(token, snapshot)
        else:
            callbacks.fail(token, "SnapshotFailed", f"RDS reports snapshot {snapshot_id} as {snapshot['status']}")
    except ClientError as exc:
        if not task_gone(exc):
            raise CallbackNotDelivered(f"{snapshot_id}: {error_code(exc)}") from exc
        # The execution stopped waiting (timed out, stopped, answered by the other path) before this answer.
        logger.warning("callback refused", extra={"task": token_fingerprint(token), "error": error_code(exc)})
        waiters.remove(snapshot_id, token)
        return False
    except BotoCoreError as exc:
        raise CallbackNotDelivered(f"{snapshot_id}: {type(exc).__name__}") from exc
    waiters.remove(snapshot_id, token)
    return True


def await_snapshot(payload: dict, *, rds, waiters, callbacks, now: int) -> dict:
    """lambda:invoke.waitForTaskToken: park the token under the snapshot id, then look once.

    The look closes the race where the snapshot settles (and its event fires) before the token was stored.
    """
    snapshot_id = payload["snapshot"]["dbSnapshotIdentifier"]
    waiters.add(snapshot_id, payload["taskToken"], now + int(payload.get("timeoutSeconds", 0)))
    snapshot = snapshot_view(rds.describe(snapshot_id))
    answered = snapshot["status"] in SETTLED and _answer(snapshot, waiters=waiters, callbacks=callbacks)
    logger.info("waiting for snapshot event", extra={"snapshot": snapshot, "answeredAtOnce": answered})
    return {"snapshotId": snapshot_id, "answeredAtOnce": answered}


def snapshot_event(event: dict, *, rds, waiters, callbacks) -> dict:
    """EventBridge "RDS DB Snapshot Event": the event only wakes us; RDS's own status is what we report."""
    snapshot_id = snapshot_id_from_event(event)
    if not snapshot_id:
        return {"ignored": "no snapshot named in the event"}
    try:
        snapshot = snapshot_view(rds.describe(snapshot_id))
    except DBSnapshotNotFound:
        return {"ignored": f"snapshot {snapshot_id} no longer exists"}
    if snapshot["status"] not in SETTLED:
        return {"ignored": f"snapshot {snapshot_id} is {snapshot['status']}"}
    return {"snapshotId": snapshot_id, "answered": _answer(snapshot, waiters=waiters, callbacks=callbacks)}
