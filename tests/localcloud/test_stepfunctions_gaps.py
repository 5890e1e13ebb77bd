"""Each gap localcloud/stepfunctions/ fixes, shown twice: present in the pinned moto without the fix, gone with it.

When a moto upgrade closes a gap, the "without the fix" test fails and names the gap: then delete that fix.
The engine scenarios run in a subprocess each, so a fix applied in one cannot leak into the other.
"""
import inspect
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from localcloud import stepfunctions
from localcloud.stepfunctions import activities, engine_clients, execution_names
from tests.support.scenarios import run_scenario

REPO = Path(__file__).resolve().parents[2]

_ENGINE_SCENARIO = textwrap.dedent('''
    import json, sys, time
    import boto3
    from moto import mock_aws
    from moto.core.config import default_user_config
    from localcloud import stepfunctions

    scenario, with_fix = sys.argv[1], sys.argv[2] == "fixed"
    if with_fix:
        stepfunctions.enable_engine()
    else:
        default_user_config.setdefault("stepfunctions", {})["execute_state_machine"] = True
    definition = {"StartAt": "Wait", "States": {"Wait": {
        "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {"QueueUrl": "QUEUE", "MessageBody": {"token.$": "$$.Task.Token"}},
        # The heartbeat scenario waits for the 1 s heartbeat to run out; the closed scenario must answer first,
        # which a loaded machine cannot promise within 1 s.
        "HeartbeatSeconds": 1 if scenario == "heartbeat" else 25, "TimeoutSeconds": 30, "End": True}}}
    if scenario == "cause":
        # No heartbeat here: plain moto misses a callback that beats the heartbeat wait's set-up (the gap of
        # early_callbacks.py), and a fast receive under load raced it. The cause gap has nothing to do with it.
        del definition["States"]["Wait"]["HeartbeatSeconds"]
    with mock_aws():
        sqs, sfn = boto3.client("sqs", "us-east-1"), boto3.client("stepfunctions", "us-east-1")
        queue = sqs.create_queue(QueueName="jobs")["QueueUrl"]
        machine = sfn.create_state_machine(name="m", roleArn="arn:aws:iam::123456789012:role/r",
                                           definition=json.dumps(definition).replace("QUEUE", queue))
        arn = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], name="run")["executionArn"]
        if scenario in ("cause", "closed"):
            messages = []
            while not messages:
                messages = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1).get("Messages", [])
            token = json.loads(messages[0]["Body"])["token"]
            sfn.send_task_failure(taskToken=token, error="WorkerFailed", cause="disk full")
        while (execution := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
            time.sleep(0.05)
        if scenario == "closed":   # every callback again, for the task that has ended, and one for no task
            answers = []
            for call in (lambda: sfn.send_task_heartbeat(taskToken=token),
                         lambda: sfn.send_task_success(taskToken=token, output="{}"),
                         lambda: sfn.send_task_failure(taskToken=token, error="Again"),
                         lambda: sfn.send_task_heartbeat(taskToken="never-issued")):
                try:
                    call()
                    answers.append("accepted")
                except sfn.exceptions.ClientError as exc:
                    answers.append(exc.response["Error"]["Code"])
            print(json.dumps(answers))
        else:
            print(json.dumps({"error": execution.get("error"), "cause": execution.get("cause")}))
''')


def run_engine(scenario: str, fixed: bool) -> dict:
    return run_scenario(_ENGINE_SCENARIO, scenario, fixed=fixed)


# execution_names.py: a nameless StartExecution ----------------------------------------------------------------------


def test_execution_names_moto_still_collides_on_nameless_start_execution():
    import boto3
    from moto import mock_aws
    definition = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):   # the engine backend we use
        sfn = boto3.client("stepfunctions", region_name="us-east-1")
        arn = sfn.create_state_machine(name="m", definition=definition,
                                       roleArn="arn:aws:iam::123456789012:role/r")["stateMachineArn"]
        sfn.start_execution(stateMachineArn=arn, input='{"run": 1}')
        with pytest.raises(sfn.exceptions.ExecutionAlreadyExists):
            sfn.start_execution(stateMachineArn=arn, input='{"run": 2}')


def test_execution_names_fix_names_nameless_executions_and_keeps_given_names():
    named = json.loads(execution_names.fill_execution_name(b'{"stateMachineArn": "a"}'))
    assert len(named["name"]) == 36
    assert json.loads(execution_names.fill_execution_name(b'{"name": "mine"}'))["name"] == "mine"
    assert execution_names.fill_execution_name(b"not json") == b"not json"


