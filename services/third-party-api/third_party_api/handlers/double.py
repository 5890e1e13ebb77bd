"""POST /double {"number", "taskToken"}: answer by callback (SendTaskSuccess/SendTaskFailure), then 202."""
from aws_lambda_powertools.metrics import MetricUnit

from lambda_shared.http import BadRequest, json_body
from lambda_shared.observability import logger, metrics, tracer
from lambda_shared.rest_api import error_answer, json_answer, resolver
from lambda_shared.task_callbacks import TaskCallbacks
from third_party_api import container, flows

app = resolver()


def _parse(event: dict) -> tuple[float, str]:
    body = json_body(event)
    number, token = body.get("number"), body.get("taskToken")
    if isinstance(number, bool) or not isinstance(number, (int, float)):
        raise BadRequest("number must be a number")
    if not isinstance(token, str) or not token:
        raise BadRequest("taskToken is required")
    return number, token


@app.post("/double")
def post_double():
    number, token = _parse(app.current_event.raw_event)
    answer = flows.answer_double(number, token, limit=container.LIMIT, callbacks=app.context["callbacks"])
    metrics.add_metric(name="NumbersDoubled" if answer["status"] == "doubled" else "NumbersRefused",
                       unit=MetricUnit.Count, value=1)
    return json_answer(202, answer)


@app.exception_handler(flows.TaskGone)
def task_gone(exc: flows.TaskGone):
    metrics.add_metric(name="CallbacksRefused", unit=MetricUnit.Count, value=1)
    # 410 tells the caller not to retry.
    return error_answer(410, f"the task no longer waits for an answer ({exc.code})")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event, context, callbacks: TaskCallbacks | None = None):
    app.append_context(callbacks=callbacks or container.callbacks)
    return app.resolve(event, context)
