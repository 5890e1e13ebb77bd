"""Dispatch task of the job workflow (lambda:invoke.waitForTaskToken): publish the job to the tenant's worker."""
from aws_lambda_powertools.metrics import MetricUnit

from iot_callback import clock, container, flows
from lambda_shared.observability import logger, metrics, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event, context):
    try:
        dispatched = flows.dispatch(event, store=container.store, publisher=container.publisher,
                                    heartbeat_seconds=container.HEARTBEAT_SECONDS, now=clock.now_iso(),
                                    now_epoch=clock.now_epoch())
    except flows.DispatchFailed:
        metrics.add_metric(name="DispatchFailures", unit=MetricUnit.Count, value=1)
        raise
    metrics.add_metric(name="JobsDispatched", unit=MetricUnit.Count, value=1)
    return dispatched