# early_callbacks.py -------------------------------------------------------------------------------------------------
def _early_callback_is_seen(setup_heartbeat_endpoint) -> bool:
    from moto.stepfunctions.parser.asl.eval.callback.callback import CallbackEndpoint, CallbackOutcomeSuccess
    endpoint = CallbackEndpoint("token")
    endpoint.notify(CallbackOutcomeSuccess(callback_id="token", output="{}"))   # the callback came first
    heartbeat = setup_heartbeat_endpoint(endpoint, 0.2)                         # then the task starts waiting
    return heartbeat.clear_and_wait()


def test_early_callbacks_moto_still_misses_a_callback_that_arrives_during_the_invoke():
    from moto.stepfunctions.parser.asl.eval.callback.callback import CallbackEndpoint
    original = getattr(CallbackEndpoint.setup_heartbeat_endpoint, "__wrapped__",
                       CallbackEndpoint.setup_heartbeat_endpoint)
    assert _early_callback_is_seen(original) is False


def test_early_callbacks_fix_sees_the_early_callback():
    from moto.stepfunctions.parser.asl.eval.callback.callback import CallbackEndpoint
    stepfunctions.enable_engine()
    assert _early_callback_is_seen(CallbackEndpoint.setup_heartbeat_endpoint) is True


# heartbeat_timeouts.py and task_failure_cause.py, in moto's engine --------------------------------------------------


def test_heartbeat_timeouts_moto_still_names_a_heartbeat_timeout_states_timeout():
    assert run_engine("heartbeat", fixed=False)["error"] == "States.Timeout"


def test_heartbeat_timeouts_fix_names_it_states_heartbeat_timeout():
    assert run_engine("heartbeat", fixed=True)["error"] == "States.HeartbeatTimeout"


def test_task_failure_cause_moto_still_drops_the_cause_of_send_task_failure():
    assert run_engine("cause", fixed=False) == {"error": "WorkerFailed", "cause": None}


def test_task_failure_cause_fix_keeps_the_cause():
    assert run_engine("cause", fixed=True) == {"error": "WorkerFailed", "cause": "disk full"}


# engine_clients.py --------------------------------------------------------------------------------------------------


def test_engine_clients_moto_still_builds_a_client_per_task():
    from moto.stepfunctions.parser.asl.utils import boto_client
    original = getattr(boto_client.boto_client_for, "__wrapped__", boto_client.boto_client_for)
    assert original(region="us-east-1", service="sqs") is not original(region="us-east-1", service="sqs")


def test_engine_clients_fix_reuses_one_client_per_service_everywhere_the_engine_calls():
    import importlib
    stepfunctions.enable_engine()
    first = importlib.import_module(engine_clients.ENGINE_CLIENT_USERS[2]).boto_client_for("us-east-1", "lambda")
    again = importlib.import_module(engine_clients.ENGINE_CLIENT_USERS[-2]).boto_client_for("us-east-1", "lambda")
    assert first is again


# activities.py ------------------------------------------------------------------------------------------------------


def test_activities_engine_still_starts_executions_without_activities():
    from moto.stepfunctions.parser import models
    source = inspect.getsource(models.StepFunctionsParserBackend.start_execution)
    assert "activity_store={}" in source, ("moto now passes its activities to executions:"
                                           " drop its fix in activities.py")


def test_activities_moto_still_does_not_answer_get_activity_task():
    from moto.stepfunctions.responses import StepFunctionResponse
    assert not hasattr(StepFunctionResponse, "get_activity_task"), (
        "moto answers GetActivityTask now: drop get_activity_task")


def test_activities_activity_heartbeat_timeout_is_still_mapped_to_states_timeout():
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.state_task_activitiy import (
        StateTaskActivity,
    )
    source = inspect.getsource(StateTaskActivity._from_error)
    assert "HeartbeatTimeout" not in source, (
        "moto names activity heartbeat timeouts now: drop that fix in activities.py")


def test_activities_fix_answers_an_empty_poll_and_refuses_an_unknown_activity():
    with mock_aws():
        sfn = boto3.client("stepfunctions", region_name="us-east-1")
        arn = sfn.create_activity(name="gap7")["activityArn"]
        assert activities.get_activity_task(json.dumps({"activityArn": arn}).encode(), poll_seconds=0.1) == (200, {})
        status, answer = activities.get_activity_task(
            json.dumps({"activityArn": arn + "-missing"}).encode(), poll_seconds=0.1)
        assert (status, answer["__type"]) == (400, "ActivityDoesNotExist")


