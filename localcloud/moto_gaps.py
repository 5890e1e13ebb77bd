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
"""
import json
import uuid

from moto.core.config import default_user_config


def enable_state_machine_execution() -> None:
    """Gap 2: make moto's Step Functions backend execute definitions (its ASL engine) instead of only storing them."""
    default_user_config.setdefault("stepfunctions", {})["execute_state_machine"] = True
    _heartbeat_sees_early_callback()
    _heartbeat_timeout_error_name()
    _send_task_failure_keeps_cause()


def _send_task_failure_keeps_cause() -> None:
    from moto.core.responses import EmptyResult
    from moto.stepfunctions.responses import StepFunctionResponse

    if getattr(StepFunctionResponse.send_task_failure, "_localcloud_fix", False):
        return

    def send_task_failure(self):
        self.stepfunction_backend.send_task_failure(
            self._get_param("taskToken"), error=self._get_param("error"), cause=self._get_param("cause"))
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
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEvent
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.state_task import StateTask
    from moto.stepfunctions.parser.asl.eval.callback.callback import HeartbeatTimeoutError
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    original = StateTask._from_error
    if getattr(original, "_localcloud_fix", False):
        return

    def _from_error(self, env, ex):
        if isinstance(ex, HeartbeatTimeoutError):
            name = StatesErrorNameType.StatesHeartbeatTimeout
            return FailureEvent(
                env=env,
                error_name=StatesErrorName(typ=name),
                event_type=HistoryEventType.TaskTimedOut,
                event_details=EventDetails(taskTimedOutEventDetails=TaskTimedOutEventDetails(error=name.to_name())),
            )
        return original(self, env, ex)

    _from_error._localcloud_fix = True
    StateTask._from_error = _from_error


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
