"""What happened to each state of an execution, computed from its event history (GetExecutionHistory events).

A state is one of:
    succeeded    entered and exited normally
    caught       its last attempt failed and a Catch moved the execution on (it exited after a failure)
    failed       a Fail state that was entered, or a state still open when the execution failed
    in_progress  entered, not exited, and the execution is still running
    not_reached  never entered
A state entered several times (a loop, Map iterations) shows the most telling outcome:
in_progress > failed > caught > succeeded.

The owner of a task-level event (TaskFailed, LambdaFunctionFailed, ActivityTimedOut, ParallelStateFailed...) is
found by following previousEventId back to the StateEntered event that started it, as AWS chains them; that holds
for branches of a Parallel or Map running side by side. Plain data only: tests/unit/test_console_progress.py.
"""
from dataclasses import dataclass, field

SUCCEEDED, CAUGHT, FAILED, IN_PROGRESS, NOT_REACHED = "succeeded", "caught", "failed", "in_progress", "not_reached"
_RANK = {SUCCEEDED: 1, CAUGHT: 2, FAILED: 3, IN_PROGRESS: 4}
_FAILURE_SUFFIXES = ("Failed", "TimedOut", "Aborted")
_OWNED_PREFIXES = ("Task", "LambdaFunction", "Activity", "Parallel", "Map")   # events a state emits while it runs
_EXECUTION_FAILED = {"FAILED", "TIMED_OUT", "ABORTED"}


@dataclass
class StateRun:
    name: str
    type: str = ""
    status: str = NOT_REACHED
    entered: int = 0
    attempts_failed: int = 0          # failed task attempts (retried or caught)
    input: str | None = None          # of the latest entry
    output: str | None = None         # of the latest exit
    error: str | None = None          # of the latest failure
    cause: str | None = None
    _open: int = 0
    _last_attempt_failed: bool = False
    _outcomes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"name": self.name, "type": self.type, "status": self.status, "entered": self.entered,
                "attemptsFailed": self.attempts_failed, "input": self.input, "output": self.output,
                "error": self.error, "cause": self.cause}


def state_runs(events: list[dict], execution_status: str, state_names: list[str] = ()) -> dict[str, StateRun]:
    """name -> StateRun for every state named in the definition (not reached ones too) and every state in events."""
    runs = {name: StateRun(name) for name in state_names}
    by_id = {event["id"]: event for event in events}
    for event in sorted(events, key=lambda e: e["id"]):
        kind = event["type"]
        if kind.endswith("StateEntered"):
            details = event["stateEnteredEventDetails"]
            run = runs.setdefault(details["name"], StateRun(details["name"]))
            run.type = kind[: -len("StateEntered")]
            run.entered += 1
            run._open += 1
            run.input = details.get("input")
            run._last_attempt_failed = False
            if run.type == "Fail":
                run._outcomes.append(FAILED)
                run._open -= 1
        elif kind.endswith("StateExited"):
            details = event["stateExitedEventDetails"]
            run = runs.setdefault(details["name"], StateRun(details["name"]))
            run.output = details.get("output")
            if run._open:
                run._open -= 1
            run._outcomes.append(CAUGHT if run._last_attempt_failed else SUCCEEDED)
        elif kind.startswith(_OWNED_PREFIXES):
            owner = _owner(event, by_id)
            if owner is None:
                continue
            run = runs.setdefault(owner, StateRun(owner))
            if kind.endswith(_FAILURE_SUFFIXES):
                details = _details(event)
                run.attempts_failed += 1
                run._last_attempt_failed = True
                run.error, run.cause = details.get("error"), details.get("cause")
            elif kind.endswith(("Scheduled", "Started", "Succeeded")):
                run._last_attempt_failed = False
    for run in runs.values():
        outcomes = list(run._outcomes)
        if run._open:
            outcomes.append(FAILED if execution_status in _EXECUTION_FAILED or run._last_attempt_failed else
                            IN_PROGRESS if execution_status == "RUNNING" else SUCCEEDED)
        run.status = max(outcomes, key=_RANK.__getitem__) if outcomes else NOT_REACHED
    return runs


def transitions(events: list[dict]) -> list[tuple[str, str]]:
    """(from, to) for each state entered right after another one exited: the edges the execution took."""
    by_id = {event["id"]: event for event in events}
    taken = []
    for event in events:
        if not event["type"].endswith("StateEntered"):
            continue
        previous = by_id.get(event.get("previousEventId"))
        if previous and previous["type"].endswith("StateExited"):
            pair = (previous["stateExitedEventDetails"]["name"], event["stateEnteredEventDetails"]["name"])
            if pair not in taken:
                taken.append(pair)
    return taken


def _details(event: dict) -> dict:
    for key, value in event.items():
        if key.endswith("EventDetails") and isinstance(value, dict):
            return value
    return {}


def _owner(event: dict, by_id: dict[int, dict]) -> str | None:
    """The state whose StateEntered event starts the previousEventId chain this event ends: a Task for task-level
    events, the Parallel or the Map for their own events (skipping the states of their branches on the way)."""
    wanted = next((p for p in ("Parallel", "Map") if event["type"].startswith(p)), "Task") + "StateEntered"
    seen = set()
    current = by_id.get(event.get("previousEventId"))
    while current is not None and current["id"] not in seen:
        seen.add(current["id"])
        kind = current["type"]
        if kind == wanted:
            return current["stateEnteredEventDetails"]["name"]
        if kind.endswith("StateExited"):
            # A Parallel/Map's own events may follow the exit of a state in one of its branches: skip that branch.
            current = _entered_of(current, by_id)
            if current is None:
                return None
        current = by_id.get(current.get("previousEventId"))
    return None


def _entered_of(exited: dict, by_id: dict[int, dict]) -> dict | None:
    name = exited["stateExitedEventDetails"]["name"]
    candidates = [e for e in by_id.values() if e["id"] < exited["id"] and e["type"].endswith("StateEntered")
                  and e["stateEnteredEventDetails"]["name"] == name]
    return max(candidates, key=lambda e: e["id"]) if candidates else None
