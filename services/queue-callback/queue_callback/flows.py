"""The queue-callback service's Lambdas, one function each; adapters come in as arguments.

- consume(): the queue consumer does each message's work and answers its task token, once, whatever SQS redelivers.
- poll_activity_once(): the pull model's scheduled worker takes at most one activity task per tick and settles it.
"""
import time
from functools import partial

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from botocore.exceptions import ClientError

from lambda_shared.observability import logger, metrics
from lambda_shared.task_errors import error_code, task_gone
from lambda_shared.tokens import token_fingerprint
from order_work.activity import Outcome, work_on_activity_task
from order_work.orders import OrderRejected, PoisonMessage, parse_message, prepare


class CallbackNotDelivered(Exception):
    """Step Functions did not take the answer for a reason worth another try: the message goes back to the queue."""


# A message whose callback failed for a passing reason (throttling, 5xx) is received again this soon: at once, as
# the client's own retries already backed off (lambda_shared/aws.py), and the task may not wait long.
RETRY_SECONDS = 0


def handle_record(record: SQSRecord, *, callbacks, queue=None, sleep=time.sleep) -> None:
    """Does the message's work and answers its token; raises to leave the message for redelivery (and the DLQ)."""
    try:
        task = parse_message(record.body or "")
    except PoisonMessage as exc:
        logger.warning("poison message", extra={"messageId": record.message_id, "reason": str(exc)})
        metrics.add_metric(name="PoisonMessages", unit=MetricUnit.Count, value=1)
        raise
    task_ref = token_fingerprint(task.task_token)
    if task.work_seconds:
        sleep(task.work_seconds)
    try:
        try:
            result = prepare(task)
        except OrderRejected as exc:
            callbacks.fail(task.task_token, "OrderRejected", str(exc))
            metrics.add_metric(name="OrdersRejected", unit=MetricUnit.Count, value=1)
        else:
            callbacks.succeed(task.task_token, result)
            metrics.add_metric(name="OrdersPrepared", unit=MetricUnit.Count, value=1)
    except ClientError as exc:
        code = error_code(exc)
        # A redelivered or late message for a task that no longer waits has nothing left to do: done, not failed.
        if task_gone(exc):
            logger.info("task already settled", extra={"task": task_ref, "error": code})
            metrics.add_metric(name="CallbacksRefused", unit=MetricUnit.Count, value=1)
            return
        logger.warning("callback failed", extra={"task": task_ref, "error": code})
        metrics.add_metric(name="CallbacksNotDelivered", unit=MetricUnit.Count, value=1)
        if queue is not None:
            queue.retry_soon(record, RETRY_SECONDS)
        raise CallbackNotDelivered(code) from exc


def consume(event: dict, *, callbacks, queue=None, sleep=time.sleep, context=None) -> dict:
    """SQS batch with ReportBatchItemFailures: only the messages that failed come back.

    A batch whose every message failed is answered the same way, not raised: each message is counted against its
    own maxReceiveCount either way, and the answer says which ones failed.
    """
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    return process_partial_response(event, partial(handle_record, callbacks=callbacks, queue=queue, sleep=sleep),
                                    processor, context)


def poll_activity_once(*, activity, callbacks, worker_name: str, heartbeat_every: float,
                       wait=time.sleep) -> dict:
    """One scheduled tick of the pull model: one GetActivityTask; with a task, the activity worker's work.

    No task is the common case and a quiet one: the tick ends and the schedule brings the next. Each tick counts
    the tasks it took (0 or 1), so the metric shows how often the schedule finds work.
    """
    task = activity.take(worker_name)
    metrics.add_metric(name="ActivityTasksTaken", unit=MetricUnit.Count, value=0 if task is None else 1)
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
            metrics.add_metric(name="OrdersPrepared", unit=MetricUnit.Count, value=1)
            return "succeeded"
        callbacks.fail(task_token, outcome.error, outcome.cause)
        metrics.add_metric(name="OrdersRejected" if outcome.error == "OrderRejected" else "ActivityTasksFailed",
                           unit=MetricUnit.Count, value=1)
        return outcome.error
    except ClientError as exc:
        code = error_code(exc)
        if not task_gone(exc):
            raise   # Step Functions did not hear the answer: fail the invocation loudly; the heartbeat timeout follows
        logger.info("task already settled", extra={"task": task_ref, "error": code})
        metrics.add_metric(name="CallbacksRefused", unit=MetricUnit.Count, value=1)
        return "already settled"
