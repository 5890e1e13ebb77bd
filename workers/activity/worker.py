"""One activity worker: GetActivityTask (long poll), a heartbeat thread while working, then success or failure."""
import json
import logging
import threading
from typing import Callable

from botocore.exceptions import BotoCoreError, ClientError

from lambda_shared.task_errors import task_gone
from order_work.activity import Outcome, work_on_activity_task

log = logging.getLogger("workers.activity")


class ActivityWorker:
    def __init__(self, sfn, activity_arn: str, name: str, heartbeat_seconds: float,
                 sleep: Callable[[float], None] | None = None):
        self._sfn, self._arn, self._name, self._heartbeat = sfn, activity_arn, name, heartbeat_seconds
        self._sleep = sleep
        self.stopping = threading.Event()

    def run_forever(self, max_backoff: float = 30.0) -> None:
        """Poll until stopped. A failed call (the network, throttling, a refused answer) is logged and the loop goes
        on after a growing pause: one passing error must not end the worker."""
        log.info("worker %s polling %s", self._name, self._arn)
        failures = 0
        while not self.stopping.is_set():
            try:
                self.run_once()
                failures = 0
            except (ClientError, BotoCoreError) as exc:
                failures += 1
                pause = min(max_backoff, 0.5 * 2 ** failures)
                log.warning("worker %s: %s; polling again in %.1fs", self._name, exc, pause)
                self.stopping.wait(pause)

    def run_once(self) -> bool:
        """Take at most one task and settle it. True if there was one."""
        task = self._sfn.get_activity_task(activityArn=self._arn, workerName=self._name)
        token = task.get("taskToken")
        if not token:
            return False
        outcome = work_on_activity_task(task.get("input") or "{}", token, beat=lambda: self._beat(token),
                                        heartbeat_every=self._heartbeat, wait=self._sleep or self.stopping.wait)
        self._answer(token, outcome)
        return True

    def _beat(self, token: str) -> None:
        try:
            self._sfn.send_task_heartbeat(taskToken=token)
        except ClientError as exc:
            log.warning("heartbeat refused: %s", exc.response["Error"].get("Code"))
            raise

    def _answer(self, token: str, outcome: Outcome) -> None:
        try:
            if outcome.succeeded:
                self._sfn.send_task_success(taskToken=token, output=json.dumps(outcome.output))
            else:
                self._sfn.send_task_failure(taskToken=token, error=outcome.error, cause=outcome.cause)
        except ClientError as exc:
            if not task_gone(exc):
                raise
            log.warning("task already settled: %s", exc.response["Error"].get("Code"))