def test_activities_fix_a_task_is_not_lost_to_an_execution_that_is_still_starting(monkeypatch):
    """A RUNNING execution whose worker has no environment yet (it is starting) must not make the poll fail: found
    by the bench soak, where a task taken off the queue that way was lost and its run ended NoWorker."""
    from types import SimpleNamespace

    from moto.stepfunctions.parser import models

    starting = SimpleNamespace(exec_worker=SimpleNamespace(env=None))
    backend = SimpleNamespace(_get_executions=lambda status: [starting])
    monkeypatch.setattr(models, "stepfunctions_parser_backends", {"123456789012": {"us-east-1": backend}})

    assert activities._waiting_endpoint("token") is None


# starting_executions.py ---------------------------------------------------------------------------------------------
_STARTING_SCENARIO = textwrap.dedent('''
    import json, sys, threading
    import boto3
    from botocore.exceptions import ClientError
    from moto import mock_aws
    from moto.core.config import default_user_config
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker
    from localcloud import stepfunctions

    if sys.argv[1] == "fixed":
        stepfunctions.enable_engine()
    else:
        default_user_config.setdefault("stepfunctions", {})["execute_state_machine"] = True
    parsing = threading.Event()
    parse = ExecutionWorker._get_evaluation_entrypoint

    def slow_parse(self):          # the execution's thread still parsing its definition, as under load
        parsing.wait(10)
        return parse(self)

    ExecutionWorker._get_evaluation_entrypoint = slow_parse
    with mock_aws():
        sfn = boto3.client("stepfunctions", "us-east-1")
        machine = sfn.create_state_machine(name="m", roleArn="arn:aws:iam::123456789012:role/r", definition=json.dumps(
            {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}))["stateMachineArn"]
        sfn.start_execution(stateMachineArn=machine, name="starting")
        try:
            sfn.send_task_heartbeat(taskToken="a-token-of-another-task")
            answer = "answered"
        except ClientError as exc:
            answer = exc.response["Error"]["Code"]
        except AttributeError as exc:
            answer = f"AttributeError: {exc}"
        parsing.set()
    print(json.dumps({"answer": answer}))
''')


def test_starting_executions_moto_still_fails_a_callback_while_another_execution_starts():
    assert run_scenario(_STARTING_SCENARIO, fixed=False)["answer"].startswith("AttributeError")


def test_starting_executions_fix_answers_the_callback_for_what_it_is():
    assert run_scenario(_STARTING_SCENARIO, fixed=True)["answer"] == "InvalidToken"


# jsonata.py -----------------------------------------------------------------------------------------------------------
_JSONATA_SCENARIO = textwrap.dedent('''
    import json, sys, time
    import boto3
    from moto import mock_aws
    from moto.core.config import default_user_config
    from localcloud import stepfunctions

    if sys.argv[1] == "fixed":
        stepfunctions.enable_engine()
    else:
        default_user_config.setdefault("stepfunctions", {})["execute_state_machine"] = True
    definition = {"QueryLanguage": "JSONata", "StartAt": "Double", "States": {
        "Double": {"Type": "Pass", "Assign": {"doubled": "{% $states.input.n * 2 %}"}, "Next": "Shout"},
        "Shout": {"Type": "Pass", "Output": {"n": "{% $doubled %}", "word": "{% $uppercase($states.input.w) %}"},
                  "Next": "Missing"},
        "Missing": {"Type": "Pass", "Output": "{% $states.input.nothing %}", "End": True}}}
    with mock_aws():
        sfn = boto3.client("stepfunctions", "us-east-1")
        machine = sfn.create_state_machine(name="m", roleArn="arn:aws:iam::123456789012:role/r",
                                           definition=json.dumps(definition))["stateMachineArn"]
        arn = sfn.start_execution(stateMachineArn=machine, name="run", input='{"n": 21, "w": "hi"}')["executionArn"]
        while (execution := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
            time.sleep(0.05)
        shout = next(e for e in sfn.get_execution_history(executionArn=arn)["events"]
                     if e.get("stateExitedEventDetails", {}).get("name") == "Shout")
        print(json.dumps({"error": execution.get("error"), "cause": execution.get("cause"),
                          "shout": json.loads(shout["stateExitedEventDetails"]["output"])}))
''')


