"""EventBridge target for RDS DB Snapshot Events: resume the execution waiting for that snapshot."""
from lambda_shared.observability import logger, tracer
from rds_snapshot import container, flows


# Counts nothing: no @metrics.log_metrics (it would publish an empty set and warn).
@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event, context):
    return flows.snapshot_event(event, rds=container.rds, waiters=container.waiters, callbacks=container.callbacks)
