"""Logger, Tracer and Metrics, created once per container from POWERTOOLS_SERVICE_NAME.

Handlers stack the decorators in one fixed order:

    @logger.inject_lambda_context
    @tracer.capture_lambda_handler
    @metrics.log_metrics
    def handler(event, context): ...

@metrics.log_metrics only on a handler that publishes a metric on each of its paths: on one that published none,
powertools warns "No application metrics to publish" (the handler tests turn that warning into an error).
"""
from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
tracer = Tracer()
metrics = Metrics(namespace="waitflows")
