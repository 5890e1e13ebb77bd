"""The worker's messages, delivered by IoT topic rules (SELECT *, topic(2) AS fromTenant FROM 'tenants/+/<channel>').

fromTenant comes from the topic, which the tenant's IoT policy lets only that tenant publish on: it is the identity
the flows check a job against, never a field of the message itself.
"""
from iot_callback import clock, container, flows
from lambda_shared.observability import logger, metrics, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def result(event, context):
    return {"outcome": flows.report_result(event, store=container.store, callbacks=container.callbacks,
                                           now=clock.now_iso())}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def heartbeat(event, context):
    return {"outcome": flows.report_heartbeat(event, store=container.store, callbacks=container.callbacks)}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def progress(event, context):
    return {"outcome": flows.report_progress(event, store=container.store, now=clock.now_iso())}
