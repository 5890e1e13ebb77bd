"""Every place where the pinned moto falls short of AWS for this project, fixed in one module.

Each fix names the gap it closes; tests/localcloud/test_moto_gaps.py asserts that the gap still exists in the
pinned moto, so upgrading moto tells us when a fix has become unnecessary (that test fails and says so).

Gaps fixed here:
1. StartExecution without a name: moto's engine backend records the execution under the name None, so a second
   nameless start fails with ExecutionAlreadyExists. AWS generates a UUID. -> fill_execution_name()
2. The Step Functions engine only runs in moto when its config asks for it (execute_state_machine); without it
   executions never leave RUNNING. -> enable_state_machine_execution()
3. A waitForTaskToken task with HeartbeatSeconds misses a callback that arrives while its Lambda invoke is still
   running (the heartbeat wait is set up only after the invoke returns, and starts unsignalled), so the task dies
   by heartbeat timeout although its result arrived. On AWS an early callback completes the task.
   -> _heartbeat_sees_early_callback()
4. A heartbeat timeout fails the task with States.Timeout; AWS names it States.HeartbeatTimeout, which a Catch
   uses to tell a worker that died (no heartbeat) from a job that ran too long. -> _heartbeat_timeout_error_name()
5. SendTaskFailure drops its `cause`: the worker's or third party's explanation never reaches the execution.
   -> _send_task_failure_keeps_cause()
6. Executions start with an empty activity store, so an activity task never reaches a worker. -> enable_activities()
7. GetActivityTask is not answered. -> get_activity_task()
8. An activity's missed heartbeat is named States.Timeout, not States.HeartbeatTimeout. -> enable_activities()
9. RDS snapshots are "available" the instant they are created and emit no event. -> localcloud/rds/snapshots.py
10. Server mode finds the backend of every request by listing and stat-ing moto's ~200 module folders and trying
    hundreds of URL patterns, under one global lock: every AWS call of the whole cloud queues behind that scan.
    -> _remember_backend_of_each_host()
11. The engine builds a new boto3 client (and a new connection) for every task it runs, always with the same fake
    credentials: a task never acts as the state machine's role, so IAM could not judge it. Clients are reused,
    one per region, service and role, signed with a session of that role. -> _reuse_engine_clients(),
    act_as_state_machine_roles()
"""
import inspect
import json
import threading
import time
import uuid
from typing import Callable

from moto.core.config import default_user_config


def enable_state_machine_execution() -> None:
    """Gap 2: make moto's Step Functions backend execute definitions (its ASL engine) instead of only storing them."""
    default_user_config.setdefault("stepfunctions", {})["execute_state_machine"] = True
    _heartbeat_sees_early_callback()
    _heartbeat_timeout_error_name()
    _send_task_failure_keeps_cause()
    _remember_backend_of_each_host()
    _reuse_engine_clients()


def _remember_backend_of_each_host() -> None:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    original = DomainDispatcherApplication.get_backend_for_host
    if getattr(original, "_localcloud_fix", False):
        return
    found: dict = {}

    def get_backend_for_host(self, host):
        # A pure function of the host name: moto's modules and URL patterns do not change while it runs.
        if host not in found:
            found[host] = original(self, host)
        return found[host]

    get_backend_for_host._localcloud_fix = True
    get_backend_for_host.__wrapped__ = original
    DomainDispatcherApplication.get_backend_for_host = get_backend_for_host


# Every engine module that calls boto_client_for (they import it by name), so all are patched, loaded or not.
_ENGINE_CLIENT_USERS = [f"moto.stepfunctions.parser.asl.component.state.exec.{name}" for name in (
    "state_map.item_reader.eval.resource_eval_s3", "state_map.result_writer.resource_eval.resource_eval_s3",
    "state_task.lambda_eval_utils", *(f"state_task.service.state_task_service_{service}" for service in (
        "aws_sdk", "batch", "dynamodb", "ecs", "events", "glue", "sfn", "sns", "sqs", "unsupported")))]


# role ARN -> (access key id, secret access key, session token) of a session in it; set by the local cloud.
_role_credentials: list = []


def act_as_state_machine_roles(credentials_of: Callable[[str], tuple[str, str, str]]) -> None:
    """Gap 11: the engine's tasks sign their calls with a session of the execution's role (what IAM then judges)."""
    _role_credentials[:] = [credentials_of]


def _reuse_engine_clients() -> None:
    import importlib
    from functools import lru_cache

    import boto3
    from botocore.config import Config
    from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import TimeoutSeconds
    from moto.stepfunctions.parser.asl.utils import boto_client
    from moto.settings import moto_server_port

    original = boto_client.boto_client_for
    if getattr(original, "_localcloud_fix", False):
        return

    @lru_cache(maxsize=None)
    def cached(region: str, service: str, role_arn: str | None):
        if role_arn is None or not _role_credentials:
            return original(region=region, service=service)
        key, secret, token = _role_credentials[0](role_arn)
        # As the engine's own factory makes them (no retries: the state machine's Retry owns them), with the role.
        return boto3.client(service, region_name=region, endpoint_url=f"http://localhost:{moto_server_port()}",
                            aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token,
                            config=Config(parameter_validation=False,
                                          retries={"max_attempts": 0, "total_max_attempts": 1},
                                          connect_timeout=TimeoutSeconds.DEFAULT_TIMEOUT_SECONDS,
                                          read_timeout=TimeoutSeconds.DEFAULT_TIMEOUT_SECONDS))

    def boto_client_for(region, service, state_credentials=None):
        # boto3 clients are thread-safe: one per region, service and the execution's role (StateCredentials).
        return cached(region, service, getattr(state_credentials, "role_arn", None))

    boto_client_for._localcloud_fix = True
    boto_client_for.__wrapped__ = original
    for name in _ENGINE_CLIENT_USERS:
        module = importlib.import_module(name)
        if getattr(module, "boto_client_for", None) is not original:
            raise RuntimeError(f"{name} no longer uses boto_client_for: revisit moto gap 11")
        module.boto_client_for = boto_client_for
    boto_client.boto_client_for = boto_client_for


