"""SQS consumer of the order queue: prepares each order and answers its task token."""
from lambda_shared.observability import logger, metrics, tracer
from lambda_shared.task_callbacks import TaskCallbacks
from queue_callback import container, flows


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event, context, task_callbacks: TaskCallbacks | None = None):
    return flows.consume(event, callbacks=task_callbacks or container.callbacks, context=context)
