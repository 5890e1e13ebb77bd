"""Calculate task: sum = x + y."""
from lambda_shared.observability import logger, tracer
from orchestrator import flows


# Counts nothing: no @metrics.log_metrics (it would publish an empty set and warn).
@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event, context):
    return flows.calculate(event)
