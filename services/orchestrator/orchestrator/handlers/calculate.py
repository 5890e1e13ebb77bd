"""Calculate task: sum = x + y."""
from lambda_shared.observability import logger, metrics, tracer
from orchestrator import flows


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event, context):
    return flows.calculate(event)
