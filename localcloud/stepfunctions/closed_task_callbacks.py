"""A callback for a task that has already ended answers TaskTimedOut, as AWS answers it.

The gap: moto looks a task token up among the RUNNING executions only, and takes any number of outcomes for it.
SendTaskHeartbeat or SendTaskSuccess for a task whose execution has ended answers InvalidToken (AWS's answer
for a token it never issued), SendTaskFailure for it answers success, and a second outcome for a task that has
already taken one is accepted. AWS answers TaskTimedOut: "The task token has either expired or the task associated
with the token has already been closed" (the API reference of SendTaskHeartbeat, SendTaskSuccess and
SendTaskFailure). A worker that tells "too late" from "wrong token" by that code could not locally.
Fixed: a token some execution issued, whose execution has ended or whose task has taken its outcome, is answered
TaskTimedOut by all three calls; a token never issued keeps moto's InvalidToken.
"""
import functools

# The error's documented meaning (AWS's own message text is not documented; the code is what clients match).
CLOSED = "The task token has either expired or the task associated with the token has already been closed."


def _task_has_closed(backend, task_token: str) -> bool:
    for execution in backend._get_executions():
        worker = getattr(execution, "exec_worker", None)
        endpoint = worker.env.callback_pool_manager.get(task_token) if worker is not None else None
        if endpoint is not None:
            return str(getattr(execution.status, "value", execution.status)) != "RUNNING" or (
                endpoint.get_outcome() is not None)
    return False


def callbacks_for_closed_tasks_time_out() -> None:
    from moto.stepfunctions.parser.api import TaskTimedOut
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    if getattr(StepFunctionsParserBackend.send_task_success, "_localcloud_fix", False):
        return

    def refuse_closed_tasks(call):
        @functools.wraps(call)   # keeps the signature: task_failure_cause.py reads it
        def checked(self, task_token, *args, **kwargs):
            if _task_has_closed(self, task_token):
                raise TaskTimedOut(CLOSED, exception_type="TaskTimedOut")
            return call(self, task_token, *args, **kwargs)

        checked._localcloud_fix = True
        return checked

    for name in ("send_task_heartbeat", "send_task_success", "send_task_failure"):
        setattr(StepFunctionsParserBackend, name, refuse_closed_tasks(getattr(StepFunctionsParserBackend, name)))
