"""Scheduled worker of the pull model: once per tick, take at most one task of the pull activity and settle it."""
from lambda_shared.observability import logger, metrics, tracer
from lambda_shared.task_callbacks import TaskCallbacks
from queue_callback import container, flows
from queue_callback.adapters.activity_tasks import ActivityTasks

activity, HEARTBEAT_EVERY = container.pull_activity()   # checked at cold start


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event, context, activity_tasks: ActivityTasks | None = None, task_callbacks: TaskCallbacks | None = None):
    return flows.poll_activity_once(activity=activity_tasks or activity, callbacks=task_callbacks or container.callbacks,
                                    worker_name=f"lambda-{context.aws_request_id}", heartbeat_every=HEARTBEAT_EVERY)
