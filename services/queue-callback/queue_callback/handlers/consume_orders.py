"""SQS consumer of the order queue: prepares each order and answers its task token."""
from lambda_shared.observability import logger, metrics, tracer
from lambda_shared.task_callbacks import TaskCallbacks
from queue_callback import container, flows
from queue_callback.adapters.order_queue import OrderQueue


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event, context, task_callbacks: TaskCallbacks | None = None, order_queue: OrderQueue | None = None):
    return flows.consume(event, callbacks=task_callbacks or container.callbacks,
                         queue=order_queue or container.order_queue, context=context)
