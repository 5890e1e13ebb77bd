"""Each state's outcome from an execution history, as GetExecutionHistory returns it."""
from localcloud.console.progress import state_runs, transitions


class History:
    """Builds events chained by previousEventId, as Step Functions does."""

    def __init__(self):
        self.events: list[dict] = []

    def add(self, kind: str, previous: int | None = None, **details) -> int:
        event_id = len(self.events) + 1
        event = {"id": event_id, "type": kind,
                 "previousEventId": previous if previous is not None else event_id - 1}
        if kind.endswith("StateEntered"):
            event["stateEnteredEventDetails"] = details
        elif kind.endswith("StateExited"):
            event["stateExitedEventDetails"] = details
        elif details:
            event[kind[0].lower() + kind[1:] + "EventDetails"] = details
        self.events.append(event)
        return event_id

    def task(self, name: str, *outcomes: str, exit_output: str | None = '{"ok":1}') -> None:
        self.add("TaskStateEntered", name=name, input='{"in":1}')
        for outcome in outcomes:
            self.add("TaskScheduled")
            self.add("TaskStarted")
            self.add(outcome, **({"error": "Boom", "cause": "it broke"} if outcome == "TaskFailed" else {}))
        if exit_output is not None:
            self.add("TaskStateExited", name=name, output=exit_output)


NAMES = ["Calculate", "Double", "Approval", "Finalize", "Rejected", "Broken"]


def test_a_run_waiting_for_approval():
    # Given Calculate succeeded, Double failed once then succeeded (a retry), Approval is waiting
    history = History()
    history.add("ExecutionStarted")
    history.task("Calculate", "TaskSucceeded")
    history.task("Double", "TaskFailed", "TaskSucceeded")
    history.task("Approval", exit_output=None)
    history.add("TaskScheduled")
    history.add("TaskStarted")
    # When the states are computed for the running execution
    runs = state_runs(history.events, "RUNNING", NAMES)
    # Then
    assert {n: r.status for n, r in runs.items()} == {
        "Calculate": "succeeded", "Double": "succeeded", "Approval": "in_progress",
        "Finalize": "not_reached", "Rejected": "not_reached", "Broken": "not_reached"}
    assert runs["Double"].attempts_failed == 1
    assert runs["Calculate"].input == '{"in":1}' and runs["Calculate"].output == '{"ok":1}'
    assert transitions(history.events) == [("Calculate", "Double"), ("Double", "Approval")]


def test_a_caught_failure_and_a_fail_state():
    # Given Approval failed and its Catch led to the Fail state Rejected
    history = History()
    history.add("ExecutionStarted")
    history.task("Approval", "TaskFailed")
    history.add("FailStateEntered", name="Rejected", input="{}")
    history.add("ExecutionFailed", error="Rejected")
    runs = state_runs(history.events, "FAILED", NAMES)
    assert runs["Approval"].status == "caught"
    assert runs["Approval"].error == "Boom"
    assert runs["Rejected"].status == "failed"
    assert runs["Finalize"].status == "not_reached"


def test_a_state_open_when_the_execution_failed_is_failed():
    history = History()
    history.task("Double", "TaskFailed", exit_output=None)
    history.add("ExecutionFailed", error="Boom")
    assert state_runs(history.events, "FAILED", NAMES)["Double"].status == "failed"


def test_parallel_events_belong_to_the_parallel_not_to_its_branch_states():
    # Given a Parallel whose branch task failed and was not caught inside the branch
    history = History()
    entered = history.add("ParallelStateEntered", name="Fan", input="{}")
    history.add("ParallelStateStarted")
    history.task("Inner", "TaskFailed", exit_output=None)
    history.add("ParallelStateFailed", error="Boom")
    history.add("ParallelStateExited", name="Fan", output="{}")
    runs = state_runs(history.events, "SUCCEEDED", ["Fan", "Inner"])
    # Then the Parallel's failure is the Parallel's (caught, as it exited), the branch task's its own
    assert entered == 1
    assert runs["Fan"].status == "caught"
    assert runs["Inner"].status == "failed" and runs["Inner"].attempts_failed == 1
