"""POST /double {"number", "taskToken"}: answer by callback (SendTaskSuccess/SendTaskFailure), then 202."""
from botocore.exceptions import ClientError

from lambda_shared import settings
from lambda_shared.http import BadRequest, error_response, json_body, json_response
from lambda_shared.observability import logger, metrics, tracer
from lambda_shared.task_callbacks import TaskCallbacks
from lambda_shared.task_errors import error_code, task_gone
from third_party_api.logic.doubling import Refused, double

LIMIT = settings.required_int("DOUBLE_LIMIT")
callbacks = TaskCallbacks()


def _parse(event: dict) -> tuple[float, str]:
    body = json_body(event)
    number, token = body.get("number"), body.get("taskToken")
    if isinstance(number, bool) or not isinstance(number, (int, float)):
        raise BadRequest("number must be a number")
    if not isinstance(token, str) or not token:
        raise BadRequest("taskToken is required")
    return number, token


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event, context, callbacks: TaskCallbacks = callbacks):
    try:
        number, token = _parse(event)
    except BadRequest as exc:
        return error_response(400, str(exc))
    outcome = double(number, LIMIT)
    try:
        if isinstance(outcome, Refused):
            callbacks.fail(token, outcome.error, outcome.cause)
            return json_response(202, {"status": "refused", "error": outcome.error})
        callbacks.succeed(token, {"doubled": outcome.doubled})
    except ClientError as exc:
        code = error_code(exc)
        if task_gone(exc):
            # Permanent: the task ended (timed out, stopped) or the token is not one. 410 tells the caller not to retry.
            return error_response(410, f"the task no longer waits for an answer ({code})")
        raise
    return json_response(202, {"status": "doubled"})
