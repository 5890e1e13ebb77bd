"""Get snapshot status task: the snapshot's status, and how long to wait before the next look."""
from lambda_shared.observability import logger, metrics, tracer
from rds_snapshot import container, flows


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event, context):
    return flows.describe_snapshot(event, rds=container.rds)
