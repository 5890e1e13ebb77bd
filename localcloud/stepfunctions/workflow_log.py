"""One log line per workflow event that matters, for `make local`'s quiet terminal: a run started, a run waits on
someone (a callback to a task token, a worker of an activity), a run ended and how.

Read from moto's engine in this process (the executions' histories), twice a second; nothing is written to an
execution. The lines go to the logger "localcloud.workflows", which the quiet console shows (localcloud/logs.py).
Task tokens never appear: the parameters of a task are read for a function's or a queue's name only.
"""
import json
import logging
import threading

from localcloud.cloudformation.stack import ACCOUNT, REGION

log = logging.getLogger("localcloud.workflows")
POLL_SECONDS = 0.5
_ENDINGS = {"ExecutionSucceeded": ("✔", "SUCCEEDED", None),
            "ExecutionFailed": ("✘", "FAILED", "executionFailedEventDetails"),
            "ExecutionTimedOut": ("✘", "TIMED_OUT", "executionTimedOutEventDetails"),
            "ExecutionAborted": ("■", "ABORTED", "executionAbortedEventDetails")}
_CAUSE_SHOWN = 160


def waits_for(event: dict) -> str | None:
    """Whom a scheduled task waits on, when it waits on someone outside the engine; None for any other task."""
    if event["type"] == "ActivityScheduled":
        activity = event["activityScheduledEventDetails"]["resource"].rsplit(":", 1)[-1]
        return f"a worker of activity {activity}"
    if event["type"] != "TaskScheduled":
        return None
    details = event["taskScheduledEventDetails"]
    if not details["resource"].endswith(".waitForTaskToken"):
        return None
    try:
        parameters = json.loads(details.get("parameters") or "{}")
    except ValueError:
        parameters = {}
    if details["resourceType"] == "lambda" and "FunctionName" in parameters:
        return f"a callback (its task token went to function {str(parameters['FunctionName']).rsplit(':', 1)[-1]})"
    if details["resourceType"] == "sqs" and "QueueUrl" in parameters:
        return f"a callback (its task token went to queue {str(parameters['QueueUrl']).rsplit('/', 1)[-1]})"
    return f"a callback (its task token went to {details['resourceType']}:{details['resource']})"


def describe(event: dict, *, run: str, state: str | None, seconds: float | None = None) -> str | None:
    """The line for one history event of `run` ("<state machine>/<execution>"), or None if it is not one to show.
    `state` is the state the event belongs to; `seconds` how long the run took (for its end)."""
    kind = event["type"]
    if kind == "ExecutionStarted":
        return f"▶ {run} started"
    whom = waits_for(event)
    if whom:
        return f"… {run}: {state or 'a task'} waits for {whom}"
    if kind in _ENDINGS:
        mark, status, details_key = _ENDINGS[kind]
        took = f" in {seconds:.1f}s" if seconds is not None else ""
        details = event.get(details_key, {}) if details_key else {}
        error = details.get("error")
        cause = (details.get("cause") or "").replace("\n", " ")
        shown = cause[:_CAUSE_SHOWN] + ("…" if len(cause) > _CAUSE_SHOWN else "")
        why = (f": {error}" + (f" ({shown})" if cause else "")) if error else ""
        return f"{mark} {run} {status}{took}{why}"
    return None


def lines(events: list[dict], *, run: str, seconds: float | None = None, state: str | None = None) -> list[str]:
    """The lines of a run's history events (in order), each naming the state it happened in; `state` is the one
    entered before the first of them."""
    found = []
    for event in events:
        if event["type"].endswith("StateEntered"):
            state = event["stateEnteredEventDetails"]["name"]
        line = describe(event, run=run, state=state, seconds=seconds)
        if line:
            found.append(line)
    return found


class WorkflowLog:
    """The part that follows every execution of the local cloud and logs its lines."""

    name = "workflow-log"

    def __init__(self, poll_seconds: float = POLL_SECONDS):
        self._poll_seconds = poll_seconds
        self._seen: dict[str, int] = {}        # execution ARN -> history events already looked at
        self._finished: set[str] = set()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, cloud) -> None:
        self._thread = threading.Thread(target=self._run, name="localcloud-workflow-log", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self._poll_seconds):
            try:
                self.poll()
            except Exception:   # a line not logged must not end the part; the next poll tries again
                log.debug("workflow log poll failed", exc_info=True)

    def poll(self) -> None:
        from moto.stepfunctions.parser.models import stepfunctions_parser_backends

        backend = stepfunctions_parser_backends[ACCOUNT][REGION]
        for machine in list(backend.state_machines):
            for execution in list(machine.executions):
                self._follow(machine.name, execution)

    def _follow(self, machine_name: str, execution) -> None:
        arn = execution.execution_arn
        if arn in self._finished or execution.exec_worker is None:
            return
        events = execution.to_history_output()["events"]
        new = events[self._seen.get(arn, 0):]
        if not new:
            return
        self._seen[arn] = len(events)
        ended = execution.stop_date is not None and events[-1]["type"] in _ENDINGS
        seconds = (execution.stop_date - execution.start_date).total_seconds() if ended else None
        # The state of the first new event may have been entered in an earlier poll: look back for it.
        state = next((e["stateEnteredEventDetails"]["name"] for e in reversed(events[:len(events) - len(new)])
                      if e["type"].endswith("StateEntered")), None)
        for line in lines(new, run=f"{machine_name}/{execution.name}", seconds=seconds, state=state):
            log.info(line)
        if ended:
            self._finished.add(arn)
            self._seen.pop(arn, None)
