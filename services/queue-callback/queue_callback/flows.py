"""The queue-callback service's Lambdas, one function each; adapters come in as arguments.

- consume(): the queue consumer does each message's work and answers its task token, once, whatever SQS redelivers.
- poll_activity_once(): the pull model's scheduled worker takes at most one activity task per tick and settles it.
"""
import time

from botocore.exceptions import ClientError

from lambda_shared.observability import logger
from lambda_shared.task_errors import error_code, task_gone
from lambda_shared.tokens import token_fingerprint
from order_work.activity import Outcome, work_on_activity_task
from order_work.orders import OrderRejected, PoisonMessage, parse_message, prepare



def handle_record(record: dict, *, callbacks, sleep=time.sleep) -> bool:
    """True when the message is done with (delete it); False to leave it for redelivery (and the DLQ)."""
    try:
        task = parse_message(record.get("body", ""))
    except PoisonMessage as exc:
        logger.warning("poison message", extra={"messageId": record.get("messageId"), "reason": str(exc)})
        return False
    task_ref = token_fingerprint(task.task_token)
    if task.work_seconds:
        sleep(task.work_seconds)
    try:
        try:
            result = prepare(task)
        except OrderRejected as exc:
            callbacks.fail(task.task_token, "OrderRejected", str(exc))
        else:
            callbacks.succeed(task.task_token, result)
    except ClientError as exc:
        code = error_code(exc)
        # A redelivered or late message for a task that no longer waits has nothing left to do: done, not failed.
        if task_gone(exc):
            logger.info("task already settled", extra={"task": task_ref, "error": code})
            return True
        logger.warning("callback failed", extra={"task": task_ref, "error": code})
        return False
    return True


def consume(event: dict, *, callbacks, sleep=time.sleep) -> dict:
    """SQS batch with ReportBatchItemFailures: only the messages that failed come back."""
    failures = [{"itemIdentifier": record["messageId"]} for record in event.get("Records", [])
                if not handle_record(record, callbacks=callbacks, sleep=sleep)]
    return {"batchItemFailures": failures}


def poll_activity_once(*, activity, callbacks, worker_name: str, heartbeat_every: float,
                       wait=time.sleep) -> dict:
    """One scheduled tick of the pull model: one GetActivityTask; with a task, the activity worker's work.

    No task is the common case and a quiet one: the tick ends and the schedule brings the next.
    """
    task = activity.take(worker_name)
    if task is None:
        return {"task": None}
    task_ref = token_fingerprint(task.task_token)
    logger.info("activity task taken", extra={"task": task_ref})

    def beat() -> None:
        try:
            callbacks.heartbeat(task.task_token)
        except ClientError as exc:
            logger.warning("heartbeat refused", extra={"task": task_ref, "error": exc.response["Error"].get("Code")})
            raise

    outcome = work_on_activity_task(task.task_input, task.task_token, beat=beat, heartbeat_every=heartbeat_every,
                                    wait=wait)
    return {"task": task_ref, "outcome": _settle(task.task_token, outcome, callbacks=callbacks, task_ref=task_ref)}


def _settle(task_token: str, outcome: Outcome, *, callbacks, task_ref: str) -> str:
    try:
        if outcome.succeeded:
            callbacks.succeed(task_token, outcome.output)
            return "succeeded"
        callbacks.fail(task_token, outcome.error, outcome.cause)
        return outcome.error
    except ClientError as exc:
        code = error_code(exc)
        if not task_gone(exc):
            raise   # Step Functions did not hear the answer: fail the invocation loudly; the heartbeat timeout follows
        logger.info("task already settled", extra={"task": task_ref, "error": code})
        return "already settled"
