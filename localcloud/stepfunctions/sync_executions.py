"""StartSyncExecution, as AWS runs it for Express state machines.

The gap: moto answers StartSyncExecution "Not yet implemented" (404; a 500 through the edge). AWS runs the Express
execution to its end and answers with its status, output (or error and cause), input and dates.
"""
import time
import uuid

SYNC_EXECUTION_LIMIT_SECONDS = 300   # an Express execution runs for at most five minutes


def start_sync_execution_runs_to_the_end() -> None:
    from moto.core.responses import ActionResult
    from moto.stepfunctions.responses import StepFunctionResponse

    if getattr(getattr(StepFunctionResponse, "start_sync_execution", None), "_localcloud_fix", False):
        return

    def start_sync_execution(self):
        backend = self.stepfunction_backend
        execution = backend.start_execution(self._get_param("stateMachineArn"), self._get_param("name") or str(uuid.uuid4()),
                                            self._get_param("input", if_none="{}"))
        deadline = time.monotonic() + SYNC_EXECUTION_LIMIT_SECONDS
        while str(getattr(execution.status, "value", execution.status)) == "RUNNING" and time.monotonic() < deadline:
            time.sleep(0.01)
            execution = backend.describe_execution(execution.execution_arn)
        status = str(getattr(execution.status, "value", execution.status))
        response = {"executionArn": execution.execution_arn, "stateMachineArn": execution.state_machine_arn,
                    "name": execution.name, "startDate": execution.start_date, "stopDate": execution.stop_date,
                    "status": "TIMED_OUT" if status == "RUNNING" else status, "input": execution.execution_input,
                    "inputDetails": {"included": True}, "billingDetails": {"billedMemoryUsedInMB": 64,
                                                                            "billedDurationInMilliseconds": 100}}
        if status == "SUCCEEDED":
            output = execution.output
            if output is not None and not isinstance(output, str):
                from moto.stepfunctions.parser.asl.utils.encoding import to_json_str
                output = to_json_str(output)
            response.update(output=output, outputDetails={"included": True})
        else:
            for field in ("error", "cause"):
                if getattr(execution, field, None) is not None:
                    response[field] = getattr(execution, field)
        return ActionResult(response)

    start_sync_execution._localcloud_fix = True
    StepFunctionResponse.start_sync_execution = start_sync_execution
