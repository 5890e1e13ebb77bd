"""One activity worker: GetActivityTask (long poll), a heartbeat thread while working, then success or failure."""
import json
import logging
import threading
from typing import Callable

from botocore.exceptions import BotoCoreError, ClientError

from lambda_shared.task_errors import task_gone, worth_another_try
from order_work.activity import Heartbeat, Outcome, work_on_activity_task

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

    def _answer(self, token: str, outcome: Outcome, max_backoff: float = 30.0) -> None:
        """Answer until Step Functions takes it, says the task is over, or refuses it for good. The task keeps
        being heartbeaten meanwhile: a throttled answer must not lose the work to a heartbeat timeout."""
        with Heartbeat(lambda: self._beat(token), every=self._heartbeat):
            failures = 0
            while True:
                try:
                    self._send(token, outcome)
                    return
                except ClientError as exc:
                    if task_gone(exc):
                        log.warning("task already settled: %s", exc.response["Error"].get("Code"))
                        return
                    if not worth_another_try(exc) or self.stopping.is_set():
                        raise
                    failures += 1
                    log.warning("answer not taken (%s); trying again", exc.response["Error"].get("Code"))
                self.stopping.wait(min(max_backoff, self._heartbeat * 2 ** failures))

    def _send(self, token: str, outcome: Outcome) -> None:
        if outcome.succeeded:
            self._sfn.send_task_success(taskToken=token, output=json.dumps(outcome.output))
        else:
            self._sfn.send_task_failure(taskToken=token, error=outcome.error, cause=outcome.cause)