def run_jsonata(fixed: bool) -> dict:
    result = subprocess.run([sys.executable, "-c", _JSONATA_SCENARIO, "fixed" if fixed else "raw"],
                            cwd=REPO, capture_output=True, text=True, timeout=60)
    if result.returncode != 0 and not fixed:
        return {"error": "no Shout exit", "stderr": result.stderr}
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_jsonata_moto_still_evaluates_no_jsonata():
    raw = run_jsonata(fixed=False)
    assert raw["error"] in ("no Shout exit", "States.Runtime"), "moto evaluates JSONata now: drop jsonata.py"


def test_jsonata_fix_evaluates_assign_output_and_states_and_fails_undefined_as_aws():
    fixed = run_jsonata(fixed=True)
    assert fixed["shout"] == {"n": 42, "word": "HI"}
    assert fixed["error"] == "States.QueryEvaluationError"
    assert "$states.input.nothing" in fixed["cause"] and "returned nothing (undefined)" in fixed["cause"]


# execution_output, sync_executions, service_shapes, query_language_scopes, context_object, wait_timestamps ---------
_API_SCENARIO = textwrap.dedent('''
    import json, sys, time
    import boto3
    from botocore.config import Config
    from moto import mock_aws
    from moto.core.config import default_user_config
    from localcloud import stepfunctions

    scenario, with_fix = sys.argv[1], sys.argv[2] == "fixed"
    if with_fix:
        stepfunctions.enable_engine()
    else:
        default_user_config.setdefault("stepfunctions", {})["execute_state_machine"] = True
    ROLE = "arn:aws:iam::123456789012:role/r"
    PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"a": 1}, "End": True}}}

    def finished(sfn, arn):
        while (execution := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
            time.sleep(0.05)
        return execution

    def answer(call):
        try:
            return call()
        except Exception as exc:   # what a client sees
            code = getattr(exc, "response", {}).get("Error", {}).get("Code")
            return {"exception": code or type(exc).__name__, "message": str(exc)[:300]}

    with mock_aws():
        # StartSyncExecution goes to sync-states.<region> on AWS; moto routes only states.<region>.
        sfn = boto3.client("stepfunctions", "us-east-1", config=Config(inject_host_prefix=False))
        if scenario == "context-output":
            machine = sfn.create_state_machine(name="m", roleArn=ROLE, definition=json.dumps(
                {"StartAt": "P", "States": {"P": {"Type": "Pass", "OutputPath": "$$", "End": True}}}))
            arn = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], name="run")["executionArn"]
            time.sleep(0.5)
            result = answer(lambda: json.loads(finished(sfn, arn)["output"])["Execution"]["StartTime"])
        elif scenario == "sync":
            machine = sfn.create_state_machine(name="e", type="EXPRESS", roleArn=ROLE, definition=json.dumps(PASS))
            result = answer(lambda: {k: v for k, v in sfn.start_sync_execution(
                stateMachineArn=machine["stateMachineArn"], input="{}").items() if k in ("status", "output")})
        elif scenario == "aws-sdk-sfn":
            target = sfn.create_state_machine(name="t", roleArn=ROLE, definition=json.dumps(PASS))
            machine = sfn.create_state_machine(name="m", roleArn=ROLE, definition=json.dumps({
                "StartAt": "Start", "States": {"Start": {
                    "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sfn:startExecution",
                    "Parameters": {"StateMachineArn": target["stateMachineArn"], "Name": "child"}, "End": True}}}))
            arn = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], name="run")["executionArn"]
            execution = finished(sfn, arn)
            result = sorted(json.loads(execution["output"])) if "output" in execution else execution.get("cause")
        elif scenario == "refused-then-valid":
            refused = {"QueryLanguage": "JSONata", "StartAt": "P", "States": {   # JSONata has no Parameters
                "P": {"Type": "Pass", "Parameters": {"a": 1}, "End": True}}}
            answer(lambda: sfn.create_state_machine(name="bad", roleArn=ROLE, definition=json.dumps(refused)))
            valid = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"a": 1}, "End": True}}}
            result = answer(lambda: sfn.create_state_machine(
                name="good", roleArn=ROLE, definition=json.dumps(valid))["stateMachineArn"].split(":")[-1])
        elif scenario == "redrive-count":
            machine = sfn.create_state_machine(name="m", roleArn=ROLE, definition=json.dumps(
                {"StartAt": "P", "States": {"P": {"Type": "Pass", "OutputPath": "$$.Execution", "End": True}}}))
            arn = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], name="run")["executionArn"]
            result = json.loads(finished(sfn, arn)["output"]).get("RedriveCount", "absent")
        elif scenario == "jsonata-timestamp":
            machine = sfn.create_state_machine(name="m", roleArn=ROLE, definition=json.dumps({
                "QueryLanguage": "JSONata", "StartAt": "W", "States": {"W": {
                    "Type": "Wait", "Timestamp": "{% $states.input.at %}", "End": True}}}))
            arn = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], name="run",
                                      input=json.dumps({"at": "2016-12-05T21:29:29"}))["executionArn"]
            execution = finished(sfn, arn)
            events = [e["type"] for e in sfn.get_execution_history(executionArn=arn)["events"]]
            result = [execution["error"], execution["cause"].split(". ", 1)[1], events[2]]
        elif scenario == "history-pages":
            machine = sfn.create_state_machine(name="m", roleArn=ROLE, definition=json.dumps(PASS))
            arn = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], name="run")["executionArn"]
            finished(sfn, arn)
            newest = sfn.get_execution_history(executionArn=arn, maxResults=1, reverseOrder=True)
            pages = sfn.get_paginator("get_execution_history").paginate(executionArn=arn,
                                                                        PaginationConfig={"PageSize": 2})
            result = [[e["type"] for e in newest["events"]], "nextToken" in newest,
                      [len(page["events"]) for page in pages]]
        elif scenario == "jsonata-fields":
            result = []
            for state in ({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                           "Arguments": {"FunctionName": "{% $nothing %}"}, "End": True},
                          {"Type": "Pass", "Output": {"result": "{% $nothing %}"}, "End": True}):
                machine = sfn.create_state_machine(name=state["Type"], roleArn=ROLE, definition=json.dumps(
                    {"QueryLanguage": "JSONata", "StartAt": "S", "States": {"S": state}}))
                arn = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], name="run")["executionArn"]
                execution = finished(sfn, arn)
                events = [e["type"] for e in sfn.get_execution_history(executionArn=arn)["events"]]
                result.append([execution["cause"].split(". ", 1)[1], events[2:]])
        elif scenario == "aws-sdk-s3-error":
            machine = sfn.create_state_machine(name="m", roleArn=ROLE, definition=json.dumps({
                "StartAt": "Get", "States": {"Get": {
                    "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:listObjectsV2",
                    "Parameters": {"Bucket": "no-such-bucket"}, "End": True}}}))
            arn = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], name="run")["executionArn"]
            execution = finished(sfn, arn)
            result = [execution["error"], execution["cause"]]
        elif scenario == "timeout-paths":
            result = []
            for field in ("TimeoutSecondsPath", "HeartbeatSecondsPath"):
                machine = sfn.create_state_machine(name=field, roleArn=ROLE, definition=json.dumps({
                    "StartAt": "T", "States": {"T": {
                        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                        "Parameters": {"FunctionName": "f"}, field: "$.nothing", "End": True}}}))
                arn = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], name="run")["executionArn"]
                execution = finished(sfn, arn)
                result.append([execution["error"], [e["type"] for e in sfn.get_execution_history(
                    executionArn=arn)["events"]]])
        elif scenario == "sync2-details":
            target = sfn.create_state_machine(name="t", roleArn=ROLE, definition=json.dumps(PASS))
            arn = sfn.start_execution(stateMachineArn=target["stateMachineArn"], name="child")["executionArn"]
            described = finished(sfn, arn)
            machine = sfn.create_state_machine(name="m", roleArn=ROLE, definition=json.dumps({
                "StartAt": "Start", "States": {"Start": {
                    "Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2",
                    "Parameters": {"StateMachineArn": target["stateMachineArn"]}, "End": True}}}))
            arn = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], name="run")["executionArn"]
            output = json.loads(finished(sfn, arn).get("output", "{}"))   # plain moto fails the task (service_shapes)
            result = [described.get("inputDetails"), output.get("InputDetails"), output.get("OutputDetails")]
        elif scenario == "wait-too-long":
            machine = sfn.create_state_machine(name="m", roleArn=ROLE, definition=json.dumps({
                "StartAt": "W", "States": {"W": {"Type": "Wait", "TimestampPath": "$.at", "End": True}}}))
            arn = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], name="run",
                                      input=json.dumps({"at": "2999-01-01T00:00:00Z"}))["executionArn"]
            execution = finished(sfn, arn)
            events = [e["type"] for e in sfn.get_execution_history(executionArn=arn)["events"]]
            result = [execution["error"], execution["cause"], events]
        elif scenario == "null-item":
            from localcloud.dynamodb.moto_gaps import requests_missing_a_required_member_are_refused
            requests_missing_a_required_member_are_refused()   # DynamoDB's own refusal, as the cloud runs it
            machine = sfn.create_state_machine(name="m", roleArn=ROLE, definition=json.dumps({
                "StartAt": "Put", "States": {"Put": {
                    "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:dynamodb:putItem",
                    "Parameters": {"TableName": "t", "Item.$": "$.item"}, "End": True}}}))
            arn = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], name="run",
                                      input=json.dumps({"item": None}))["executionArn"]
            execution = finished(sfn, arn)
            result = [execution["error"], execution["cause"].split(" (Service: ")[0]]
        elif scenario == "sqs-errors":
            from localcloud.sqs.moto_gaps import send_message_requires_a_body
            send_message_requires_a_body()   # SQS's own refusal, as the cloud runs it
            queue = boto3.client("sqs", "us-east-1").create_queue(QueueName="q")["QueueUrl"]
            machine = sfn.create_state_machine(name="m", roleArn=ROLE, definition=json.dumps({
                "StartAt": "Send", "States": {"Send": {
                    "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
                    "Parameters": {"QueueUrl.$": "$.queue", "MessageBody.$": "$.body"}, "End": True}}}))
            result = []
            for given in ({"queue": queue, "body": None}, {"queue": queue + "-gone", "body": "b"}):
                arn = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], name=str(len(result)),
                                          input=json.dumps(given))["executionArn"]
                execution = finished(sfn, arn)
                result.append([execution["error"], execution["cause"].split("; Request ID: ")[0]])
        elif scenario == "refused-definition":   # JSONata has no Parameters: moto's parser refuses it
            result = answer(lambda: sfn.create_state_machine(name="m", roleArn=ROLE, definition=json.dumps(
                {"QueryLanguage": "JSONata", "StartAt": "P", "States": {
                    "P": {"Type": "Pass", "Parameters": {"a": 1}, "End": True}}})))["exception"]
        elif scenario == "invalid-jsonata":
            result = answer(lambda: sfn.create_state_machine(name="m", roleArn=ROLE, definition=json.dumps({
                "QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": {
                    "Type": "Pass", "Output": "{% $states.input.( %}", "End": True}}}))["stateMachineArn"][-2:])
    print(json.dumps(result))
''')


