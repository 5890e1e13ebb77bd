"""The job state machine's executions: started by POST /jobs, described by GET /jobs/{jobId}."""
import json
from typing import Any

from botocore.exceptions import ClientError

from lambda_shared import aws


class Executions:
    def __init__(self, state_machine_arn: str, sfn=None):
        self._arn = state_machine_arn
        self._given = sfn

    @property
    def _sfn(self):
        return self._given or aws.client("stepfunctions")

    def start(self, job_id: str, execution_input: dict[str, Any]) -> str:
        # Named by the job id, so a job has one execution at most. A retried POST /jobs is a new job (a new id)
        # unless it carries the Idempotency-Key of the first (lambda_shared.idempotency).
        started = self._sfn.start_execution(stateMachineArn=self._arn, name=job_id, input=json.dumps(execution_input))
        return started["executionArn"]

    def describe(self, execution_arn: str) -> dict | None:
        if not execution_arn:
            return None
        try:
            found = self._sfn.describe_execution(executionArn=execution_arn)
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ExecutionDoesNotExist":
                return None
            raise
        return {key: found.get(key) for key in ("status", "error", "cause")}
