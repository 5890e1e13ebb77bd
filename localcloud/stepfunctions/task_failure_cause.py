"""SendTaskFailure's cause, kept as AWS keeps it.

The gap: SendTaskFailure drops its `cause`: the worker's or third party's explanation never reaches the execution.
"""
import inspect


def send_task_failure_keeps_cause() -> None:
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
