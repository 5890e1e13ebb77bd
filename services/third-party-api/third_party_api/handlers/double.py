"""POST /double {"number", "taskToken"}: answer by callback (SendTaskSuccess/SendTaskFailure), then 202.

Routed by powertools' APIGatewayRestResolver; every refusal answers {"message": ...}, like API Gateway's own.
"""
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.metrics import MetricUnit

from lambda_shared.http import BadRequest, error_response, json_body
from lambda_shared.observability import logger, metrics, tracer
from lambda_shared.task_callbacks import TaskCallbacks
from third_party_api import container, flows

app = APIGatewayRestResolver()


def _parse(event: dict) -> tuple[float, str]:
    body = json_body(event)
    number, token = body.get("number"), body.get("taskToken")
    if isinstance(number, bool) or not isinstance(number, (int, float)):
        raise BadRequest("number must be a number")
    if not isinstance(token, str) or not token:
        raise BadRequest("taskToken is required")
    return number, token


def _answer(response: dict) -> Response:
    return Response(status_code=response["statusCode"], content_type=content_types.APPLICATION_JSON,
                    body=response["body"])


@app.post("/double")
def post_double():
    number, token = _parse(app.current_event.raw_event)
    answer = flows.answer_double(number, token, limit=container.LIMIT, callbacks=app.context["callbacks"])
    metrics.add_metric(name="NumbersDoubled" if answer["status"] == "doubled" else "NumbersRefused",
                       unit=MetricUnit.Count, value=1)
    return answer, 202


@app.exception_handler(BadRequest)
def bad_request(exc: BadRequest):
    metrics.add_metric(name="BadDoubleRequests", unit=MetricUnit.Count, value=1)
    return _answer(error_response(400, str(exc)))


@app.exception_handler(flows.TaskGone)
def task_gone(exc: flows.TaskGone):
    metrics.add_metric(name="CallbacksRefused", unit=MetricUnit.Count, value=1)
    # 410 tells the caller not to retry.
    return _answer(error_response(410, f"the task no longer waits for an answer ({exc.code})"))


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event, context, callbacks: TaskCallbacks | None = None):
    app.append_context(callbacks=callbacks or container.callbacks)
    return app.resolve(event, context)
