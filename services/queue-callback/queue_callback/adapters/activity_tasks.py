"""GetActivityTask behind a small class: one long poll, and a task or None.

The poll has its own client: AWS holds GetActivityTask up to 60 s, so its socket must wait longer (65 s, AWS's
advice) than the shared clients' 30 s, and it makes one attempt only: the next scheduled tick is the retry, and a
retried long poll would outlive the Lambda.
"""
from dataclasses import dataclass

import boto3
from botocore.config import Config
from botocore.exceptions import ReadTimeoutError

from lambda_shared.observability import logger


@dataclass(frozen=True)
class ActivityTask:
    task_token: str
    task_input: str


class ActivityTasks:
    def __init__(self, activity_arn: str, read_timeout_seconds: int, sfn_client=None):
        self.activity_arn = activity_arn
        self._read_timeout = read_timeout_seconds
        self._client = sfn_client

    @property
    def _sfn(self):
        if self._client is None:
            config = Config(read_timeout=self._read_timeout, connect_timeout=5,
                            retries={"mode": "standard", "total_max_attempts": 1})
            self._client = boto3.client("stepfunctions", config=config)
        return self._client

    def take(self, worker_name: str) -> ActivityTask | None:
        """The next task of the activity, or None when the poll ends without one.

        A read timeout shorter than the server's poll is how the local stage asks for a short poll (the API has no
        such parameter): the local cloud gives no task to a poll whose client hung up
        (localcloud/stepfunctions/activities.py). On AWS the timeout is longer than the poll, so it only fires when the network failed.
        """
        try:
            answer = self._sfn.get_activity_task(activityArn=self.activity_arn, workerName=worker_name)
        except ReadTimeoutError:
            logger.info("activity poll ended by the client's read timeout", extra={"readTimeout": self._read_timeout})
            return None
        token = answer.get("taskToken")
        return ActivityTask(token, answer.get("input") or "{}") if token else None
