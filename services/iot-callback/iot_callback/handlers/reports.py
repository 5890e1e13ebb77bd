"""The worker's messages, delivered by IoT topic rules (SELECT *, topic(2) AS fromTenant FROM 'tenants/+/<channel>').

fromTenant comes from the topic, which the tenant's IoT policy lets only that tenant publish on: it is the identity
the flows check a job against, never a field of the message itself.
"""
from aws_lambda_powertools.metrics import MetricUnit
from botocore.exceptions import BotoCoreError, ClientError

from iot_callback import clock, container, flows
from lambda_shared.observability import logger, metrics, tracer

# What each outcome of a result report counts as; a refused report is a worker callback the cloud did not take.
RESULT_METRICS = {"succeeded": "JobsSucceeded", "failed": "JobsFailed", "cancelled": "JobsCancelled",
                  "refused": "CallbacksRefused", "unknown-job": "CallbacksRefused", "duplicate": "DuplicateReports",
                  "task-over": "LateReports"}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def result(event, context):
    try:
        outcome = flows.report_result(event, store=container.store, callbacks=container.callbacks,
                                      now=clock.now_iso())
    except (ClientError, BotoCoreError):
        # Step Functions did not take the answer: the rule retries the message (the flow released its claim).
        metrics.add_metric(name="CallbacksNotDelivered", unit=MetricUnit.Count, value=1)
        raise
    metrics.add_metric(name=RESULT_METRICS[outcome], unit=MetricUnit.Count, value=1)
    return {"outcome": outcome}


# Counts nothing: no @metrics.log_metrics (it would publish an empty set and warn).
@logger.inject_lambda_context
@tracer.capture_lambda_handler
def heartbeat(event, context):
    return {"outcome": flows.report_heartbeat(event, store=container.store, callbacks=container.callbacks)}


# Counts nothing: no @metrics.log_metrics (it would publish an empty set and warn).
@logger.inject_lambda_context
@tracer.capture_lambda_handler
def progress(event, context):
    return {"outcome": flows.report_progress(event, store=container.store, now=clock.now_iso())}