def run_api(scenario: str, fixed: bool):
    return run_scenario(_API_SCENARIO, scenario, fixed=fixed)


def test_execution_output_moto_still_fails_describe_execution_on_the_context_object():
    assert "exception" in run_api("context-output", fixed=False), "moto serialises datetimes now: drop the fix"


def test_execution_output_fix_gives_the_times_in_iso_8601():
    assert run_api("context-output", fixed=True).startswith("20")


def test_sync_executions_moto_still_does_not_run_start_sync_execution():
    assert "exception" in run_api("sync", fixed=False), "moto runs StartSyncExecution now: drop sync_executions.py"


def test_sync_executions_fix_runs_the_express_execution_to_its_end():
    assert run_api("sync", fixed=True) == {"status": "SUCCEEDED", "output": '{"a": 1}'}


def test_service_shapes_moto_still_passes_step_functions_casing_to_botocore():
    assert run_api("aws-sdk-sfn", fixed=False).endswith(" 'StateMachineArn'"), "moto maps parameters now: drop the fix"


def test_service_shapes_fix_maps_parameters_and_results_through_the_api_model():
    assert run_api("aws-sdk-sfn", fixed=True) == ["ExecutionArn", "StartDate"]


def test_query_language_scopes_moto_still_refuses_a_valid_definition_after_a_refused_one():
    assert "exception" in run_api("refused-then-valid", fixed=False), "moto's parses are independent now"


