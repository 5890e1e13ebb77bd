"""Logger, Tracer and Metrics, created once per container from POWERTOOLS_SERVICE_NAME.

Handlers stack the decorators in one fixed order:

    @logger.inject_lambda_context
    @tracer.capture_lambda_handler
    @metrics.log_metrics
    def handler(event, context): ...
"""
from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
tracer = Tracer()
metrics = Metrics(namespace="waitflows")
