"""Adapter for the Step Functions callback API (SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat).

Logic and handlers talk to this small class, never to boto3, so tests can hand them a fake.
"""
import json
from typing import Any

from lambda_shared import aws
from lambda_shared.observability import logger
from lambda_shared.tokens import token_fingerprint

# Step Functions limits: error 256 characters, cause 32768.
_MAX_ERROR = 256
_MAX_CAUSE = 32768


class TaskCallbacks:
    def __init__(self, sfn_client=None):
        self._client = sfn_client

    @property
    def _sfn(self):
        return self._client or aws.client("stepfunctions")

    def succeed(self, task_token: str, output: Any) -> None:
        logger.info("SendTaskSuccess", extra={"task": token_fingerprint(task_token)})
        self._sfn.send_task_success(taskToken=task_token, output=json.dumps(output))

    def fail(self, task_token: str, error: str, cause: str) -> None:
        logger.info("SendTaskFailure", extra={"task": token_fingerprint(task_token), "error": error})
        self._sfn.send_task_failure(taskToken=task_token, error=error[:_MAX_ERROR], cause=cause[:_MAX_CAUSE])

    def heartbeat(self, task_token: str) -> None:
        self._sfn.send_task_heartbeat(taskToken=task_token)
