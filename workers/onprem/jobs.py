"""The work itself: a pluggable function `job(input: dict, context: JobContext) -> result` (any JSON value).

An exception it raises is reported as a failure carrying its type and message; JobCancelled (raised by
context.sleep()/context.check() once the job is stopped) is reported as a cancellation when the cloud asked for it,
and as the worker's own failure (WorkerStopped) when the worker is shutting down: a user's cancel and a stopped
worker end the run differently.
"""
import importlib
import threading
from typing import Any, Callable, Protocol


# Why a running job is told to stop.
ON_REQUEST = "request"      # the cloud asked (tenants/<tenant>/control)
SHUTDOWN = "shutdown"       # the worker is stopping (SIGTERM) and the job outlived the grace period


class JobCancelled(Exception):
    """The job was told to stop: `reason` says whether the cloud asked (ON_REQUEST) or the worker stops (SHUTDOWN)."""

    def __init__(self, message: str, reason: str = ON_REQUEST):
        super().__init__(message)
        self.reason = reason


class JobContext(Protocol):
    job_id: str

    def progress(self, percent: float, message: str = "") -> None: ...
    def check(self) -> None: ...                       # raises JobCancelled once the job is cancelled
    def sleep(self, seconds: float) -> None: ...       # like time.sleep, but a cancel interrupts it


Job = Callable[[dict, JobContext], Any]


def add(job_input: dict, context: JobContext) -> Any:
    """The article's example: {"a": 15, "b": 42} -> 57.

    An optional "seconds" stands in for slow on-premises work (a query, an export): the job then takes that long,
    reports its progress and stops when cancelled.
    """
    a, b = job_input["a"], job_input["b"]
    for value in (a, b):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"a and b must be numbers, got {type(a).__name__} and {type(b).__name__}")
    seconds = float(job_input.get("seconds", 0))
    steps = max(1, min(20, int(seconds * 4))) if seconds > 0 else 0
    for step in range(steps):
        context.progress(100 * step / steps, f"adding, step {step + 1} of {steps}")
        context.sleep(seconds / steps)
    context.check()
    context.progress(100, "done")
    return a + b


def load(spec: str) -> Job:
    """"package.module:function" -> the function."""
    module_name, _, function_name = spec.partition(":")
    if not module_name or not function_name:
        raise ValueError(f"a job is named module:function, got {spec!r}")
    function = getattr(importlib.import_module(module_name), function_name)
    if not callable(function):
        raise ValueError(f"{spec} is not callable")
    return function


class RunningJob:
    """The JobContext a job function receives; publishes through the worker."""

    def __init__(self, job_id: str, publish_progress: Callable[[str, int, float, str], None]):
        self.job_id = job_id
        self.cancelled = threading.Event()
        self.stop_reason = ON_REQUEST
        self.finished = threading.Event()
        self._publish_progress = publish_progress
        self._seq = 0
        self._seq_lock = threading.Lock()

    def progress(self, percent: float, message: str = "") -> None:
        # Each progress message carries its place in the job's sequence: messages travel through separate
        # asynchronous paths and may arrive out of order; the cloud keeps only the newest.
        with self._seq_lock:
            self._seq += 1
            seq = self._seq
            self._publish_progress(self.job_id, seq, max(0.0, min(100.0, float(percent))), message)

    def cancel(self, reason: str = ON_REQUEST) -> None:
        self.stop_reason = reason
        self.cancelled.set()

    def _stopped(self) -> JobCancelled:
        if self.stop_reason == SHUTDOWN:
            return JobCancelled(f"the worker stopped before job {self.job_id} finished", SHUTDOWN)
        return JobCancelled(f"job {self.job_id} was cancelled")

    def check(self) -> None:
        if self.cancelled.is_set():
            raise self._stopped()

    def sleep(self, seconds: float) -> None:
        if self.cancelled.wait(max(0.0, seconds)):
            raise self._stopped()
