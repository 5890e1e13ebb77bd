"""EventBridge target for RDS DB Snapshot Events: resume the execution waiting for that snapshot."""
from lambda_shared.observability import logger, metrics, tracer
from rds_snapshot import container, flows


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event, context):
    return flows.snapshot_event(event, rds=container.rds, waiters=container.waiters, callbacks=container.callbacks)