def test_query_language_scopes_fix_parses_each_definition_on_its_own():
    assert run_api("refused-then-valid", fixed=True) == "good"


def test_context_object_moto_still_has_no_redrive_count():
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker
    build = ExecutionWorker._get_evaluation_environment
    source = inspect.getsource(getattr(build, "__wrapped__", build))
    assert "RedriveCount" not in source, "moto has $$.Execution.RedriveCount now: drop context_object.py"


def test_context_object_fix_counts_no_redrive():
    assert run_api("redrive-count", fixed=True) == 0


def test_wait_timestamps_moto_still_fails_an_invalid_jsonata_timestamp_as_states_runtime():
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function.timestamp import Timestamp
    fail = Timestamp._create_failure_event
    source = inspect.getsource(getattr(fail, "__wrapped__", fail))
    assert "StatesRuntime" in source and "QueryEvaluation" not in source, "moto fails it as AWS now: drop the fix"


def test_wait_timestamps_fix_fails_it_as_an_evaluation_error():
    assert run_api("jsonata-timestamp", fixed=True) == [
        "States.QueryEvaluationError",
        "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: "
        "2016-12-05T21:29:29", "EvaluationFailed"]


def test_history_paging_moto_still_answers_every_event_oldest_first():
    newest, more, _ = run_api("history-pages", fixed=False)
    assert newest[0] == "ExecutionStarted" and not more, "moto pages histories now: drop history_paging.py"


