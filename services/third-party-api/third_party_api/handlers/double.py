"""POST /double {"number", "taskToken"}: answer by callback (SendTaskSuccess/SendTaskFailure), then 202."""
from aws_lambda_powertools.metrics import MetricUnit

from lambda_shared.http import BadRequest, error_response, json_body, json_response
from lambda_shared.observability import logger, metrics, tracer
from lambda_shared.task_callbacks import TaskCallbacks
from third_party_api import container, flows


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
def handler(event, context, callbacks: TaskCallbacks | None = None):
    try:
        number, token = _parse(event)
    except BadRequest as exc:
        metrics.add_metric(name="BadDoubleRequests", unit=MetricUnit.Count, value=1)
        return error_response(400, str(exc))
    try:
        answer = flows.answer_double(number, token, limit=container.LIMIT, callbacks=callbacks or container.callbacks)
    except flows.TaskGone as exc:
        metrics.add_metric(name="CallbacksRefused", unit=MetricUnit.Count, value=1)
        # 410 tells the caller not to retry.
        return error_response(410, f"the task no longer waits for an answer ({exc.code})")
    metrics.add_metric(name="NumbersDoubled" if answer["status"] == "doubled" else "NumbersRefused",
                       unit=MetricUnit.Count, value=1)
    return json_response(202, answer)
