"""Step Functions activities, as AWS runs them: the engine's activity tasks reach workers through GetActivityTask.

The gaps:
- executions start with an empty activity store, so an activity task never reaches a worker -> enable_activities()
- GetActivityTask is not answered -> get_activity_task(), served at the AWS endpoint by the Activities part
- an activity's missed heartbeat is named States.Timeout, not States.HeartbeatTimeout -> enable_activities()
"""
import json
import threading
import time
from typing import Callable

from werkzeug.wrappers import Request, Response

from localcloud.edge.server import aws_json, client_hung_up, target_of
from localcloud.stepfunctions.heartbeat_timeouts import name_heartbeat_timeouts

_ACTIVITY_POLL_SECONDS = 60          # GetActivityTask holds a request this long, as AWS does
_activity_tasks: dict[str, "object"] = {}   # activity ARN -> moto parser Activity (the engine's task queue)
_activity_tasks_lock = threading.Lock()
_activity_task_added = threading.Condition()


class Activities:
    """GetActivityTask at the AWS endpoint, long-polling moto's engine."""
    name = "activities"

    def __init__(self):
        self._stopping = threading.Event()

    def start(self, cloud) -> None:
        enable_activities()
        cloud.edge.add_route(lambda request, body: target_of(request) == "AWSStepFunctions.GetActivityTask",
                             self._get_activity_task)

    def stop(self) -> None:
        self._stopping.set()

    def _get_activity_task(self, request: Request, body: bytes) -> Response:
        status, answer = get_activity_task(body, stopping=self._stopping, poller_gone=client_hung_up(request))
        return aws_json(status, answer)


def _engine_activity(activity_arn: str):
    """The engine's task queue for a CreateActivity'd activity (None for an activity nobody created)."""
    from moto.stepfunctions.models import stepfunctions_backends
    from moto.stepfunctions.parser.backend.activity import Activity
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    with _activity_tasks_lock:
        if activity_arn not in _activity_tasks:
            parts = activity_arn.split(":")
            if len(parts) < 7:
                return None
            region, account = parts[3], parts[4]
            known = (stepfunctions_parser_backends[account][region].activities.keys()
                     | stepfunctions_backends[account][region].activities.keys())
            if activity_arn not in known:
                return None
            _activity_tasks[activity_arn] = Activity(arn=activity_arn, name=parts[6])
        return _activity_tasks[activity_arn]


class _ActivityStore(dict):
    """What an execution's CallbackPoolManager asks for activities: every created activity, one queue each."""

    def get(self, activity_arn, default=None):
        activity = _engine_activity(activity_arn)
        if activity is None:
            return default
        original = activity.add_task
        if not getattr(original, "_localcloud_fix", False):
            def add_task(task):
                original(task)
                with _activity_task_added:
                    _activity_task_added.notify_all()
            add_task._localcloud_fix = True
            activity.add_task = add_task
        return activity


def enable_activities() -> None:
    """Executions see the created activities; an activity's missed heartbeat is a HeartbeatTimeout."""
    from moto.stepfunctions.parser import models as parser_models
    from moto.stepfunctions.parser.api import ActivityTimedOutEventDetails, HistoryEventType
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.state_task_activitiy import (
        StateTaskActivity,
    )

    execution_class = parser_models.Execution
    if not getattr(execution_class, "_localcloud_fix", False):
        class ExecutionWithActivities(execution_class):
            _localcloud_fix = True

            def __init__(self, *args, **kwargs):
                if not kwargs.get("activity_store"):
                    kwargs["activity_store"] = _ActivityStore()
                super().__init__(*args, **kwargs)

        parser_models.Execution = ExecutionWithActivities

    name_heartbeat_timeouts(
        StateTaskActivity, HistoryEventType.ActivityTimedOut,
        lambda error: {"activityTimedOutEventDetails": ActivityTimedOutEventDetails(error=error)})


def _waiting_endpoint(task_token: str):
    """The activity callback endpoint of a RUNNING execution waiting on this token, if any."""
    from moto.stepfunctions.parser.api import ExecutionStatus
    from moto.stepfunctions.parser.asl.eval.callback.callback import ActivityCallbackEndpoint
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    for account, regions in stepfunctions_parser_backends.items():
        for region, backend in regions.items():
            for execution in backend._get_executions(ExecutionStatus.RUNNING):
                # An execution that is just starting has a worker but no environment yet: it waits on no token.
                # (Read as worker.env, it raised here and the task taken off the queue was lost to its timeout.)
                env = getattr(getattr(execution, "exec_worker", None), "env", None)
                endpoint = env.callback_pool_manager.get(task_token) if env else None
                if isinstance(endpoint, ActivityCallbackEndpoint):
                    return endpoint
    return None


def get_activity_task(body: bytes, *, poll_seconds: float = _ACTIVITY_POLL_SECONDS,
                      stopping: threading.Event | None = None,
                      poller_gone: Callable[[], bool] | None = None) -> tuple[int, dict]:
    """GetActivityTask. Hands out the oldest task of a still-running execution, waiting up to poll_seconds.

    Returns (status, JSON body) as the Step Functions API answers: {} when no task came (AWS: taskToken absent).
    poller_gone() tells whether the worker behind this long poll hung up (it was killed, or its client timed out):
    such a poll takes no task, which would otherwise be lost until its heartbeat timeout.
    """
    request = json.loads(body or b"{}")
    activity_arn, worker_name = request.get("activityArn", ""), request.get("workerName")
    activity = _engine_activity(activity_arn)
    if activity is None:
        return 400, {"__type": "ActivityDoesNotExist", "message": f"Activity Does Not Exist: '{activity_arn}'"}
    deadline = time.monotonic() + poll_seconds
    while True:
        if poller_gone is not None and poller_gone():
            return 200, {}
        with _activity_tasks_lock:
            task = activity._tasks.popleft() if activity._tasks else None
        if task is not None:
            endpoint = _waiting_endpoint(task.task_token)
            if endpoint is None:
                continue   # its execution ended (timed out, stopped) before any worker came: AWS drops it too
            endpoint.notify_activity_task_start(worker_name=worker_name)
            return 200, {"taskToken": task.task_token, "input": task.task_input}
        remaining = deadline - time.monotonic()
        if remaining <= 0 or (stopping is not None and stopping.is_set()):
            return 200, {}
        with _activity_task_added:
            _activity_task_added.wait(timeout=min(remaining, 0.5))
