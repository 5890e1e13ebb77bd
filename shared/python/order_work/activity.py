"""Working on one activity task: heartbeat while the order is prepared, then an outcome to report. Plain Python.

Shared by the two activity workers of this repo, so they cannot drift apart: the long-polling worker process
(python -m workers.activity) and the scheduled Lambda of the pull model (handlers/poll_order_activity.py). Each
brings its own way to heartbeat and to answer; nothing here talks to AWS.
"""
import threading
from dataclasses import dataclass
from typing import Callable

from order_work.orders import OrderRejected, parse_activity_input, prepare

MAX_CAUSE = 32768   # Step Functions' limit on a failure's cause


@dataclass(frozen=True)
class Outcome:
    """What to answer: SendTaskSuccess with `output`, or SendTaskFailure with `error` and `cause`."""
    output: dict | None = None
    error: str | None = None
    cause: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.error is None


def heartbeat_interval(heartbeat_seconds: float) -> float:
    """Beat three times per HeartbeatSeconds of the task, so one late beat does not lose the task."""
    return max(0.2, heartbeat_seconds / 3)


class Heartbeat:
    """Calls beat() every `every` seconds, from a thread, until the work ends (leaving the `with` block).

    A beat that raises (Step Functions refused it: the task timed out or was answered) stops the loop; the error
    is kept in `refused` for the caller to log.
    """

    def __init__(self, beat: Callable[[], None], every: float):
        self._beat, self._every = beat, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)
        self.beats = 0
        self.refused: Exception | None = None

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            try:
                self._beat()
            except Exception as exc:   # the beat is the caller's adapter call; any refusal ends the loop
                self.refused = exc
                return
            self.beats += 1


def prepare_activity_order(task_input: str, task_token: str, *, wait: Callable[[float], object]) -> Outcome:
    """Prepare the order an activity task carries. Never raises: every failure is an outcome to report.

    `wait(seconds)` stands for the slow part of the work (the order's workSeconds); it returns True when the work
    was cut short (the worker is stopping: Event.wait), and the order is then not reported as prepared.
    """
    try:
        task = parse_activity_input(task_input, task_token)
        result = prepare(task)
        if task.work_seconds and wait(task.work_seconds):
            return Outcome(error="WorkerStopped",
                           cause=f"the worker stopped before order {task.order_id} was prepared")
    except OrderRejected as exc:
        return Outcome(error="OrderRejected", cause=str(exc))
    except Exception as exc:   # any other failure is the task's failure, never a silent success
        return Outcome(error="WorkerFailed", cause=f"{type(exc).__name__}: {exc}"[:MAX_CAUSE])
    return Outcome(output=result)


def work_on_activity_task(task_input: str, task_token: str, *, beat: Callable[[], None], heartbeat_every: float,
                          wait: Callable[[float], object]) -> Outcome:
    """Heartbeat for as long as the order is being prepared, and not a moment longer."""
    with Heartbeat(beat, heartbeat_every):
        return prepare_activity_order(task_input, task_token, wait=wait)