def _send_task_failure_keeps_cause() -> None:
    from moto.core.responses import EmptyResult
    from moto.stepfunctions.responses import StepFunctionResponse

    if getattr(StepFunctionResponse.send_task_failure, "_localcloud_fix", False):
        return

    def send_task_failure(self):
        backend = self.stepfunction_backend
        extra = {}
        # Only the engine's backend keeps a cause; the plain one (engine off) takes none.
        if "cause" in inspect.signature(backend.send_task_failure).parameters:
            extra["cause"] = self._get_param("cause")
        backend.send_task_failure(self._get_param("taskToken"), error=self._get_param("error"), **extra)
        return EmptyResult()

    send_task_failure._localcloud_fix = True
    StepFunctionResponse.send_task_failure = send_task_failure


def _heartbeat_sees_early_callback() -> None:
    from moto.stepfunctions.parser.asl.eval.callback.callback import CallbackEndpoint

    original = CallbackEndpoint.setup_heartbeat_endpoint
    if getattr(original, "_localcloud_fix", False):
        return

    def setup_heartbeat_endpoint(self, heartbeat_seconds):
        endpoint = original(self, heartbeat_seconds)
        # notify() signals the heartbeat endpoint once it exists; an outcome that came earlier must count too.
        if self.get_outcome() is not None:
            endpoint.notify()
        return endpoint

    setup_heartbeat_endpoint._localcloud_fix = True
    setup_heartbeat_endpoint.__wrapped__ = original
    CallbackEndpoint.setup_heartbeat_endpoint = setup_heartbeat_endpoint


def _heartbeat_timeout_error_name() -> None:
    from moto.stepfunctions.parser.api import HistoryEventType, TaskTimedOutEventDetails
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.state_task import StateTask

    _name_heartbeat_timeouts(StateTask, HistoryEventType.TaskTimedOut,
                             lambda error: {"taskTimedOutEventDetails": TaskTimedOutEventDetails(error=error)})


def _name_heartbeat_timeouts(state_class, event_type, event_details) -> None:
    """Gaps 4 and 8: a state's missed heartbeat fails it with States.HeartbeatTimeout, as on AWS."""
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEvent
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.eval.callback.callback import HeartbeatTimeoutError
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    original = state_class._from_error
    if getattr(original, "_localcloud_fix", False):
        return

    def _from_error(self, env, ex):
        if isinstance(ex, HeartbeatTimeoutError):
            name = StatesErrorNameType.StatesHeartbeatTimeout
            return FailureEvent(env=env, error_name=StatesErrorName(typ=name), event_type=event_type,
                                event_details=EventDetails(**event_details(name.to_name())))
        return original(self, env, ex)

    _from_error._localcloud_fix = True
    state_class._from_error = _from_error


def fill_execution_name(body: bytes) -> bytes:
    """Gap 1: give a nameless StartExecution the UUID name AWS would generate."""
    try:
        request = json.loads(body or b"{}")
    except json.JSONDecodeError:
        return body   # let moto answer the malformed request as AWS would
    if request.get("name"):
        return body
    request["name"] = str(uuid.uuid4())
    return json.dumps(request).encode()


# X-Amz-Target -> request body rewrite, applied by the edge before moto sees the request.
REQUEST_FIXES = {
    "AWSStepFunctions.StartExecution": fill_execution_name,
    "AWSStepFunctions.StartSyncExecution": fill_execution_name,
}


# --- gaps 6-8: activities ------------------------------------------------------------------------------------------
_ACTIVITY_POLL_SECONDS = 60          # GetActivityTask holds a request this long, as AWS does
_activity_tasks: dict[str, "object"] = {}   # activity ARN -> moto parser Activity (the engine's task queue)
_activity_tasks_lock = threading.Lock()
_activity_task_added = threading.Condition()


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
    """Gaps 6 and 8: executions see the created activities; an activity's missed heartbeat is a HeartbeatTimeout."""
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

    _name_heartbeat_timeouts(
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
                worker = getattr(execution, "exec_worker", None)
                endpoint = worker.env.callback_pool_manager.get(task_token) if worker else None
                if isinstance(endpoint, ActivityCallbackEndpoint):
                    return endpoint
    return None


def get_activity_task(body: bytes, *, poll_seconds: float = _ACTIVITY_POLL_SECONDS,
                      stopping: threading.Event | None = None,
                      poller_gone: Callable[[], bool] | None = None) -> tuple[int, dict]:
    """Gap 7: GetActivityTask. Hands out the oldest task of a still-running execution, waiting up to poll_seconds.

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
