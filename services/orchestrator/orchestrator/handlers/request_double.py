"""Double task (lambda:invoke.waitForTaskToken): hand the sum and the task token to the third-party API."""
from aws_lambda_powertools.metrics import MetricUnit

from lambda_shared.observability import logger, metrics, tracer
from orchestrator import container, flows
from orchestrator.adapters.third_party import DoubleApi, ThirdPartyRejectedRequest, ThirdPartyUnavailable

double_api = container.double_api()   # checked at cold start


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event, context, api: DoubleApi = double_api):
    try:
        requested = flows.request_double(event, api=api)
    except (ThirdPartyUnavailable, ThirdPartyRejectedRequest) as exc:
        metrics.add_metric(name=type(exc).__name__, unit=MetricUnit.Count, value=1)   # the Task's named error
        raise
    metrics.add_metric(name="DoublesRequested", unit=MetricUnit.Count, value=1)
    return requested