def test_history_paging_fix_answers_pages_newest_first_when_asked():
    assert run_api("history-pages", fixed=True) == [["ExecutionSucceeded"], True, [2, 2]]


def test_map_input_errors_moto_still_names_the_python_type():
    from moto.stepfunctions.parser.asl.component.state.exec.state_map import state_map
    source = inspect.getsource(state_map)
    assert "must be an array but was: {type(input_items)}" in source, "moto words it otherwise now: revisit the fix"


def test_map_input_errors_fix_shows_the_value_as_json():
    from moto.stepfunctions.parser.asl.component.state.exec.state_map import state_map
    stepfunctions.enable_engine()
    assert [state_map.type(v) for v in (1, "string", True, {"foo": "bar"})] == ['1', '"string"', "true",
                                                                              '{"foo":"bar"}']


def test_integration_metadata_moto_still_drops_the_http_metadata():
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sns import (
        StateTaskServiceSns,
    )
    run = StateTaskServiceSns._eval_service_task
    source = inspect.getsource(getattr(run, "__wrapped__", run))
    assert 'response.pop("ResponseMetadata", None)' in source and "SdkHttpMetadata" not in source


def test_integration_metadata_fix_shapes_it_as_the_services_answer():
    from localcloud.stepfunctions.integration_metadata import dynamodb_metadata, sns_publish_metadata
    put = dynamodb_metadata("put_item", {})["SdkHttpMetadata"]
    assert (put["HttpStatusCode"], put["HttpHeaders"]["Content-Length"]) == (200, "2")
    assert "x-amzn-requestid" in dynamodb_metadata("get_item", {"Item": {}})["SdkHttpMetadata"]["HttpHeaders"]
    sns = sns_publish_metadata({"MessageId": "0" * 36})
    assert sns["SdkHttpMetadata"]["HttpHeaders"]["Content-Length"] == "294"   # as AWS's Publish answer
    assert sns["SdkResponseMetadata"]["RequestId"] == sns["SdkHttpMetadata"]["HttpHeaders"]["x-amzn-RequestId"]


def test_jsonata_validation_moto_still_creates_a_definition_with_invalid_jsonata():
    assert run_api("invalid-jsonata", fixed=False) == ":m", "moto refuses invalid JSONata now: drop the fix"


def test_jsonata_validation_fix_refuses_it_naming_the_field():
    refused = run_api("invalid-jsonata", fixed=True)
    assert refused["exception"] == "InvalidDefinition" and "'Output'" in refused["message"]
    assert "at /States/P/Output" in refused["message"]


def test_jsonata_fields_moto_still_names_no_field_and_records_its_own_event():
    from moto.stepfunctions.parser.asl.jsonata import validations
    source = inspect.getsource(validations)
    assert "specified for the field" not in source and "add_event" in source, "moto names the field now: drop it"


def test_jsonata_fields_fix_names_the_field_path_and_records_one_event():
    task, pass_ = run_api("jsonata-fields", fixed=True)
    assert task == ["The JSONata expression '$nothing' specified for the field 'Arguments/FunctionName' returned "
                    "nothing (undefined).", ["EvaluationFailed", "ExecutionFailed"]]
    assert pass_ == ["The JSONata expression '$nothing' specified for the field 'Output/result' returned nothing "
                     "(undefined).", ["EvaluationFailed", "ExecutionFailed"]]


def test_aws_sdk_errors_moto_still_names_s3_errors_in_lower_case():
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import state_task_service_aws_sdk
    source = inspect.getsource(state_task_service_aws_sdk)
    assert '"s3"' not in source, "moto names S3's errors as AWS now: drop aws_sdk_errors.py"


