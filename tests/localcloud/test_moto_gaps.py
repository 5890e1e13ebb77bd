"""Each gap localcloud/moto_gaps.py fixes, shown twice: present in the pinned moto without the fix, gone with it.

When a moto upgrade closes a gap, the "without the fix" test fails and names the gap: then delete that fix.
The engine scenarios run in a subprocess each, so a fix applied in one cannot leak into the other.
"""
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from localcloud import moto_gaps

REPO = Path(__file__).resolve().parents[2]

_ENGINE_SCENARIO = textwrap.dedent('''
    import json, sys, time
    import boto3
    from moto import mock_aws
    from moto.core.config import default_user_config
    from localcloud import moto_gaps

    scenario, with_fix = sys.argv[1], sys.argv[2] == "fixed"
    if with_fix:
        moto_gaps.enable_state_machine_execution()
    else:
        default_user_config.setdefault("stepfunctions", {})["execute_state_machine"] = True
    definition = {"StartAt": "Wait", "States": {"Wait": {
        "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {"QueueUrl": "QUEUE", "MessageBody": {"token.$": "$$.Task.Token"}},
        "HeartbeatSeconds": 1, "TimeoutSeconds": 30, "End": True}}}
    with mock_aws():
        sqs, sfn = boto3.client("sqs", "us-east-1"), boto3.client("stepfunctions", "us-east-1")
        queue = sqs.create_queue(QueueName="jobs")["QueueUrl"]
        machine = sfn.create_state_machine(name="m", roleArn="arn:aws:iam::123456789012:role/r",
                                           definition=json.dumps(definition).replace("QUEUE", queue))
        arn = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], name="run")["executionArn"]
        if scenario == "cause":
            messages = []
            while not messages:
                messages = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1).get("Messages", [])
            token = json.loads(messages[0]["Body"])["token"]
            sfn.send_task_failure(taskToken=token, error="WorkerFailed", cause="disk full")
        while (execution := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
            time.sleep(0.05)
        print(json.dumps({"error": execution.get("error"), "cause": execution.get("cause")}))
''')


def run_engine(scenario: str, fixed: bool) -> dict:
    result = subprocess.run([sys.executable, "-c", _ENGINE_SCENARIO, scenario, "fixed" if fixed else "raw"],
                            cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


# Gap 1 ---------------------------------------------------------------------------------------------------------------
def test_gap1_moto_still_collides_on_nameless_start_execution():
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


def test_gap1_fix_names_nameless_executions_and_keeps_given_names():
    named = json.loads(moto_gaps.fill_execution_name(b'{"stateMachineArn": "a"}'))
    assert len(named["name"]) == 36
    assert json.loads(moto_gaps.fill_execution_name(b'{"name": "mine"}'))["name"] == "mine"
    assert moto_gaps.fill_execution_name(b"not json") == b"not json"


# Gap 3 ---------------------------------------------------------------------------------------------------------------
def _early_callback_is_seen(setup_heartbeat_endpoint) -> bool:
    from moto.stepfunctions.parser.asl.eval.callback.callback import CallbackEndpoint, CallbackOutcomeSuccess
    endpoint = CallbackEndpoint("token")
    endpoint.notify(CallbackOutcomeSuccess(callback_id="token", output="{}"))   # the callback came first
    heartbeat = setup_heartbeat_endpoint(endpoint, 0.2)                         # then the task starts waiting
    return heartbeat.clear_and_wait()


def test_gap3_moto_still_misses_a_callback_that_arrives_during_the_invoke():
    from moto.stepfunctions.parser.asl.eval.callback.callback import CallbackEndpoint
    original = getattr(CallbackEndpoint.setup_heartbeat_endpoint, "__wrapped__",
                       CallbackEndpoint.setup_heartbeat_endpoint)
    assert _early_callback_is_seen(original) is False


def test_gap3_fix_sees_the_early_callback():
    from moto.stepfunctions.parser.asl.eval.callback.callback import CallbackEndpoint
    moto_gaps.enable_state_machine_execution()
    assert _early_callback_is_seen(CallbackEndpoint.setup_heartbeat_endpoint) is True


# Gaps 4 and 5, in moto's engine ----------------------------------------------------------------------------------------
def test_gap4_moto_still_names_a_heartbeat_timeout_states_timeout():
    assert run_engine("heartbeat", fixed=False)["error"] == "States.Timeout"


def test_gap4_fix_names_it_states_heartbeat_timeout():
    assert run_engine("heartbeat", fixed=True)["error"] == "States.HeartbeatTimeout"


def test_gap5_moto_still_drops_the_cause_of_send_task_failure():
    assert run_engine("cause", fixed=False) == {"error": "WorkerFailed", "cause": None}


def test_gap5_fix_keeps_the_cause():
    assert run_engine("cause", fixed=True) == {"error": "WorkerFailed", "cause": "disk full"}


# Gap 10 --------------------------------------------------------------------------------------------------------------
def test_gap10_moto_still_scans_its_module_folders_to_route_a_request(monkeypatch):
    import os

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication
    from moto.server import create_backend_app
    listed = []
    real_listdir = os.listdir
    monkeypatch.setattr(os, "listdir", lambda path: listed.append(path) or real_listdir(path))
    app = DomainDispatcherApplication(create_backend_app)
    lookup = getattr(DomainDispatcherApplication.get_backend_for_host, "__wrapped__",
                     DomainDispatcherApplication.get_backend_for_host)
    assert lookup(app, "states.us-east-1.amazonaws.com") == "stepfunctions"
    assert listed, "moto no longer lists its folders per request: gap 10's fix can go"


def test_gap10_fix_routes_each_host_once():
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication
    from moto.server import create_backend_app
    moto_gaps.enable_state_machine_execution()
    app = DomainDispatcherApplication(create_backend_app)
    assert app.get_backend_for_host("sqs.us-east-1.amazonaws.com") == "sqs"
    assert app.get_backend_for_host("sqs.us-east-1.amazonaws.com") == "sqs"


# Gap 11 --------------------------------------------------------------------------------------------------------------
def test_gap11_moto_still_builds_a_client_per_task():
    from moto.stepfunctions.parser.asl.utils import boto_client
    original = getattr(boto_client.boto_client_for, "__wrapped__", boto_client.boto_client_for)
    assert original(region="us-east-1", service="sqs") is not original(region="us-east-1", service="sqs")


def test_gap11_fix_reuses_one_client_per_service_everywhere_the_engine_calls():
    import importlib
    moto_gaps.enable_state_machine_execution()
    first = importlib.import_module(moto_gaps._ENGINE_CLIENT_USERS[2]).boto_client_for("us-east-1", "lambda")
    again = importlib.import_module(moto_gaps._ENGINE_CLIENT_USERS[-2]).boto_client_for("us-east-1", "lambda")
    assert first is again
