"""Every state machine as serverless.yml packages it: a waiting task always has a timeout, and every Lambda task
retries Lambda's own transient errors (the invoke did not run), as AWS's best practices ask of every Lambda task.

A new state that forgets either fails here, not on AWS the day Lambda throttles or a worker never answers.
"""
import json

import pytest

SERVICES_WITH_STATE_MACHINES = ("iot-callback", "orchestrator", "queue-callback", "rds-snapshot")
# "Handle transient Lambda service exceptions" (Step Functions best practices).
LAMBDA_TRANSIENT = {"Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException",
                    "Lambda.TooManyRequestsException"}


def task_states(states: dict, prefix: str = ""):
    """(path, state) of every Task, in Parallel branches and Map item processors too."""
    for name, state in states.items():
        path = f"{prefix}{name}"
        if state.get("Type") == "Task":
            yield path, state
        for branch in state.get("Branches", []):
            yield from task_states(branch["States"], f"{path}/")
        processor = state.get("ItemProcessor") or state.get("Iterator")
        if processor:
            yield from task_states(processor["States"], f"{path}/")


def all_tasks(service_resources) -> list[tuple[str, dict]]:
    tasks = []
    for service in SERVICES_WITH_STATE_MACHINES:
        stack = service_resources(service).stack
        for logical_id in stack.of_type("AWS::StepFunctions::StateMachine"):
            definition = json.loads(stack.state_machine_definition(logical_id))
            tasks += [(f"{service}:{logical_id}:{path}", state) for path, state in task_states(definition["States"])]
    return tasks


def is_lambda_task(state: dict) -> bool:
    resource = str(state.get("Resource", ""))
    return resource.startswith("arn:aws:states:::lambda:invoke") or ":lambda:" in resource and ":function:" in resource


def retried_errors(state: dict) -> set[str]:
    return {error for retrier in state.get("Retry", []) for error in retrier["ErrorEquals"]}


@pytest.fixture
def tasks(service_resources) -> list[tuple[str, dict]]:
    return all_tasks(service_resources)


def test_given_every_state_machine_then_it_has_tasks_to_check(tasks):
    # Guards the walk itself: a packaging change that hid the definitions would make the checks below vacuous.
    assert len([path for path, state in tasks if is_lambda_task(state)]) >= 5


def test_given_every_task_then_it_has_a_timeout(tasks):
    assert [path for path, state in tasks
            if not {"TimeoutSeconds", "TimeoutSecondsPath"} & state.keys()] == []


def test_given_every_lambda_task_then_it_retries_lambdas_transient_errors(tasks):
    missing = {path: sorted(LAMBDA_TRANSIENT - retried_errors(state)) for path, state in tasks
               if is_lambda_task(state) and not {"States.ALL", "States.TaskFailed"} & retried_errors(state)}
    assert {path: errors for path, errors in missing.items() if errors} == {}


def test_given_the_sqs_callback_task_then_a_send_that_did_not_happen_is_tried_again(tasks):
    prepare = next(state for path, state in tasks if path.endswith(":PrepareOrder") and "sqs:" in state["Resource"])

    assert {"SQS.RequestThrottledException", "SQS.AmazonSQSException", "SQS.SdkClientException"} <= retried_errors(
        prepare)
