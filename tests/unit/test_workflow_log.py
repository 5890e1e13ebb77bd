"""The quiet terminal's workflow lines, from history events shaped as GetExecutionHistory answers them."""
import json

from localcloud.stepfunctions.workflow_log import describe, lines

RUN = "waitflows-approval-workflow-local/run-1"


def entered(name: str, kind: str = "Task") -> dict:
    return {"type": f"{kind}StateEntered", "stateEnteredEventDetails": {"name": name, "input": "{}"}}


def scheduled(resource_type: str, resource: str, **parameters) -> dict:
    return {"type": "TaskScheduled", "taskScheduledEventDetails": {
        "resourceType": resource_type, "resource": resource, "region": "us-east-1",
        "parameters": json.dumps(parameters)}}


def test_a_run_that_waits_for_a_callback_and_succeeds_reads_in_three_lines():
    events = [{"type": "ExecutionStarted", "executionStartedEventDetails": {}}, entered("Calculate"),
              scheduled("lambda", "invoke", FunctionName="calculate"), entered("Approval"),
              scheduled("lambda", "invoke.waitForTaskToken", FunctionName="arn:aws:lambda:us-east-1:1:function:ask",
                        Payload={"taskToken": "SECRET"}),
              {"type": "ExecutionSucceeded", "executionSucceededEventDetails": {"output": "{}"}}]

    found = lines(events, run=RUN, seconds=3.25)

    assert found == [f"▶ {RUN} started",
                     f"… {RUN}: Approval waits for a callback (its task token went to function ask)",
                     f"✔ {RUN} SUCCEEDED in 3.2s"]
    assert not any("SECRET" in line for line in found)


def test_a_message_with_a_task_token_names_its_queue():
    event = scheduled("sqs", "sendMessage.waitForTaskToken",
                      QueueUrl="http://sqs.us-east-1.localhost:4566/123456789012/orders")

    assert describe(event, run=RUN, state="SendOrder") == \
        f"… {RUN}: SendOrder waits for a callback (its task token went to queue orders)"


def test_an_activity_task_waits_for_a_worker_of_its_activity():
    event = {"type": "ActivityScheduled", "activityScheduledEventDetails": {
        "resource": "arn:aws:states:us-east-1:123456789012:activity:prepare-order", "input": "{}"}}

    assert describe(event, run=RUN, state="Prepare") == f"… {RUN}: Prepare waits for a worker of activity prepare-order"


def test_a_failed_run_names_its_error_and_the_start_of_its_cause():
    event = {"type": "ExecutionFailed", "executionFailedEventDetails": {"error": "WorkerLost", "cause": "x" * 500}}

    line = describe(event, run=RUN, state="Dispatch", seconds=12)

    assert line.startswith(f"✘ {RUN} FAILED in 12.0s: WorkerLost (xxx") and line.endswith("…)")
    assert len(line) < 250


def test_timed_out_and_aborted_runs_say_so():
    assert describe({"type": "ExecutionTimedOut", "executionTimedOutEventDetails": {}}, run=RUN, state=None) == \
        f"✘ {RUN} TIMED_OUT"
    assert describe({"type": "ExecutionAborted", "executionAbortedEventDetails": {}}, run=RUN, state=None) == \
        f"■ {RUN} ABORTED"


def test_a_task_that_does_not_wait_on_anyone_and_the_states_in_between_make_no_line():
    assert lines([entered("Calculate"), scheduled("lambda", "invoke", FunctionName="calculate"),
                  {"type": "TaskSucceeded", "taskSucceededEventDetails": {}}, entered("Wait", "Wait")],
                 run=RUN) == []
