"""One activity worker: GetActivityTask (long poll), a heartbeat thread while working, then success or failure."""
import json
import logging
import threading
from typing import Callable

from botocore.exceptions import ClientError

from workers.activity.work import OrderRejected, prepare

log = logging.getLogger("workers.activity")
_GONE = {"TaskTimedOut", "TaskDoesNotExist", "InvalidToken"}


class Heartbeat:
    """Sends SendTaskHeartbeat every `every` seconds until stopped, so a worker that dies is noticed quickly."""

    def __init__(self, sfn, task_token: str, every: float):
        self._sfn, self._token, self._every = sfn, task_token, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            try:
                self._sfn.send_task_heartbeat(taskToken=self._token)
            except ClientError as exc:
                log.warning("heartbeat refused: %s", exc.response["Error"].get("Code"))
                return


class ActivityWorker:
    def __init__(self, sfn, activity_arn: str, name: str, heartbeat_seconds: float,
                 sleep: Callable[[float], None] | None = None):
        self._sfn, self._arn, self._name, self._heartbeat = sfn, activity_arn, name, heartbeat_seconds
        self._sleep = sleep
        self.stopping = threading.Event()

    def run_forever(self) -> None:
        log.info("worker %s polling %s", self._name, self._arn)
        while not self.stopping.is_set():
            self.run_once()

    def run_once(self) -> bool:
        """Take at most one task and settle it. True if there was one."""
        task = self._sfn.get_activity_task(activityArn=self._arn, workerName=self._name)
        token = task.get("taskToken")
        if not token:
            return False
        with Heartbeat(self._sfn, token, self._heartbeat):
            try:
                task_input = json.loads(task.get("input") or "{}")
                result, seconds = prepare(task_input)
                if seconds:
                    (self._sleep or self.stopping.wait)(seconds)
            except OrderRejected as exc:
                return self._answer(self._sfn.send_task_failure, taskToken=token, error="OrderRejected",
                                    cause=str(exc))
            except Exception as exc:   # any other failure is the task's failure, never a silent success
                return self._answer(self._sfn.send_task_failure, taskToken=token, error="WorkerFailed",
                                    cause=f"{type(exc).__name__}: {exc}"[:32768])
        return self._answer(self._sfn.send_task_success, taskToken=token, output=json.dumps(result))

    @staticmethod
    def _answer(call, **kwargs) -> bool:
        try:
            call(**kwargs)
        except ClientError as exc:
            if exc.response["Error"].get("Code") not in _GONE:
                raise
            log.warning("task already settled: %s", exc.response["Error"].get("Code"))
        return True