def test_aws_sdk_errors_fix_names_errors_by_the_sdk_name_s3_with_an_extended_request_id():
    from localcloud.stepfunctions.aws_sdk_errors import sdk_service_name
    assert [sdk_service_name(service_id) for service_id in ("Secrets Manager", "DynamoDB", "SFN", "S3")] == [
        "SecretsManager", "DynamoDb", "Sfn", "S3"]
    error, cause = run_api("aws-sdk-s3-error", fixed=True)
    assert error == "S3.NoSuchBucketException"
    assert cause.startswith("The specified bucket does not exist (Service: S3, Status Code: 404, Request ID: ")
    assert ", Extended Request ID: " in cause


def test_timeout_path_failures_moto_still_records_execution_failed_twice():
    assert run_api("timeout-paths", fixed=False)[0][1][-2:] == ["ExecutionFailed", "ExecutionFailed"], (
        "moto records one ExecutionFailed now: drop timeout_path_failures.py")


def test_timeout_path_failures_fix_records_it_once():
    assert run_api("timeout-paths", fixed=True) == [
        ["States.Runtime", ["ExecutionStarted", "TaskStateEntered", "ExecutionFailed"]]] * 2


def test_execution_input_details_moto_still_describes_no_input_details():
    assert run_api("sync2-details", fixed=False)[0] is None, "moto answers inputDetails now: drop the fix"


def test_execution_input_details_fix_describes_them_and_a_sync2_result_holds_them():
    assert run_api("sync2-details", fixed=True) == [{"included": True}, {"Included": True}, {"Included": True}]


def test_wait_delay_limit_moto_still_waits_for_any_delay():
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function import wait_function
    assert "too long" not in inspect.getsource(wait_function), "moto refuses too long a Wait now: drop the fix"


def test_wait_delay_limit_fix_fails_a_wait_too_long_at_once():
    assert run_api("wait-too-long", fixed=True) == [
        "States.Runtime", "An error occurred while executing the state 'W' (entered at the event id #2). "
        "Wait state delay is too long.", ["ExecutionStarted", "WaitStateEntered", "ExecutionFailed"]]


def test_null_parameters_moto_still_sends_a_null_string_as_the_text_null():
    from botocore.model import StringShape
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service import (
        StateTaskService,
    )
    string = StringShape("MessageBody", {"type": "string"})
    assert StateTaskService._to_boto_request_value(None, None, string) == "null", "moto leaves nulls out now"


def test_null_parameters_fix_leaves_a_null_out_so_the_service_refuses_it():
    assert run_api("null-item", fixed=True) == [
        "DynamoDb.DynamoDbException",
        "1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must not be null"]


def test_sqs_errors_moto_still_names_every_sqs_error_a_client_exception():
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sqs import (
        StateTaskServiceSqs,
    )
    source = inspect.getsource(getattr(StateTaskServiceSqs._from_error, "__wrapped__", StateTaskServiceSqs._from_error))
    assert "_ERROR_NAME_CLIENT" in source and "_ERROR_NAME_AWS" not in source, "moto names them as AWS now: drop it"


def test_sqs_errors_fix_names_them_as_the_sdk_with_sqs_details():
    missing, gone = run_api("sqs-errors", fixed=True)
    assert missing == ["SQS.AmazonSQSException", "The request must contain the parameter MessageBody. (Service: "
                                                  "AmazonSQS; Status Code: 400; Error Code: MissingParameter"]
    assert gone[0] == "SQS.QueueDoesNotExistException" and "(Service: AmazonSQS; Status Code: 400;" in gone[1]


def test_closed_task_callbacks_moto_still_answers_invalid_token_or_accepts_them():
    assert run_engine("closed", fixed=False) == ["InvalidToken", "InvalidToken", "accepted", "InvalidToken"], (
        "moto answers callbacks for closed tasks as AWS now: drop closed_task_callbacks.py")


def test_closed_task_callbacks_fix_answers_task_timed_out_and_keeps_invalid_token_for_no_task():
    assert run_engine("closed", fixed=True) == ["TaskTimedOut", "TaskTimedOut", "TaskTimedOut", "InvalidToken"]


def test_parser_error_codes_moto_still_answers_a_refused_definition_with_no_code():
    assert run_api("refused-definition", fixed=False) == "ClientError", "moto names the code now: drop the fix"


def test_parser_error_codes_fix_answers_invalid_definition():
    assert run_api("refused-definition", fixed=True) == "InvalidDefinition"
