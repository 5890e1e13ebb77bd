"""Await snapshot task (lambda:invoke.waitForTaskToken): park the task token until the snapshot's event."""
import time

from lambda_shared.observability import logger, metrics, tracer
from rds_snapshot import container, flows


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event, context):
    return flows.await_snapshot(event, rds=container.rds, waiters=container.waiters, callbacks=container.callbacks,
                                now=int(time.time()))
