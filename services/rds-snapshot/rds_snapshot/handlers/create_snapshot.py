"""Create snapshot task: start a manual snapshot of the requested DB instance."""
from lambda_shared.observability import logger, metrics, tracer
from rds_snapshot import container, flows


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event, context):
    return flows.create_snapshot(event, rds=container.rds)
