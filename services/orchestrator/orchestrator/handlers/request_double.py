"""Double task (lambda:invoke.waitForTaskToken): hand the sum and the task token to the third-party API."""
from lambda_shared.observability import logger, metrics, tracer
from orchestrator import container, flows
from orchestrator.adapters.third_party import DoubleApi

double_api = container.double_api()   # checked at cold start


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event, context, api: DoubleApi = double_api):
    return flows.request_double(event, api=api)
