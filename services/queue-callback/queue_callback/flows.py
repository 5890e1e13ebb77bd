"""The queue consumer: do each message's work and answer its task token, once, whatever SQS redelivers."""
import time

from botocore.exceptions import ClientError

from lambda_shared.observability import logger
from lambda_shared.tokens import token_fingerprint
from queue_callback.logic.orders import OrderRejected, PoisonMessage, parse_message, prepare

# The execution no longer waits for this token (answered already, timed out, stopped): a redelivered or late
# message has nothing left to do, so it is done, not failed.
_GONE = {"TaskTimedOut", "TaskDoesNotExist", "InvalidToken"}


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
        code = exc.response["Error"].get("Code")
        if code in _GONE:
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
