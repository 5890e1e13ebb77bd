"""Scheduled worker of the pull model: once per tick, take at most one task of the pull activity and settle it."""
from lambda_shared import settings
from lambda_shared.observability import logger, metrics, tracer
from lambda_shared.task_callbacks import TaskCallbacks
from queue_callback import flows
from queue_callback.adapters.activity_tasks import ActivityTasks
from order_work.activity import heartbeat_interval

HEARTBEAT_EVERY = heartbeat_interval(settings.required_int("ACTIVITY_HEARTBEAT_SECONDS"))
activity = ActivityTasks(settings.required("ORDER_PULL_ACTIVITY_ARN"),
                         read_timeout_seconds=settings.required_int("ACTIVITY_POLL_READ_TIMEOUT_SECONDS"))
callbacks = TaskCallbacks()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event, context, activity_tasks: ActivityTasks | None = None, task_callbacks: TaskCallbacks | None = None):
    return flows.poll_activity_once(activity=activity_tasks or activity, callbacks=task_callbacks or callbacks,
                                    worker_name=f"lambda-{context.aws_request_id}", heartbeat_every=HEARTBEAT_EVERY)
