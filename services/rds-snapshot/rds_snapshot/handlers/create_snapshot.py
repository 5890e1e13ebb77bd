"""Create snapshot task: start a manual snapshot of the requested DB instance."""
from lambda_shared.observability import logger, tracer
from rds_snapshot import container, flows


# Counts nothing: no @metrics.log_metrics (it would publish an empty set and warn).
@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event, context):
    return flows.create_snapshot(event, rds=container.rds)
