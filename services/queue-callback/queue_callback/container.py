"""Settings and adapters of the queue-callback service, checked and built once per container."""
from functools import cache

from lambda_shared import settings
from lambda_shared.task_callbacks import TaskCallbacks
from order_work.activity import heartbeat_interval
from queue_callback.adapters.activity_tasks import ActivityTasks
from queue_callback.adapters.order_queue import OrderQueue

callbacks = TaskCallbacks()
order_queue = OrderQueue()


@cache
def pull_activity() -> tuple[ActivityTasks, float]:
    """The pull model's activity and how often to heartbeat its tasks: only its scheduled poller has these
    settings, and builds this at import (its cold start)."""
    activity = ActivityTasks(settings.required("ORDER_PULL_ACTIVITY_ARN"),
                             read_timeout_seconds=settings.required_int("ACTIVITY_POLL_READ_TIMEOUT_SECONDS"))
    return activity, heartbeat_interval(settings.required_int("ACTIVITY_HEARTBEAT_SECONDS"))
